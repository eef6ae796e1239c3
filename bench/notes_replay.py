"""Benchmark: 1,000 notes delivered in random order with duplicates, by 20 concurrent workers.

    .venv/bin/python bench/notes_replay.py [--notes N] [--workers N] [--max-copies N]
                                           [--seed S] [--postgres URL]

Every note is one Telegram message (chat_id, message_id) delivered 1..max-copies times, as
Telegram does after a lost confirmation or a restart. All deliveries are shuffled and pushed
through NoteService.add (the real compliance checker included) by the workers at once, against a
fresh SQLite file (or a fresh schema on --postgres URL). Prints counts and time; the target is
zero duplicate rows (notes, contacts and compliance findings exactly once per message).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text  # noqa: E402

from crm.notes import NoteService  # noqa: E402
from crm.staff import StaffService  # noqa: E402
from knowledge_base.compliance import (  # noqa: E402
    ComplianceChecker,
    default_lexicon_path,
    load_lexicon,
)
from storage.activity_rows import ComplianceFindingRow, ContactRow, NoteRow  # noqa: E402
from storage.engine import create_engine, session_factory  # noqa: E402
from storage.rows import ClientRow, StaffRow  # noqa: E402
from storage.schema import create_all  # noqa: E402
from storage.uow import UnitOfWorkFactory  # noqa: E402

CLIENTS = 20
PHRASES = [
    "客户关注科创板",
    "已电话沟通，暂不加仓",
    "客户说想要保本的产品",
    "约下周面谈",
    "😀 满意",
]


async def run(args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    schema = None
    folder: Path | None = None
    if args.postgres:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(args.postgres)
        async with admin.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        await admin.dispose()
        engine = create_engine(
            args.postgres,
            connect_args={"server_settings": {"search_path": schema}},
            pool_size=args.workers,
        )
        where = f"PostgreSQL schema {schema}"
    else:
        folder = Path(tempfile.mkdtemp(prefix="notes-replay-"))
        engine = create_engine(f"sqlite+aiosqlite:///{folder / 'bench.db'}")
        where = f"SQLite {folder / 'bench.db'}"
    try:
        await create_all(engine)
        uow = UnitOfWorkFactory(session_factory(engine))
        async with uow() as work:
            work.session.add(StaffRow(staff_id="M1", name="王芳", role="manager"))
            await work.session.flush()
            work.session.add_all(
                ClientRow(
                    client_id=f"K{i:04d}",
                    name=f"客户{i}",
                    manager_id="M1",
                    opened_on=date(2020, 1, 1),
                    risk_level="C3",
                )
                for i in range(CLIENTS)
            )
            await work.commit()
        manager = await StaffService(uow).get("M1")
        checker = ComplianceChecker(load_lexicon(default_lexicon_path()))
        notes = NoteService(uow, checker=checker)

        deliveries: list[tuple[int, str, str]] = []
        for message_id in range(1, args.notes + 1):
            client = f"K{rng.randrange(CLIENTS):04d}"
            body = f"{rng.choice(PHRASES)} #{message_id}"
            deliveries.extend([(message_id, client, body)] * rng.randint(1, args.max_copies))
        rng.shuffle(deliveries)
        queue: asyncio.Queue[tuple[int, str, str]] = asyncio.Queue()
        for delivery in deliveries:
            queue.put_nowait(delivery)
        latencies: list[float] = []
        created = 0
        ids_by_message: dict[int, set[int]] = {}

        async def worker() -> None:
            nonlocal created
            while not queue.empty():
                message_id, client, body = queue.get_nowait()
                started = time.perf_counter()
                saved = await notes.add(client, manager, body, chat_id=4242, message_id=message_id)
                latencies.append(time.perf_counter() - started)
                created += saved.created
                ids_by_message.setdefault(message_id, set()).add(saved.note.id)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(args.workers)))
        elapsed = time.perf_counter() - started

        async with uow() as work:
            session = work.session
            rows = await session.scalar(select(func.count()).select_from(NoteRow))
            distinct = await session.scalar(
                select(func.count(func.distinct(NoteRow.message_id))).select_from(NoteRow)
            )
            contacts = await session.scalar(select(func.count()).select_from(ContactRow))
            findings = await session.scalar(select(func.count()).select_from(ComplianceFindingRow))
        flagged = sum(1 for _, _, body in set(deliveries) if "保本" in body)
        inconsistent = sum(1 for ids in ids_by_message.values() if len(ids) != 1)
        latencies.sort()
        print(f"database:            {where}")
        print(f"messages:            {args.notes}")
        print(f"deliveries:          {len(deliveries)} ({len(deliveries) - args.notes} duplicates)")
        print(f"workers:             {args.workers}")
        print(f"note rows:           {rows} (distinct messages {distinct})")
        print(f"created replies:     {created}")
        print(f"contacts:            {contacts}")
        print(f"findings:            {findings} (messages with a banned phrase: {flagged})")
        print(f"replies with another id than the first: {inconsistent}")
        print(f"duplicate rows:      {int(rows or 0) - args.notes}")
        print(
            f"wall time:           {elapsed:.2f} s ({len(deliveries) / elapsed:.0f} deliveries/s)"
        )
        print(
            f"per call:            p50 {statistics.median(latencies) * 1000:.1f} ms, "
            f"p95 {latencies[int(len(latencies) * 0.95)] * 1000:.1f} ms"
        )
        ok = rows == distinct == args.notes == created == contacts and findings == flagged
        ok = ok and inconsistent == 0
        print("result:              " + ("OK — zero duplicates" if ok else "FAILED"))
        return 0 if ok else 1
    finally:
        await engine.dispose()
        if schema is not None:
            admin = create_engine(args.postgres)
            async with admin.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            await admin.dispose()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=20)
    parser.add_argument("--max-copies", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--postgres", help="e.g. postgresql+asyncpg://root@127.0.0.1:5432/test")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
