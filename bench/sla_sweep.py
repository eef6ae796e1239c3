"""The SLA sweep over 100,000 open tickets (target ≤ 2 s).

Builds a synthetic book straight into a fresh SQLite file (or AMBOT_BENCH_DATABASE_URL /
--url for PostgreSQL): 500 managers under 25 supervisors, 20,000 clients, N open tickets of
every category opened over the last two days, a third already responded to. Then times
TicketService.sweep() (set-based: one UPDATE … RETURNING per clock raising new breaches and due
escalations, then the views of at most 10 per recipient) in three situations:

- first: the first sweep after the import, when every clock already past due breaches at once
  (the worst case: a backlog imported in one go);
- quiet: the next sweep a minute later, when little changes (the steady state);
- escalate: 30 minutes later, when every breach of the first sweep escalates one level.

and the new-ticket query (`new_tickets`) and `listing(breached=True)` (the CLI).

    .venv/bin/python bench/sla_sweep.py [--tickets 100000] [--url postgresql://…]
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

from audit import Journal
from crm.proactive import load_proactive_config
from crm.tickets import TicketService
from scheduler.tickets import MAX_PINGS
from storage.engine import create_engine, session_factory
from storage.rows import ClientRow, StaffRow, TicketRow
from storage.schema import create_all
from storage.uow import UnitOfWorkFactory

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
CATEGORIES = ("inquiry", "account", "trading", "complaint")


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


async def build(url: str, tickets: int) -> UnitOfWorkFactory:
    engine = create_engine(url)
    await create_all(engine)
    rng = random.Random(14)
    supervisors, managers, clients = 25, 500, 20_000
    staff = [{"staff_id": "A1", "name": "总部", "role": "admin"}]
    staff += [
        {"staff_id": f"S{i:03d}", "name": f"主管{i}", "role": "supervisor"}
        for i in range(supervisors)
    ]
    staff += [
        {
            "staff_id": f"M{i:04d}",
            "name": f"经理{i}",
            "role": "manager",
            "supervisor_id": f"S{i % supervisors:03d}",
        }
        for i in range(managers)
    ]
    client_rows = [
        {
            "client_id": f"31{i:08d}",
            "name": f"客户{i}",
            "manager_id": f"M{i % managers:04d}",
            "opened_on": date(2020, 1, 2),
            "risk_level": "C3",
        }
        for i in range(clients)
    ]
    ticket_rows = []
    for i in range(tickets):
        client = i % clients
        opened = NOW - timedelta(minutes=rng.randint(0, 2 * 24 * 60))
        responded = rng.random() < 0.33
        ticket_rows.append(
            {
                "ticket_id": f"TK{i:08d}",
                "client_id": f"31{client:08d}",
                "category": CATEGORIES[i % 4],
                "opened_at": opened,
                "summary": "客户来电咨询",
                "status": "open",
                "manager_id": f"M{client % managers:04d}",
                "first_response_at": (
                    opened + timedelta(minutes=rng.randint(1, 60)) if responded else None
                ),
                "notified_id": f"M{client % managers:04d}",
            }
        )
    async with engine.begin() as conn:
        await conn.execute(insert(StaffRow), staff)
        for start in range(0, len(client_rows), 5000):
            await conn.execute(insert(ClientRow), client_rows[start : start + 5000])
        for start in range(0, len(ticket_rows), 5000):
            await conn.execute(insert(TicketRow), ticket_rows[start : start + 5000])
    return UnitOfWorkFactory(session_factory(engine))


async def timed(label: str, work, results: dict) -> object:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    value = await work()
    elapsed = time.perf_counter() - started
    if isinstance(value, list):
        count: object = len(value)
    elif hasattr(value, "breaches"):  # a SweepResult: shown + counted
        count = len(value.breaches) + sum(n for _, n in value.overflow)
    else:
        count = value
    results[label] = {"seconds": round(elapsed, 3), "rows": count}
    print(f"{label:<22} {elapsed:7.3f} s   {count} rows", flush=True)
    return value


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--url", default=os.environ.get("AMBOT_BENCH_DATABASE_URL"))
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="ambot-sla-"))
    url = args.url or f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    started = time.perf_counter()
    uow = await build(url, args.tickets)
    print(
        f"built {args.tickets:,} open tickets in {time.perf_counter() - started:.1f} s ({url.split(':')[0]})"
    )
    clock = Clock()
    service = TicketService(
        uow, load_proactive_config(), journal=Journal(uow, clock=clock), clock=clock
    )
    results: dict = {"tickets": args.tickets, "database": url.split(":")[0]}
    sweep = lambda: service.sweep(per_target=MAX_PINGS)  # noqa: E731 (as the job calls it)
    # A running bot has swept before the backlog arrives: its statements are compiled and
    # cached. Warm up three days earlier, when nothing is due.
    clock.now = NOW - timedelta(days=3)
    await sweep()
    clock.now = NOW
    await timed("sweep first (backlog)", sweep, results)
    clock.now += timedelta(minutes=1)
    await timed("sweep quiet (+1 min)", sweep, results)
    clock.now += timedelta(minutes=30)
    await timed("sweep escalate (+31)", sweep, results)
    clock.now += timedelta(minutes=1)
    await timed("sweep quiet (+32 min)", sweep, results)
    await timed("new_tickets", service.new_tickets, results)
    await timed("listing(breached)", lambda: service.listing(breached=True), results)
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    asyncio.run(main())
