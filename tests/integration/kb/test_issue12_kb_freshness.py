"""Issue 12 §3: a running bot serves a change made by another process within the bound.

The "bot" is a Runtime in this process (its generation check on an injected clock); the change
is made by the real `ambot kb …` CLI in a second process on the same database (a SQLite file,
and a PostgreSQL database of its own when the server answers). Right after the check interval
the retired (or superseded) version is no longer cited, without a restart."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from bot.bootstrap import Runtime, build_runtime
from bot.settings import Settings
from knowledge_base.curation import CHECK_EVERY
from storage.rows import StaffRow
from tests.support.databases import POSTGRES_SKIP_REASON, fresh_database, postgres_url

ROOT = Path(__file__).resolve().parents[3]
SAMPLES = ROOT / "knowledge_base" / "samples" / "docs"
SUBSET = ("KB-REVERSE-REPO.v1.md", "KB-MARGIN-ELIGIBILITY.v2.md", "KB-OPTIONS-ELIGIBILITY.v1.md")
QUESTION = "国债逆回购GC001怎么计息"
AMBOT = (sys.executable, "-c", "from bot.cli import main; main()")  # this checkout's code


class Clock:
    """The bot's monotonic clock, moved by the test (no wall-clock waits)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def bot(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[Runtime, Clock]]:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in SUBSET:
        shutil.copy(SAMPLES / name, docs / name)
    async with AsyncExitStack() as stack:
        url = ""
        if request.param == "postgres":
            admin_url = postgres_url()
            if admin_url is None:
                pytest.skip(POSTGRES_SKIP_REASON)
            url = await stack.enter_async_context(fresh_database(admin_url))
        (tmp_path / "database_url").write_text(url, encoding="utf-8")
        async for ready in _bot(tmp_path, docs, url):
            yield ready


async def _bot(tmp_path: Path, docs: Path, url: str) -> AsyncIterator[tuple[Runtime, Clock]]:
    extra = {"database_url": url} if url else {}
    settings = Settings(data_dir=tmp_path / "data", embedder="hashing", **extra)  # type: ignore[arg-type]
    runtime = await build_runtime(settings)
    clock = Clock()
    runtime.services.curation.monotonic = clock
    async with runtime.uow() as work:
        work.session.add_all(
            [
                StaffRow(staff_id="C001", name="合规", role="compliance"),
                StaffRow(staff_id="C002", name="复核", role="compliance"),
            ]
        )
        await work.commit()
    await runtime.services.curation.import_directory(docs, by="C001", migrate=True)
    try:
        yield runtime, clock
    finally:
        await runtime.aclose()


def ambot(tmp_path: Path, *args: str) -> str:
    """`ambot …` in another process on the same database (cwd: no stray .env)."""
    env = {
        **os.environ,
        "AMBOT_DATA_DIR": str(tmp_path / "data"),
        "AMBOT_EMBEDDER": "hashing",
        "PYTHONPATH": str(ROOT),
    }
    url = (tmp_path / "database_url").read_text(encoding="utf-8")
    if url:
        env["AMBOT_DATABASE_URL"] = url
    done = subprocess.run(
        [*AMBOT, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


async def cited(runtime: Runtime) -> set[tuple[str, int]]:
    answer = await runtime.services.answers.answer(QUESTION, k=5, record_gap=False)
    return {(r.doc_id, r.version) for r in answer.results}


async def test_a_document_retired_by_another_process_is_not_cited_after_the_check(bot, tmp_path):
    runtime, clock = bot
    assert ("KB-REVERSE-REPO", 1) in await cited(runtime)
    ambot(tmp_path, "kb", "retire", "KB-REVERSE-REPO", "--by", "C001", "--reason", "停售")
    clock.now += CHECK_EVERY  # the bound: one check interval (3 s ≤ 10 s), no restart
    assert all(doc != "KB-REVERSE-REPO" for doc, _ in await cited(runtime))


async def test_a_version_superseded_by_another_process_gives_way_to_the_new_one(bot, tmp_path):
    runtime, clock = bot
    assert ("KB-REVERSE-REPO", 1) in await cited(runtime)
    newer = tmp_path / "newer"
    newer.mkdir()
    text = (SAMPLES / "KB-REVERSE-REPO.v1.md").read_text(encoding="utf-8")
    text = text.replace("version: 1", "version: 2", 1).replace("status: approved", "status: draft")
    (newer / "KB-REVERSE-REPO.v2.md").write_text(text + "\n## 更新\n计息规则更新。\n", "utf-8")
    ambot(tmp_path, "kb", "import", str(newer), "--by", "C002")
    assert ("KB-REVERSE-REPO", 1) in await cited(runtime)  # a draft changes nothing
    ambot(tmp_path, "kb", "approve", "KB-REVERSE-REPO", "--by", "C001")
    clock.now += CHECK_EVERY
    assert ("KB-REVERSE-REPO", 1) not in await cited(runtime)  # filtered at once
    reloading = runtime.services.answers._reloading  # the index rebuilds in the background
    assert reloading is not None
    await reloading
    assert ("KB-REVERSE-REPO", 2) in await cited(runtime)


async def test_the_check_is_a_cheap_read_at_most_once_per_interval(bot, tmp_path):
    runtime, clock = bot
    await cited(runtime)
    curation = runtime.services.curation
    reads = 0
    original = curation.generation

    async def counted() -> int:
        nonlocal reads
        reads += 1
        return await original()

    curation.generation = counted
    clock.now += CHECK_EVERY
    for _ in range(5):
        await cited(runtime)
    assert reads == 1
