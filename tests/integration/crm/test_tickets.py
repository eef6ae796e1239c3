"""TicketService on SQLite and PostgreSQL: the SLA clocks per category, the set-based sweep
(one ping per clock, escalation supervisor → supervisor → admins), /tickets ordering, and the
buttons' changes (respond, resolve with its journal entry, reassign) with their refusals."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from audit import Journal
from crm.errors import AlreadyClosedError, NotAuthorizedError, UsageError
from crm.proactive import load_proactive_config
from crm.staff import StaffMember, staff_member
from crm.tickets import TicketService, ping_kind
from storage.engine import session_factory
from storage.rows import ClientRow, StaffRow, TicketRow
from storage.uow import UnitOfWorkFactory
from tests.support.proactive import FakeClock

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai


async def book(uow: UnitOfWorkFactory) -> None:
    async with uow() as work:
        work.session.add_all(
            [
                StaffRow(staff_id="A1", name="赵敏", role="admin"),
                StaffRow(staff_id="S1", name="周强", role="supervisor"),
                StaffRow(staff_id="M1", name="王芳", role="manager", supervisor_id="S1"),
                StaffRow(staff_id="M2", name="李静", role="manager", supervisor_id="S1"),
                StaffRow(staff_id="M3", name="陈志强", role="manager", supervisor_id="S1"),
                StaffRow(staff_id="S2", name="吴刚", role="supervisor"),
                StaffRow(staff_id="M9", name="孙丽", role="manager", supervisor_id="S2"),
            ]
        )
        await work.session.flush()
        work.session.add_all(
            [
                ClientRow(
                    client_id="C1",
                    name="张伟",
                    manager_id="M1",
                    opened_on=date(2020, 1, 2),
                    risk_level="C3",
                ),
                ClientRow(
                    client_id="C9",
                    name="钱多",
                    manager_id="M9",
                    opened_on=date(2020, 1, 2),
                    risk_level="C3",
                ),
            ]
        )
        await work.session.flush()

        def ticket(ticket_id: str, category: str, minutes_ago: int, **extra: object) -> TicketRow:
            return TicketRow(
                ticket_id=ticket_id,
                client_id=extra.pop("client_id", "C1"),  # type: ignore[arg-type]
                category=category,
                opened_at=NOW - timedelta(minutes=minutes_ago),
                summary=f"{category} {ticket_id}",
                manager_id=extra.pop("manager_id", "M1"),  # type: ignore[arg-type]
                **extra,
            )

        work.session.add_all(
            [
                ticket("T-INQ", "inquiry", 20),  # response due 15 min after opening: breached
                ticket("T-CMP", "complaint", 20),  # 24 h to respond: 23 h 40 min left
                ticket("T-TRD", "trading", 5),  # 10 min left
                ticket("T-ACC", "account", 200, first_response_at=NOW - timedelta(minutes=100)),
                ticket("T-DONE", "inquiry", 600, status="closed", closed_at=NOW),
                ticket("T-OTHER", "inquiry", 1, client_id="C9", manager_id="M9"),
            ]
        )
        await work.commit()


@pytest.fixture
async def tickets(engine):
    uow = UnitOfWorkFactory(session_factory(engine))
    await book(uow)
    clock = FakeClock(NOW)
    service = TicketService(
        uow, load_proactive_config(), journal=Journal(uow, clock=clock), clock=clock
    )
    return service, clock, uow


async def swept(service: TicketService) -> list:
    return list((await service.sweep()).breaches)


async def journal(service: TicketService) -> list:
    return [e async for e in service._journal.entries(NOW - timedelta(days=1))]


async def member(uow: UnitOfWorkFactory, staff_id: str) -> StaffMember:
    async with uow() as work:
        return staff_member(await work.session.get(StaffRow, staff_id))


async def test_open_tickets_most_urgent_first_with_time_left(tickets) -> None:
    service, _clock, uow = tickets
    mine = await service.open_tickets(await member(uow, "M1"))
    assert [t.ticket_id for t in mine] == ["T-INQ", "T-TRD", "T-ACC", "T-CMP"]
    inquiry, trading, account, complaint = mine
    assert inquiry.clock == "response" and inquiry.left(NOW) == timedelta(minutes=-5)
    assert trading.left(NOW) == timedelta(minutes=10)
    assert account.clock == "resolution" and account.left(NOW) == timedelta(minutes=20)
    assert complaint.left(NOW) == timedelta(hours=23, minutes=40)
    team = await service.open_tickets(await member(uow, "S1"))
    assert {t.ticket_id for t in team} == {"T-INQ", "T-TRD", "T-ACC", "T-CMP"}  # not S2's
    assert [t.ticket_id for t in await service.listing(breached=True)] == ["T-INQ"]
    assert [t.ticket_id for t in await service.client_tickets("C9")] == ["T-OTHER"]


async def test_a_breached_clock_pings_once_then_escalates_to_the_admins(tickets) -> None:
    service, clock, _uow = tickets
    first = await swept(service)
    assert [(b.ticket.ticket_id, b.clock, b.level) for b in first] == [("T-INQ", "response", 1)]
    assert [t.staff_id for t in first[0].targets] == ["S1"]
    assert [m.staff_id for m in first[0].teammates] == ["M2", "M3"]  # one-tap reassign
    assert await swept(service) == []  # once per clock
    clock.advance(minutes=10)  # T-TRD breaches now, on its own clock
    assert [(b.ticket.ticket_id, b.level) for b in await swept(service)] == [("T-TRD", 1)]
    clock.advance(minutes=20)  # 30 min after T-INQ's breach: the supervisor again
    again = await swept(service)
    assert ("T-INQ", "response", 2) in [(b.ticket.ticket_id, b.clock, b.level) for b in again]
    # T-ACC's resolution clock (2 h from its response) breached too: a separate clock
    assert ("T-ACC", "resolution", 1) in [(b.ticket.ticket_id, b.clock, b.level) for b in again]
    clock.advance(minutes=30)
    top = {(b.ticket.ticket_id, b.level): b for b in await swept(service)}
    assert [t.staff_id for t in top["T-INQ", 3].targets] == ["A1"] and not top["T-INQ", 3].teammates
    clock.advance(hours=5)
    assert {b.ticket.ticket_id for b in await swept(service)} <= {"T-TRD", "T-ACC", "T-OTHER"}
    clock.advance(hours=5)
    assert await swept(service) == []  # everything at the top level: nothing more
    assert ping_kind("response", 1, "T-INQ") == "tkfr1:T-INQ"
    assert ping_kind("resolution", 1, "T-INQ") == "tkrs1:T-INQ"  # two clocks, two pings
    assert len(ping_kind("resolution", 3, "X" * 40)) <= 40


async def test_responding_stops_the_first_clock_and_starts_the_resolution_clock(tickets) -> None:
    service, clock, uow = tickets
    wang = await member(uow, "M1")
    responded = await service.respond("T-TRD", wang)
    assert responded.clock == "resolution" and responded.left(NOW) == timedelta(hours=2)
    with pytest.raises(AlreadyClosedError):
        await service.respond("T-TRD", wang)  # the second press: already done
    clock.advance(minutes=30)
    assert "T-TRD" not in {b.ticket.ticket_id for b in await swept(service)}
    clock.advance(hours=2)
    assert ("T-TRD", "resolution", 1) in [
        (b.ticket.ticket_id, b.clock, b.level) for b in await swept(service)
    ]


async def test_resolving_stores_the_resolution_and_journals_it(tickets) -> None:
    service, _clock, uow = tickets
    wang = await member(uow, "M1")
    with pytest.raises(UsageError):
        await service.resolve("T-INQ", wang, "  \n ")
    closed = await service.resolve("T-INQ", wang, "已电话说明两融开通条件，\n客户满意")
    assert not closed.is_open and closed.resolution == "已电话说明两融开通条件， 客户满意"
    assert closed.first_response_at == NOW  # resolving counts as the response
    with pytest.raises(AlreadyClosedError):
        await service.resolve("T-INQ", wang, "again")
    entries = [e for e in await journal(service) if e.subject == "ticket:T-INQ"]
    assert [e.kind for e in entries] == ["ticket.resolved"] and "客户满意" in entries[0].body
    assert "T-INQ" not in {b.ticket.ticket_id for b in await swept(service)}


async def test_only_the_supervisor_reassigns_to_a_teammate_and_escalation_stops(tickets) -> None:
    service, clock, uow = tickets
    wang, zhou, wu = [await member(uow, s) for s in ("M1", "S1", "S2")]
    await swept(service)  # T-INQ breached, supervisor pinged
    with pytest.raises(NotAuthorizedError):
        await service.reassign("T-INQ", wang, "M2")  # a manager does not reassign
    with pytest.raises(NotAuthorizedError):
        await service.reassign("T-INQ", wu, "M2")  # another team's supervisor
    with pytest.raises(NotAuthorizedError):
        await service.reassign("T-INQ", zhou, "M9")  # not a teammate
    moved, owner = await service.reassign("T-INQ", zhou, "M2")
    assert moved.manager_id == "M2" and owner.name == "李静"
    with pytest.raises(AlreadyClosedError):
        await service.reassign("T-INQ", zhou, "M2")  # the second tap
    await service.mark_notified("T-TRD", "M1")
    news = {n.ticket.ticket_id: n.owner.staff_id for n in await service.new_tickets()}
    assert news.get("T-INQ") == "M2" and "T-TRD" not in news
    clock.advance(minutes=40)
    assert "T-INQ" not in {b.ticket.ticket_id for b in await swept(service)}
    kinds = [e.kind for e in await journal(service) if e.subject == "ticket:T-INQ"]
    assert kinds == ["ticket.reassigned"]


async def test_a_backlog_is_raised_at_once_with_ten_shown_per_recipient_and_the_rest_counted(
    tickets,
) -> None:
    """A backlog imported in one go: every clock past due is raised, each recipient gets the
    10 most overdue as pings and a count of the rest; a sweep at the same instant (a clock that
    did not move) raises and counts nothing again; a ticket added at that instant is counted
    alone; an owner without a supervisor's clocks go to the admins."""
    service, clock, uow = tickets
    async with uow() as work:
        work.session.add(StaffRow(staff_id="M0", name="单飞", role="manager"))
        await work.session.flush()
        work.session.add_all(
            [
                TicketRow(
                    ticket_id=f"B{n:02d}",
                    client_id="C1",
                    category="inquiry",
                    opened_at=NOW - timedelta(minutes=30 + n),
                    summary="积压",
                    manager_id="M2" if n < 12 else "M0",
                )
                for n in range(14)
            ]
        )
        await work.commit()
    first = await service.sweep(per_target=10)
    by_target: dict[str, list[str]] = {}
    for breach in first.breaches:
        by_target.setdefault(breach.targets[0].staff_id, []).append(breach.ticket.ticket_id)
    # S1: T-INQ and B00–B11, 13 response clocks; the 10 most overdue are shown (B11 … B02,
    # opened 41–32 min ago), B01, B00 and T-INQ counted.
    assert by_target["S1"] == [f"B{n:02d}" for n in range(11, 1, -1)]
    assert by_target["A1"] == ["B13", "B12"]  # M0 has no supervisor
    assert {(m.staff_id, n) for m, n in first.overflow} == {("S1", 3)}

    assert not await service.sweep(per_target=10)  # the same instant again: nothing
    async with uow() as work:
        work.session.add(
            TicketRow(
                ticket_id="LATE",
                client_id="C9",
                category="account",
                opened_at=NOW - timedelta(hours=1),
                summary="补录",
                manager_id="M9",
            )
        )
        await work.commit()
    again = await service.sweep(per_target=10)
    assert [(b.ticket.ticket_id, b.targets[0].staff_id) for b in again.breaches] == [("LATE", "S2")]
    assert again.overflow == ()

    clock.advance(minutes=31)  # the backlog escalates; T-TRD and T-OTHER breach now
    escalated = await service.sweep(per_target=10)
    to_s1 = [b for b in escalated.breaches if b.targets[0].staff_id == "S1"]
    assert [(b.ticket.ticket_id, b.level) for b in to_s1] == [
        (f"B{n:02d}", 2) for n in range(11, 1, -1)
    ]
    # S1: the 13 escalations and two new breaches (T-TRD, T-ACC's resolution), 10 shown
    assert {(m.staff_id, n) for m, n in escalated.overflow} == {("S1", 5)}
    to_s2 = {(b.ticket.ticket_id, b.level) for b in escalated.breaches if b not in to_s1}
    assert {("LATE", 2), ("T-OTHER", 1)} <= to_s2
