"""Issue 12 §3, the lexicon: a lexicon put in force with `ambot kb lexicon` applies to /check at
once in the process that loaded it, and within one check interval in a running process (the
change made by the real CLI in a second process on the same SQLite file; injected clock)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.bootstrap import Runtime, build_runtime
from bot.settings import Settings
from knowledge_base.compliance.live import LexiconStore, LiveChecker
from knowledge_base.curation import CHECK_EVERY
from storage.rows import StaffRow

ROOT = Path(__file__).resolve().parents[3]
AMBOT = (sys.executable, "-c", "from bot.cli import main; main()")  # this checkout's code
NEW_LEXICON = """\
version: 2
entries:
  - phrase: 秒到账
    category: promised_returns
    match: normalized
    language: zh
    suggestion: 到账时间以银行和交易所处理为准
"""
DRAFT = "银证转账保证秒到账"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[tuple[Runtime, Clock]]:
    runtime = await build_runtime(Settings(data_dir=tmp_path / "data", embedder="hashing"))
    async with runtime.uow() as work:
        work.session.add_all(
            [
                StaffRow(staff_id="C001", name="合规", role="compliance"),
                StaffRow(staff_id="M001", name="王芳", role="manager"),
            ]
        )
        await work.commit()
    clock = Clock()
    checker = runtime.services.checker
    assert isinstance(checker, LiveChecker)
    checker.monotonic = clock
    (tmp_path / "new.yaml").write_text(NEW_LEXICON, encoding="utf-8")
    try:
        yield runtime, clock
    finally:
        await runtime.aclose()


def ambot(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "AMBOT_DATA_DIR": str(tmp_path / "data"),
        "AMBOT_EMBEDDER": "hashing",
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.run(
        [*AMBOT, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )


async def check(runtime: Runtime, text: str) -> list[str]:
    """As the /check handler runs it: on a worker thread."""
    result = await asyncio.to_thread(runtime.services.checker.check, text)
    return [v.phrase for v in result.violations]


async def test_a_lexicon_loaded_by_another_process_applies_within_the_bound(bot, tmp_path):
    runtime, clock = bot
    assert await check(runtime, DRAFT) == []
    assert await check(runtime, "这个产品稳赚不赔") == ["稳赚不赔"]
    done = ambot(tmp_path, "kb", "lexicon", str(tmp_path / "new.yaml"), "--by", "C001")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "lexicon #1 in force: 1 entries, version 2, loaded by C001" in done.stdout
    clock.now += CHECK_EVERY  # one check interval (3 s ≤ 10 s), no restart
    assert await check(runtime, DRAFT) == ["秒到账"]
    assert await check(runtime, "这个产品稳赚不赔") == []
    # and a process started now uses it from the start (`kb check` in a third process)
    third = ambot(tmp_path, "kb", "check", DRAFT, "--json")
    assert third.returncode == 1 and "秒到账" in third.stdout


async def test_the_process_that_loads_a_lexicon_uses_it_at_once(bot, tmp_path):
    runtime, _ = bot
    checker = runtime.services.checker
    assert isinstance(checker, LiveChecker)
    stored, lexicon = await LexiconStore(runtime.uow).load(tmp_path / "new.yaml", by="C001")
    checker.use(lexicon, loaded=stored)
    assert await check(runtime, DRAFT) == ["秒到账"]


async def test_only_a_compliance_officer_loads_a_valid_lexicon(bot, tmp_path):
    runtime, _ = bot
    refused = ambot(tmp_path, "kb", "lexicon", str(tmp_path / "new.yaml"), "--by", "M001")
    assert refused.returncode == 1 and "not an active compliance officer" in refused.stderr
    (tmp_path / "bad.yaml").write_text("entries:\n  - phrase: x\n", encoding="utf-8")
    invalid = ambot(tmp_path, "kb", "lexicon", str(tmp_path / "bad.yaml"), "--by", "C001")
    assert invalid.returncode == 1 and "entry 1" in invalid.stderr
    assert await LexiconStore(runtime.uow).newest() is None
