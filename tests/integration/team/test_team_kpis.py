"""/team figures against a hand-computed book (SQLite and PostgreSQL, a fixed clock).

Now is Monday 2026-11-23 02:00 UTC; the 7-day window starts 11-16 02:00, the 30-day one 10-24
02:00. Every row below says which windows it falls in and why; the expected figures are summed
from those comments by hand.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from crm.errors import NotAuthorizedError
from crm.proactive import load_proactive_config
from crm.staff import StaffMember, staff_member
from crm.team import Figures, TeamKpis, TeamService
from storage.activity_rows import ContactRow, FollowUpRow, NoteRow
from storage.alert_rows import AlertRow
from storage.engine import session_factory
from storage.rows import ClientRow, SnapshotRow, StaffRow, TicketRow, TradeRow
from storage.uow import UnitOfWorkFactory

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
DATA_DAY = date(2026, 11, 20)
ago = lambda **kw: NOW - timedelta(**kw)  # noqa: E731


def staff() -> list[StaffRow]:
    return [
        StaffRow(staff_id="A1", name="赵敏", role="admin"),
        StaffRow(staff_id="S1", name="周强", role="supervisor"),
        StaffRow(staff_id="S2", name="孙丽", role="supervisor"),
        StaffRow(staff_id="M1", name="王芳", role="manager", supervisor_id="S1"),
        StaffRow(staff_id="M2", name="李静", role="manager", supervisor_id="S1"),
        StaffRow(staff_id="M9", name="离职", role="manager", supervisor_id="S1", active=False),
        StaffRow(staff_id="M3", name="陈刚", role="manager", supervisor_id="S2"),
    ]


def clients() -> list[Any]:
    owners = {"C1": "M1", "C2": "M1", "C3": "M1", "C4": "M1", "C5": "M2", "C6": "M2", "C7": "M3"}
    assets = {  # HNW: above 5,000,000
        "C1": 8_000_000,
        "C2": 6_000_000,
        "C3": 1_000_000,
        "C4": 9_000_000,
        "C5": 7_000_000,
        "C6": 2_000_000,
        "C7": 10_000_000,
    }
    rows: list[Any] = [
        ClientRow(
            client_id=c,
            name=f"客户{c}",
            manager_id=m,
            opened_on=date(2020, 1, 1),
            risk_level="C3",
        )
        for c, m in owners.items()
    ]
    rows += [
        SnapshotRow(
            client_id=c,
            date=DATA_DAY,
            total_assets=Decimal(v),
            cash=Decimal(v),
            market_value=Decimal(0),
            inflow=Decimal(0),
            outflow=Decimal(0),
        )
        for c, v in assets.items()
    ]
    return rows


def trade(trade_id: str, client_id: str, at: datetime) -> TradeRow:
    return TradeRow(
        trade_id=trade_id,
        client_id=client_id,
        traded_at=at,
        symbol="600000",
        side="buy",
        quantity=Decimal(1),
        price=Decimal(1),
        amount=Decimal(1),
    )


def activity() -> list[Any]:
    rows: list[Any] = [
        trade("T1", "C4", ago(days=13)),  # C4 traded within 30 days: not silent
        trade("T2", "C5", ago(days=83)),  # C5 silent; C1, C2 never traded: silent
        # contacts: M1 7d 1, 30d 2; M2 7d 1, 30d 1
        ContactRow(client_id="C1", staff_id="M1", channel="call", at=ago(days=2)),  # 7, 30
        ContactRow(client_id="C2", staff_id="M1", channel="call", at=ago(days=10)),  # 30
        ContactRow(client_id="C3", staff_id="M1", channel="call", at=ago(days=40)),  # none
        ContactRow(client_id="C6", staff_id="M2", channel="meeting", at=ago(days=1)),  # 7, 30
        ContactRow(client_id="C7", staff_id="M3", channel="call", at=ago(days=1)),  # other team
    ]
    for n, (author, at, deleted) in enumerate(
        [
            ("M1", ago(days=1), False),  # 7, 30
            ("M1", ago(days=3), False),  # 7, 30
            ("M1", ago(days=20), False),  # 30
            ("M1", ago(days=1), True),  # deleted: none
            ("M1", ago(days=31), False),  # none
            ("M2", ago(days=8), False),  # 30
        ],
        start=1,
    ):
        rows.append(
            NoteRow(
                client_id="C1" if author == "M1" else "C5",
                author_id=author,
                text=f"note {n}",
                created_at=at,
                updated_at=at,
                deleted_at=at if deleted else None,
            )
        )
    for owner, due, status, done in [
        ("M1", ago(days=2), "open", None),  # overdue 7, 30
        ("M1", ago(days=10), "done", ago(days=9)),  # done late: 30
        ("M1", ago(days=5), "done", ago(days=6)),  # done in time: none
        ("M1", NOW + timedelta(days=1), "open", None),  # not due: none
        ("M1", ago(days=40), "open", None),  # before both windows: none
        ("M1", ago(days=1), "cancelled", None),  # cancelled: none
        ("M2", ago(hours=3), "open", None),  # overdue 7, 30
    ]:
        rows.append(
            FollowUpRow(
                client_id=None,
                owner_id=owner,
                title="跟进",
                due_at=due,
                status=status,
                created_at=ago(days=60),
                done_at=done,
            )
        )
    return rows


def p1(alert_id: int, manager: str, created: datetime, ack_minutes: int | None) -> AlertRow:
    return AlertRow(
        id=alert_id,
        dedupe_key=f"k{alert_id}",
        rule="hnw_outflow",
        rule_version="test",
        priority="P1",
        client_id="C1" if manager == "M1" else "C5",
        manager_id=manager,
        as_of=DATA_DAY,
        facts=json.dumps({}),
        status="acknowledged" if ack_minutes is not None else "open",
        created_at=created,
        acknowledged_at=created + timedelta(minutes=ack_minutes) if ack_minutes else None,
        escalation_level=1,
    )


def alerts() -> list[AlertRow]:
    rows = [
        p1(1, "M1", ago(days=2), 10),  # 7, 30: 10 min
        p1(2, "M1", ago(days=5), 40),  # 7, 30: 40 min
        p1(3, "M1", ago(days=20), 90),  # 30: 90 min
        p1(4, "M1", ago(hours=1), None),  # 7, 30: open, waiting 60 min
        p1(5, "M2", ago(days=3), 5),  # 7, 30: 5 min
        p1(6, "M3", ago(days=1), 300),  # other team
    ]
    event = p1(7, "M1", ago(days=1), None)
    event.priority = "P2"  # not a P1: none
    return [*rows, event]


def ticket(ticket_id: str, manager: str, category: str, opened: datetime, **extra: Any) -> Any:
    client = {"M1": "C1", "M2": "C5", "M3": "C7"}[manager]
    values: dict[str, Any] = {
        "ticket_id": ticket_id,
        "client_id": client,
        "category": category,
        "opened_at": opened,
        "summary": "工单",
        "status": "closed" if extra.get("closed_at") else "open",
    } | extra
    if hasattr(TicketRow, "manager_id"):
        values["manager_id"] = manager
    return TicketRow(**values)


def tickets() -> list[Any]:
    """Clocks: inquiry/trading 15 min to respond, 2 h to resolve after the response;
    complaint 24 h and 72 h (crm/proactive.yaml)."""
    return [
        # responded in 10 min; resolution due 2 h 10 min after opening, closed at 3 h: 7, 30
        ticket(
            "K1",
            "M1",
            "inquiry",
            ago(days=3),
            first_response_at=ago(days=3) + timedelta(minutes=10),
            closed_at=ago(days=3) + timedelta(hours=3),
        ),
        ticket("K2", "M1", "inquiry", ago(hours=1)),  # no response 45 min after due: 7, 30
        # response 6 h late (due 9 d ago): 30; resolution due 5 d 18 h ago, still open: 7, 30
        ticket(
            "K3",
            "M1",
            "complaint",
            ago(days=10),
            first_response_at=ago(days=10) + timedelta(hours=30),
        ),
        ticket("K4", "M1", "inquiry", ago(days=50)),  # breached long before both windows
        ticket("K5", "M1", "complaint", ago(hours=2)),  # response due in 22 h: none
        ticket(
            "K6",
            "M2",
            "trading",
            ago(days=6),
            first_response_at=ago(days=6) + timedelta(minutes=5),
            closed_at=ago(days=6) + timedelta(hours=1),
        ),  # in time: none
        ticket("K7", "M3", "inquiry", ago(hours=5)),  # other team
    ]


@pytest.fixture
async def service(engine) -> TeamService:
    uow = UnitOfWorkFactory(session_factory(engine))
    async with uow() as work:
        for row in staff():
            work.session.add(row)
            await work.session.flush()
        work.session.add_all(clients())
        await work.session.flush()
        work.session.add_all(activity() + tickets())
        await work.session.flush()
        work.session.add_all(alerts())
        await work.commit()
    return TeamService(uow, load_proactive_config(), clock=lambda: NOW)


def member(staff_id: str) -> StaffMember:
    return staff_member(next(r for r in staff() if r.staff_id == staff_id))


def figures(kpis: TeamKpis) -> dict[str, dict[int, Figures]]:
    return {k.manager.staff_id: dict(k.windows) for k in kpis.managers}


EXPECTED = {
    "M1": {
        7: Figures(
            notes=2,
            contacts=1,
            p1=3,
            p1_median_minutes=25.0,
            p1_worst_minutes=60.0,
            p1_open=1,
            sla_breaches=3,
            overdue=1,
            silent_hnw=1,  # C2 (C1 was contacted 2 days ago)
        ),
        30: Figures(
            notes=3,
            contacts=2,
            p1=4,
            p1_median_minutes=40.0,
            p1_worst_minutes=90.0,
            p1_open=1,
            sla_breaches=4,
            overdue=2,
            silent_hnw=0,  # C1 and C2 were both contacted
        ),
    },
    "M2": {
        7: Figures(
            notes=0,
            contacts=1,
            p1=1,
            p1_median_minutes=5.0,
            p1_worst_minutes=5.0,
            overdue=1,
            silent_hnw=1,  # C5
        ),
        30: Figures(
            notes=1,
            contacts=1,
            p1=1,
            p1_median_minutes=5.0,
            p1_worst_minutes=5.0,
            overdue=1,
            silent_hnw=1,
        ),
    },
}


async def test_a_supervisor_sees_her_teams_figures(service: TeamService) -> None:
    kpis = await service.kpis(member("S1"))
    assert kpis.supervisor is not None and kpis.supervisor.staff_id == "S1"
    assert [k.manager.staff_id for k in kpis.managers] == ["M1", "M2"]  # M9 left
    assert figures(kpis) == EXPECTED
    assert kpis.totals[7].sla_breaches == 3 and kpis.totals[30].notes == 4
    assert kpis.totals[30].p1_worst_minutes == 90.0


async def test_an_admin_sees_every_team_or_picks_one(service: TeamService) -> None:
    everyone = await service.kpis(member("A1"))
    assert everyone.supervisor is None
    assert [k.manager.staff_id for k in everyone.managers] == ["M1", "M2", "M3"]
    other = figures(everyone)["M3"]
    assert other[7].p1_worst_minutes == 300.0 and other[7].sla_breaches == 1
    assert other[7].silent_hnw == 0  # C7 never traded but was contacted yesterday
    picked = await service.kpis(member("A1"), "S2")
    assert [k.manager.staff_id for k in picked.managers] == ["M3"]
    teams = await service.teams(member("A1"))
    assert [(t.supervisor.staff_id, t.size) for t in teams] == [("S1", 2), ("S2", 1)]


async def test_others_may_not_see_a_team(service: TeamService) -> None:
    with pytest.raises(NotAuthorizedError):
        await service.kpis(member("S1"), "S2")
    with pytest.raises(NotAuthorizedError):
        await service.kpis(member("M1"))
    with pytest.raises(NotAuthorizedError):
        await service.teams(member("S1"))
