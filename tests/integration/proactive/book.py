"""A small hand-built book for the proactive services (briefings, alerts, ledger, lock)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from crm.alerts import AlertService
from crm.briefings import BriefingService
from crm.proactive import ProactiveConfig
from runtime.ledger import DeliveryLedger
from storage.activity_rows import FollowUpRow
from storage.alert_rows import AlertRow
from storage.rows import ClientRow, EventRow, HoldingRow, SnapshotRow, StaffRow, TicketRow, TradeRow
from storage.uow import UnitOfWorkFactory

AS_OF = date(2026, 11, 20)  # Friday: the data date
BRIEFING_DAY = date(2026, 11, 23)  # Monday: the next trading day
# Monday 08:30 in Shanghai.
MONDAY_0830 = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)


class FakeClock:
    def __init__(self, now: datetime = MONDAY_0830) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: Any) -> None:
        self.now += timedelta(**kwargs)


def staff_rows() -> list[StaffRow]:
    return [
        StaffRow(staff_id="A001", name="赵敏", role="admin", telegram_user_id=9001),
        StaffRow(staff_id="S001", name="周强", role="supervisor", telegram_user_id=9101),
        StaffRow(
            staff_id="M001",
            name="王芳",
            role="manager",
            supervisor_id="S001",
            telegram_user_id=9201,
        ),
        StaffRow(
            staff_id="M002",
            name="李静",
            role="manager",
            supervisor_id="S001",
            telegram_user_id=9202,
        ),
        StaffRow(staff_id="S002", name="孙丽", role="supervisor"),
        StaffRow(staff_id="M003", name="陈刚", role="manager", supervisor_id="S002"),
    ]


def client(client_id: str, name: str, manager: str, **extra: Any) -> ClientRow:
    values: dict[str, Any] = {"opened_on": date(2020, 3, 1), "risk_level": "C3"} | extra
    return ClientRow(client_id=client_id, name=name, manager_id=manager, **values)


def snapshot(
    client_id: str, day: date, total: int, outflow: int = 0, mv: int | None = None
) -> SnapshotRow:
    market_value = Decimal(mv if mv is not None else total // 2)
    return SnapshotRow(
        client_id=client_id,
        date=day,
        total_assets=Decimal(total),
        cash=Decimal(total) - market_value,
        market_value=market_value,
        inflow=Decimal(0),
        outflow=Decimal(outflow),
    )


def alert(
    alert_id: int,
    rule: str,
    priority: str,
    client_id: str,
    manager: str,
    *,
    as_of: date = AS_OF,
    created: datetime = MONDAY_0830 - timedelta(hours=1),
) -> AlertRow:
    return AlertRow(
        id=alert_id,
        dedupe_key=f"{rule}:{client_id}:{as_of}",
        rule=rule,
        rule_version="test",
        priority=priority,
        client_id=client_id,
        manager_id=manager,
        as_of=as_of,
        facts=json.dumps({}),
        status="open",
        created_at=created,
        escalation_level=0,
    )


def book_rows() -> list[Any]:
    """M001's book: one of each kind of item, with assets chosen to test the ordering."""
    previous = AS_OF - timedelta(days=1)
    rows: list[Any] = [
        client("C01", "钱多多", "M001", phone="13812345678", id_number="110101199001011234"),
        client("C02", "孙小美", "M001"),
        client("C03", "赵大宝", "M001", birthday=date(1980, 11, 23)),
        client("C04", "周静", "M001"),
        client("C05", "吴天", "M001"),
        client("C06", "郑和", "M001"),
        client("C07", "冯敏", "M002"),
        client("C08", "褚卫", "M003"),
        snapshot("C01", previous, 6_400_000),
        snapshot("C01", AS_OF, 3_700_000, outflow=2_700_000),
        snapshot("C02", AS_OF, 2_000_000, mv=1_000_000),
        snapshot("C03", AS_OF, 800_000),
        snapshot("C04", AS_OF, 9_000_000),
        snapshot("C05", AS_OF, 300_000),
        snapshot("C06", AS_OF, 7_000_000),
        snapshot("C07", AS_OF, 6_000_000),
        snapshot("C08", AS_OF, 6_000_000),
        HoldingRow(
            client_id="C02",
            date=AS_OF,
            symbol="300750",
            name="宁德时代",
            sector="新能源",
            quantity=Decimal(1000),
            market_value=Decimal(350_000),
        ),
        EventRow(
            event_id="EV1",
            symbol="300750",
            date=AS_OF,
            title="宁德时代：收到立案告知书",
            sentiment="negative",
            severity="major",
            url="https://research.example/EV1",
        ),
        TradeRow(
            trade_id="T1",
            client_id="C05",
            traded_at=datetime(2026, 10, 9, 2, 0, tzinfo=UTC),
            symbol="600000",
            side="buy",
            quantity=Decimal(100),
            price=Decimal(10),
            amount=Decimal(1000),
        ),
        TradeRow(
            trade_id="T2",
            client_id="C06",
            traded_at=datetime(2026, 9, 1, 2, 0, tzinfo=UTC),
            symbol="600000",
            side="buy",
            quantity=Decimal(100),
            price=Decimal(10),
            amount=Decimal(1000),
        ),
        TicketRow(
            ticket_id="TK1",
            client_id="C04",
            category="complaint",
            opened_at=MONDAY_0830 - timedelta(hours=30),
            summary="投诉：客户电话 13812345678 无人接听",
        ),
        TicketRow(
            ticket_id="TK2",
            client_id="C04",
            category="inquiry",
            opened_at=MONDAY_0830 - timedelta(hours=2),
            summary="咨询开户",
        ),
        FollowUpRow(
            id=1,
            client_id="C06",
            owner_id="M001",
            title="回电确认理财到期安排",
            due_at=MONDAY_0830 - timedelta(days=2),
            status="open",
            created_at=MONDAY_0830 - timedelta(days=5),
        ),
        FollowUpRow(
            id=2,
            client_id="C03",
            owner_id="M001",
            title="约下午面谈",
            due_at=MONDAY_0830 + timedelta(hours=6),
            status="open",
            created_at=MONDAY_0830 - timedelta(days=1),
        ),
        FollowUpRow(
            id=3,
            client_id="C03",
            owner_id="M001",
            title="下周再说",
            due_at=MONDAY_0830 + timedelta(days=3),
            status="open",
            created_at=MONDAY_0830 - timedelta(days=1),
        ),
    ]
    rows += [
        alert(1, "hnw_outflow", "P1", "C01", "M001"),
        alert(2, "negative_event", "P2", "C02", "M001"),
        alert(3, "silent_warning", "P3", "C05", "M001"),
        alert(4, "silent_warning", "P3", "C06", "M001"),
        alert(5, "birthday", "P4", "C03", "M001"),
        alert(6, "hnw_outflow", "P1", "C07", "M002"),
        alert(7, "hnw_outflow", "P1", "C08", "M003"),
    ]
    return rows


@dataclass
class World:
    uow: UnitOfWorkFactory
    clock: FakeClock
    config: ProactiveConfig
    alerts: AlertService
    briefings: BriefingService
    ledger: DeliveryLedger


async def seed(uow: UnitOfWorkFactory) -> None:
    async with uow() as work:
        for row in staff_rows():  # supervisors before their managers
            work.session.add(row)
            await work.session.flush()
        rows = book_rows()
        work.session.add_all([r for r in rows if isinstance(r, ClientRow)])
        await work.session.flush()
        work.session.add_all([r for r in rows if not isinstance(r, ClientRow | AlertRow)])
        await work.session.flush()
        work.session.add_all([r for r in rows if isinstance(r, AlertRow)])
        await work.commit()


def world(uow: UnitOfWorkFactory, clock: FakeClock | None = None) -> World:
    clock = clock or FakeClock()
    config = ProactiveConfig()
    alerts = AlertService(uow, config, clock=clock)
    briefings = BriefingService(uow, config, alerts, clock=clock)
    return World(uow, clock, config, alerts, briefings, DeliveryLedger(uow, clock=clock))


__all__ = ["AS_OF", "BRIEFING_DAY", "MONDAY_0830", "FakeClock", "World", "seed", "time", "world"]
