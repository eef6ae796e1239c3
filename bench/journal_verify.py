"""Benchmark: `Journal.verify` over a large journal — time, and memory that does not grow.

    .venv/bin/python bench/journal_verify.py [--entries N ...] [--batch N]

For each N (default 100,000 and 1,000,000): a fresh SQLite file (migrated) gets N chained
entries, written straight through sqlite3 from a generator (the chain computed with the
journal's own hash; nothing held in memory), then `Journal.verify()` walks it. Reported: entries
per second, and the process's peak resident memory before and after the walk (ru_maxrss), which
stays flat when verify streams.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from audit import Journal  # noqa: E402
from audit.journal import canonical_json, entry_hash  # noqa: E402
from storage.engine import create_engine, session_factory  # noqa: E402
from storage.journal_rows import GENESIS_HASH  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.uow import UnitOfWorkFactory  # noqa: E402

START = datetime(2026, 12, 1, tzinfo=UTC)


def rows(count: int, last: list[str]) -> Iterator[tuple[object, ...]]:
    prev = GENESIS_HASH
    for seq in range(1, count + 1):
        at = START + timedelta(milliseconds=seq)
        body = canonical_json({"text": f"客户来电 {seq}", "method": "sendMessage"})
        digest = entry_hash(prev, seq, at, "M001", "message.out", f"chat:1:{seq}", body)
        stored_at = at.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
        yield (seq, stored_at, "M001", "message.out", f"chat:1:{seq}", body, prev, digest)
        prev = digest
    last.append(prev)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def one(count: int, batch: int, folder: Path) -> str:
    path = folder / f"journal-{count}.db"
    url = f"sqlite+aiosqlite:///{path}"
    engine = create_engine(url)
    await upgrade(engine)
    await engine.dispose()
    started = time.perf_counter()
    last: list[str] = []
    with sqlite3.connect(path) as conn:
        conn.executemany("INSERT INTO journal VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows(count, last))
        conn.execute("UPDATE journal_head SET seq = ?, hash = ? WHERE id = 1", (count, last[0]))
    written = time.perf_counter() - started
    engine = create_engine(url)
    try:
        journal = Journal(UnitOfWorkFactory(session_factory(engine)))
        before = peak_mb()
        started = time.perf_counter()
        result = await journal.verify(batch_size=batch)
        took = time.perf_counter() - started
        after = peak_mb()
    finally:
        await engine.dispose()
    assert result.ok and result.count == count, result
    return (
        f"| {count:,} | {written:.1f} s | {took:.1f} s | {count / took:,.0f} | "
        f"{before:.0f} MB → {after:.0f} MB |"
    )


async def main_async(args: argparse.Namespace) -> str:
    lines = [
        "| entries | written in | verify | entries/s | peak RSS before → after verify |",
        "|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory(prefix="journal-verify-") as tmp:
        for count in args.entries:
            lines.append(await one(count, args.batch, Path(tmp)))
            print(lines[-1], flush=True)
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    print(asyncio.run(main_async(args)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
