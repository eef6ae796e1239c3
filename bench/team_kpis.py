"""/team for a 50-manager team (target ≤ 500 ms).

Builds a synthetic book straight into a fresh SQLite file (or AMBOT_BENCH_DATABASE_URL): one
supervisor with 50 managers (plus 10 other teams of 50 the queries must skip), 200 clients per
manager, the latest snapshot, trades, 60 days of notes, contacts, follow-ups, P1 alerts and
tickets. Then times TeamService.kpis for the supervisor (all figures, 7 and 30 days), the KPI
message, and the PNG chart, each the median of --runs.

    .venv/bin/python bench/team_kpis.py [--managers 50] [--teams 11] [--clients-per-manager 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from crm.proactive import load_proactive_config
from crm.staff import StaffMember
from crm.team import TeamService
from handlers.render.team import render_team_chart, team_view
from storage.activity_rows import ContactRow, FollowUpRow, NoteRow
from storage.alert_rows import AlertRow
from storage.engine import create_engine, session_factory
from storage.rows import ClientRow, SnapshotRow, StaffRow, TicketRow, TradeRow
from storage.schema import create_all
from storage.uow import UnitOfWorkFactory

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
DATA_DAY = date(2026, 11, 20)
CATEGORIES = ("inquiry", "account", "trading", "complaint")


async def build(url: str, teams: int, managers: int, per_manager: int) -> UnitOfWorkFactory:
    engine = create_engine(url)
    await create_all(engine)
    rng = random.Random(14)
    staff: list[dict[str, Any]] = []
    clients: list[dict[str, Any]] = []
    for team in range(teams):
        sid = f"S{team:03d}"
        staff.append({"staff_id": sid, "name": f"主管{team}", "role": "supervisor"})
        for m in range(managers):
            staff.append(
                {
                    "staff_id": f"M{team:03d}{m:03d}",
                    "name": f"经理{team}-{m}",
                    "role": "manager",
                    "supervisor_id": sid,
                }
            )
    managers_ids = [s["staff_id"] for s in staff if s["role"] == "manager"]
    for mid in managers_ids:
        for c in range(per_manager):
            clients.append(
                {
                    "client_id": f"C{mid}{c:04d}",
                    "name": f"客户{c}",
                    "manager_id": mid,
                    "opened_on": date(2020, 1, 1),
                    "risk_level": "C3",
                }
            )
    snapshots, trades, notes, contacts, follow_ups, alerts, tickets = [], [], [], [], [], [], []
    alert_id = 0
    for n, client in enumerate(clients):
        cid, mid = client["client_id"], client["manager_id"]
        total = Decimal(rng.choice((300_000, 1_200_000, 6_000_000, 12_000_000)))
        snapshots.append(
            {
                "client_id": cid,
                "date": DATA_DAY,
                "total_assets": total,
                "cash": total,
                "market_value": 0,
                "inflow": 0,
                "outflow": 0,
            }
        )
        if rng.random() < 0.6:
            at = NOW - timedelta(days=rng.uniform(0, 90))
            trades.append(
                {
                    "trade_id": f"T{n}",
                    "client_id": cid,
                    "traded_at": at,
                    "symbol": "600000",
                    "side": "buy",
                    "quantity": 1,
                    "price": 1,
                    "amount": 1,
                }
            )
        for _ in range(rng.randint(0, 2)):
            at = NOW - timedelta(days=rng.uniform(0, 60))
            notes.append(
                {
                    "client_id": cid,
                    "author_id": mid,
                    "text": "回访",
                    "created_at": at,
                    "updated_at": at,
                }
            )
            contacts.append({"client_id": cid, "staff_id": mid, "channel": "note", "at": at})
        if rng.random() < 0.3:
            due = NOW + timedelta(days=rng.uniform(-40, 5))
            done = rng.random() < 0.5
            follow_ups.append(
                {
                    "client_id": cid,
                    "owner_id": mid,
                    "title": "跟进",
                    "due_at": due,
                    "status": "done" if done else "open",
                    "created_at": due - timedelta(days=3),
                    "done_at": due + timedelta(hours=rng.uniform(-20, 20)) if done else None,
                }
            )
        if rng.random() < 0.05:
            alert_id += 1
            created = NOW - timedelta(days=rng.uniform(0, 40))
            acked = rng.random() < 0.8
            alerts.append(
                {
                    "id": alert_id,
                    "dedupe_key": f"k{alert_id}",
                    "rule": "hnw_outflow",
                    "rule_version": "bench",
                    "priority": "P1",
                    "client_id": cid,
                    "manager_id": mid,
                    "as_of": DATA_DAY,
                    "facts": "{}",
                    "status": "acknowledged" if acked else "open",
                    "created_at": created,
                    "acknowledged_at": created + timedelta(minutes=rng.uniform(1, 120))
                    if acked
                    else None,
                    "escalation_level": 1,
                }
            )
        if rng.random() < 0.1:
            opened = NOW - timedelta(days=rng.uniform(0, 45))
            responded = opened + timedelta(minutes=rng.uniform(1, 60))
            closed = (
                responded + timedelta(hours=rng.uniform(0.5, 80)) if rng.random() < 0.7 else None
            )
            tickets.append(
                {
                    "ticket_id": f"K{n}",
                    "client_id": cid,
                    "manager_id": mid,
                    "category": rng.choice(CATEGORIES),
                    "opened_at": opened,
                    "summary": "工单",
                    "status": "closed" if closed else "open",
                    "first_response_at": responded,
                    "closed_at": closed,
                }
            )
    async with engine.begin() as conn:
        await conn.execute(insert(StaffRow), [s for s in staff if s["role"] == "supervisor"])
        await conn.execute(insert(StaffRow), [s for s in staff if s["role"] == "manager"])
        for table, rows in (
            (ClientRow, clients),
            (SnapshotRow, snapshots),
            (TradeRow, trades),
            (NoteRow, notes),
            (ContactRow, contacts),
            (FollowUpRow, follow_ups),
            (AlertRow, alerts),
            (TicketRow, tickets),
        ):
            for start in range(0, len(rows), 5000):
                await conn.execute(insert(table), rows[start : start + 5000])
    print(
        json.dumps(
            {
                "clients": len(clients),
                "notes": len(notes),
                "contacts": len(contacts),
                "follow_ups": len(follow_ups),
                "p1_alerts": len(alerts),
                "tickets": len(tickets),
                "trades": len(trades),
            }
        )
    )
    return UnitOfWorkFactory(session_factory(engine))


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--managers", type=int, default=50)
    parser.add_argument("--teams", type=int, default=11)
    parser.add_argument("--clients-per-manager", type=int, default=200)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    url = os.environ.get("AMBOT_BENCH_DATABASE_URL")
    folder = tempfile.mkdtemp(prefix="ambot-team-")
    url = url or f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
    uow = await build(url, args.teams, args.managers, args.clients_per_manager)
    service = TeamService(uow, load_proactive_config(), clock=lambda: NOW)
    viewer = StaffMember(
        staff_id="S000",
        name="主管0",
        role="supervisor",
        supervisor_id=None,
        telegram_user_id=None,
        timezone="Asia/Shanghai",
        language="zh",
        briefing_time=NOW.time(),
        active=True,
    )
    kpis_ms, view_ms, chart_ms = [], [], []
    for _ in range(args.runs):
        started = time.perf_counter()
        kpis = await service.kpis(viewer)
        kpis_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        team_view(kpis, "zh", "Asia/Shanghai")
        view_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        render_team_chart(kpis, "zh")
        chart_ms.append((time.perf_counter() - started) * 1000)
    print(
        json.dumps(
            {
                "database": url.split(":", 1)[0],
                "managers_in_team": len(kpis.managers),
                "kpis_ms_median": round(statistics.median(kpis_ms), 1),
                "kpis_ms_max": round(max(kpis_ms), 1),
                "view_ms_median": round(statistics.median(view_ms), 1),
                "chart_ms_median": round(statistics.median(chart_ms), 1),
                "command_total_ms_median": round(
                    statistics.median(kpis_ms)
                    + statistics.median(view_ms)
                    + statistics.median(chart_ms),
                    1,
                ),
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
