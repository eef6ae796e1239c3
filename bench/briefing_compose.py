"""Composing the morning briefings of 1,000 managers (target ≤ 10 s).

Builds a synthetic book straight into a fresh SQLite file (or AMBOT_BENCH_DATABASE_URL):
1,000 managers under 50 supervisors, 20 clients each (20,000 clients), two days of snapshots,
holdings and a negative event, trades, tickets, follow-ups and about 6 open alerts per manager
of every priority. Then times BriefingService.compose_many for all managers plus rendering each
briefing to its Telegram message, and the 50 supervisor digests.

    .venv/bin/python bench/briefing_compose.py [--managers 1000] [--clients-per-manager 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from crm.alerts import AlertService
from crm.briefings import BriefingService
from crm.proactive import load_proactive_config
from handlers.render.briefing import briefing_view, digest_view
from storage.activity_rows import FollowUpRow
from storage.alert_rows import AlertRow
from storage.engine import create_engine, session_factory
from storage.rows import (
    ClientRow,
    EventRow,
    HoldingRow,
    SnapshotRow,
    StaffRow,
    TicketRow,
    TradeRow,
)
from storage.schema import create_all
from storage.uow import UnitOfWorkFactory

AS_OF = date(2026, 11, 20)
DAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)
RULES = (
    ("hnw_outflow", "P1"),
    ("negative_event", "P2"),
    ("silent_warning", "P3"),
    ("birthday", "P4"),
)


async def build(url: str, managers: int, per_manager: int) -> UnitOfWorkFactory:
    engine = create_engine(url)
    await create_all(engine)
    rng = random.Random(5)
    supervisors = max(1, managers // 20)
    staff = [
        {"staff_id": f"S{n:04d}", "name": f"主管{n}", "role": "supervisor"}
        for n in range(supervisors)
    ]
    staff += [
        {
            "staff_id": f"M{n:04d}",
            "name": f"经理{n}",
            "role": "manager",
            "supervisor_id": f"S{n % supervisors:04d}",
        }
        for n in range(managers)
    ]
    clients, snapshots, holdings, trades, tickets, follow_ups, alerts = [], [], [], [], [], [], []
    for m in range(managers):
        for c in range(per_manager):
            cid = f"{m:05d}{c:04d}"
            total = rng.randint(50_000, 20_000_000)
            clients.append(
                {
                    "client_id": cid,
                    "name": f"客户{cid}",
                    "manager_id": f"M{m:04d}",
                    "opened_on": date(2019, 11, 20),
                    "risk_level": "C3",
                    "birthday": date(1980, 11, 23) if c == 3 else None,
                }
            )
            for day, out in ((AS_OF - timedelta(days=1), 0), (AS_OF, total // 3 if c == 0 else 0)):
                snapshots.append(
                    {
                        "client_id": cid,
                        "date": day,
                        "total_assets": total,
                        "cash": total // 2,
                        "market_value": total - total // 2,
                        "inflow": 0,
                        "outflow": out,
                    }
                )
            holdings.append(
                {
                    "client_id": cid,
                    "date": AS_OF,
                    "symbol": "300750" if c == 1 else "600000",
                    "name": "宁德时代",
                    "sector": "新能源",
                    "quantity": 100,
                    "market_value": (total - total // 2) // 3,
                }
            )
            trades.append(
                {
                    "trade_id": f"T{cid}",
                    "client_id": cid,
                    "traded_at": NOW - timedelta(days=rng.randint(1, 120)),
                    "symbol": "600000",
                    "side": "buy",
                    "quantity": 100,
                    "price": 10,
                    "amount": 1000,
                }
            )
        tickets.append(
            {
                "ticket_id": f"K{m}",
                "client_id": f"{m:05d}0005",
                "category": "complaint",
                "opened_at": NOW - timedelta(hours=30),
                "summary": "投诉：交易系统卡顿",
            }
        )
        for k, due in enumerate((NOW - timedelta(days=2), NOW + timedelta(hours=5))):
            follow_ups.append(
                {
                    "client_id": f"{m:05d}{6 + k:04d}",
                    "owner_id": f"M{m:04d}",
                    "title": "回电",
                    "due_at": due,
                    "status": "open",
                    "created_at": NOW - timedelta(days=3),
                }
            )
        for k, (rule, priority) in enumerate(
            (*RULES, ("silent_warning", "P3"), ("anniversary", "P4"))
        ):
            cid = f"{m:05d}{k:04d}"
            alerts.append(
                {
                    "dedupe_key": f"{rule}:{cid}:{AS_OF}",
                    "rule": rule,
                    "rule_version": "bench",
                    "priority": priority,
                    "client_id": cid,
                    "manager_id": f"M{m:04d}",
                    "as_of": AS_OF,
                    "facts": json.dumps({}),
                    "status": "open",
                    "created_at": NOW - timedelta(hours=10),
                    "escalation_level": 0,
                }
            )
    events = [
        {
            "event_id": "EV1",
            "symbol": "300750",
            "date": AS_OF,
            "title": "宁德时代：收到立案告知书",
            "sentiment": "negative",
            "severity": "major",
            "url": "https://research.example/EV1",
        }
    ]
    uow = UnitOfWorkFactory(session_factory(engine))
    async with uow() as work:
        for table, rows in (
            (StaffRow, [s for s in staff if s["role"] == "supervisor"]),
            (StaffRow, [s for s in staff if s["role"] == "manager"]),
            (ClientRow, clients),
            (SnapshotRow, snapshots),
            (HoldingRow, holdings),
            (TradeRow, trades),
            (EventRow, events),
            (TicketRow, tickets),
            (FollowUpRow, follow_ups),
            (AlertRow, alerts),
        ):
            for start in range(0, len(rows), 5000):
                await work.session.execute(insert(table), rows[start : start + 5000])
        await work.commit()
    return uow


async def main(managers: int, per_manager: int) -> None:
    with tempfile.TemporaryDirectory(prefix="ambot-bench-") as tmp:
        await main_in(managers, per_manager, Path(tmp))


async def main_in(managers: int, per_manager: int, folder: Path) -> None:
    url = os.environ.get("AMBOT_BENCH_DATABASE_URL")
    url = url or f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    started = time.perf_counter()
    uow = await build(url, managers, per_manager)
    print(
        f"book: {managers} managers, {managers * per_manager} clients — built in {time.perf_counter() - started:.1f} s"
    )
    config = load_proactive_config()
    alerts = AlertService(uow, config, clock=lambda: NOW)
    service = BriefingService(uow, config, alerts, clock=lambda: NOW)
    members = [m for m in await service.recipients() if m.role == "manager"]
    started = time.perf_counter()
    briefings = await service.compose_many(members, DAY)
    composed = time.perf_counter() - started
    views = [briefing_view(b, b.staff.language, size=config.briefing_top_items) for b in briefings]
    total = time.perf_counter() - started
    items = sum(len(b.items) for b in briefings)
    longest = max(len(v.text) for v in views)
    print(f"compose_many: {len(briefings)} briefings, {items} items in {composed:.2f} s")
    print(
        f"+ rendering every message: {total:.2f} s in all (target ≤ 10 s); longest {longest} chars"
    )
    supervisors = [m for m in await service.recipients() if m.role == "supervisor"]
    started = time.perf_counter()
    for supervisor in supervisors:
        digest_view(await service.digest(supervisor.staff_id, DAY), supervisor.language)
    print(f"{len(supervisors)} supervisor digests: {time.perf_counter() - started:.2f} s")
    started = time.perf_counter()
    for member in members[:50]:
        await service.compose(member.staff_id, DAY)
    one = (time.perf_counter() - started) / 50
    print(f"one briefing alone (what each 08:30 job does): {one * 1000:.0f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--managers", type=int, default=1000)
    parser.add_argument("--clients-per-manager", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.managers, args.clients_per_manager))
