"""A 2,000-manager /broadcast through the real outbox (ledger + paced sender) to the emulated
Bot API with Telegram's limits enforced (30/s overall, 1/s per private chat, 429 beyond that).

Builds a SQLite book of 2,000 managers (and an admin), records the broadcast with
BroadcastService.create (receipts written set-based), fans it out with handlers/broadcast.fan_out
exactly as /broadcast's background task does (ledger rows claimed set-based, then queued), and
waits until every receipt is marked delivered. `create_s` is what the sender waits for before
her reply (the fan-out runs in the background); `queue_all_s` is the claim and queueing. Real clock (this
bench only), in-process transport. Prints the 429s provoked, the wall time, the rate, and whether
every manager got exactly one message. The document lookup is a stub: the knowledge base is not
what is measured.

    .venv/bin/python bench/broadcast_pacing.py [--managers 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

from sqlalchemy import func, insert, select
from telegram import Bot

from crm.alerts import AlertService
from crm.broadcasts import BroadcastService, TalkingPoints
from crm.proactive import load_proactive_config
from crm.staff import staff_member
from emulator import BotApiEmulator, EmulatedUser, InProcessRequest, RateLimits
from handlers.broadcast import fan_out
from runtime.ledger import DeliveryLedger
from scheduler.outbox import Outbox
from scheduler.pacing import PacedSender
from storage.broadcast_rows import BroadcastReceiptRow
from storage.engine import create_engine, session_factory
from storage.rows import StaffRow
from storage.schema import create_all
from storage.uow import UnitOfWorkFactory

POINTS = TalkingPoints(
    "KB-NEGATIVE-EVENT-TALKING-POINTS",
    1,
    "持仓个股重大负面事件沟通要点",
    "沈静怡",
    date(2025, 10, 13),
    "## 要点\n1. 先核实来源，再联系客户。\n2. 不作收益承诺，不预测股价。\n" * 8,
)


async def main(managers: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="ambot-broadcast-"))
    engine = create_engine(f"sqlite+aiosqlite:///{folder / 'bench.db'}")
    await create_all(engine)
    rows = [{"staff_id": "A001", "name": "总部", "role": "admin", "telegram_user_id": 9}]
    rows += [
        {
            "staff_id": f"M{n:05d}",
            "name": f"经理{n}",
            "role": "manager",
            "telegram_user_id": 10_000 + n,
        }
        for n in range(managers)
    ]
    async with engine.begin() as conn:
        await conn.execute(insert(StaffRow), rows)
    uow = UnitOfWorkFactory(session_factory(engine))

    emulator = BotApiEmulator(
        rate_limits=RateLimits(overall_per_second=30, per_private_chat_per_second=1)
    )
    for row in rows:
        emulator.add_user(EmulatedUser(id=row["telegram_user_id"], first_name=row["name"]))
    bot = Bot(emulator.token, request=InProcessRequest(emulator))
    await bot.initialize()
    config = load_proactive_config()
    pacer = PacedSender(
        bot,
        overall_per_second=config.overall_per_second,
        per_chat_per_second=config.per_chat_per_second,
    )
    outbox = Outbox(pacer, DeliveryLedger(uow), AlertService(uow, config))

    async def lookup(_doc_id: str, _today: date) -> TalkingPoints:
        return POINTS

    broadcasts = BroadcastService(uow, lookup)
    async with uow() as work:
        admin_row = await work.session.get(StaffRow, "A001")
        assert admin_row is not None
        admin = staff_member(admin_row)

    started = time.perf_counter()
    broadcast, recipients = await broadcasts.create(admin, POINTS.doc_id)
    created = time.perf_counter()
    assert len(recipients) == managers
    queued = await fan_out(outbox, broadcasts, broadcast.id)
    all_queued = time.perf_counter()

    async def delivered() -> int:
        async with uow() as work:
            return int(
                await work.session.scalar(
                    select(func.count()).where(
                        BroadcastReceiptRow.broadcast_id == broadcast.id,
                        BroadcastReceiptRow.delivered_at.is_not(None),
                    )
                )
                or 0
            )

    while pacer.pending or await delivered() < queued:  # noqa: ASYNC110 - polls the database
        await asyncio.sleep(0.2)
    finished = time.perf_counter()
    per_chat = Counter(m.chat_id for m in emulator.sent_messages())
    throttled = sum(1 for e in emulator.api_errors if e.error_code == 429)
    wall = finished - started
    print(
        json.dumps(
            {
                "managers": managers,
                "queued": queued,
                "delivered_receipts": await delivered(),
                "http_429": throttled,
                "exactly_once": all(per_chat[10_000 + n] == 1 for n in range(managers)),
                "create_s": round(created - started, 2),
                "queue_all_s": round(all_queued - created, 2),
                "wall_s": round(wall, 1),
                "messages_per_s": round(queued / wall, 1),
            },
            ensure_ascii=False,
        )
    )
    await pacer.stop()
    await bot.shutdown()
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--managers", type=int, default=2000)
    asyncio.run(main(parser.parse_args().managers))
