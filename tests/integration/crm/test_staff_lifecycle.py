"""Staff lifecycle on SQLite and PostgreSQL: an admin deactivates a leaver (her open alerts,
follow-ups and tickets go to her supervisor in the same transaction, journaled) or unbinds an account; the
lookup the guard makes refuses her at once in this process."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from audit import Journal
from crm.errors import AlreadyClosedError, NotAuthorizedError, NotFoundError, UsageError
from crm.staff import StaffService
from storage.activity_rows import FollowUpRow
from storage.alert_rows import AlertEventRow, AlertRow
from storage.rows import StaffRow, TicketRow
from tests.integration.crm.conftest import AS_OF, NOW, Book, FakeClock


async def seed(book: Book) -> None:
    """An admin, M1 bound to Telegram 7001, and M1's open and closed work."""
    async with book.uow() as work:
        session = work.session
        session.add(StaffRow(staff_id="A1", name="韩雪", role="admin"))
        m1 = await session.get(StaffRow, "M1")
        assert m1 is not None
        m1.telegram_user_id = 7001
        for number, status in ((1, "open"), (2, "snoozed"), (3, "done")):
            session.add(
                AlertRow(
                    dedupe_key=f"k{number}",
                    rule="silent",
                    rule_version="v1",
                    priority="P2",
                    client_id="K1",
                    manager_id="M1",
                    as_of=AS_OF,
                    facts="{}",
                    status=status,
                    created_at=NOW,
                )
            )
        for title, status in (("回电", "open"), ("已办", "done")):
            session.add(
                FollowUpRow(
                    client_id="K1",
                    owner_id="M1",
                    title=title,
                    due_at=NOW + timedelta(days=1),
                    status=status,
                    created_at=NOW,
                )
            )
        # T1 hers, breached and escalating; T2 closed; T3 of her client with no owner; T4 of
        # her client but owned by M2; T5 someone else's.
        for ticket_id, client, status, owner in (
            ("T1", "K1", "open", "M1"),
            ("T2", "K2", "closed", "M1"),
            ("T3", "K1", "open", None),
            ("T4", "K1", "open", "M2"),
            ("T5", "K2", "open", "M2"),
        ):
            session.add(
                TicketRow(
                    ticket_id=ticket_id,
                    client_id=client,
                    category="inquiry",
                    opened_at=NOW,
                    summary="咨询",
                    status=status,
                    manager_id=owner,
                    notified_id=owner,
                    response_level=1 if ticket_id == "T1" else 0,
                    response_escalate_at=NOW + timedelta(minutes=30) if ticket_id == "T1" else None,
                )
            )
        await work.commit()


def service(book: Book) -> tuple[StaffService, Journal]:
    clock = FakeClock()
    journal = Journal(book.uow, clock=clock)
    return StaffService(book.uow, clock=clock, journal=journal), journal


async def test_deactivation_hands_open_work_to_the_supervisor(book: Book) -> None:
    await seed(book)
    staff, journal = service(book)
    assert await staff.by_telegram_user(7001) is not None  # cached for the guard
    handover = await staff.deactivate("M1", by="A1", reason="离职")
    assert not handover.staff.active and handover.supervisor is not None
    assert handover.supervisor.staff_id == "S1"
    assert len(handover.alerts) == 2 and len(handover.follow_ups) == 1
    assert handover.tickets == ("T1", "T3")
    assert await staff.by_telegram_user(7001) is None  # refused at once, cache or not

    async with book.uow() as work:
        owners = dict(
            (await work.session.execute(select(AlertRow.dedupe_key, AlertRow.manager_id))).all()
        )
        assert owners == {"k1": "S1", "k2": "S1", "k3": "M1"}  # a done alert stays
        follow_ups = dict(
            (await work.session.execute(select(FollowUpRow.title, FollowUpRow.owner_id))).all()
        )
        assert follow_ups == {"回电": "S1", "已办": "M1"}
        tickets = {
            t.ticket_id: (t.manager_id, t.response_escalate_at)
            for t in await work.session.scalars(select(TicketRow))
        }
        # her open tickets are the supervisor's now (the sweep tells her: notified_id differs),
        # their escalation stopped; closed and others' tickets stay
        assert tickets == {
            "T1": ("S1", None),
            "T2": ("M1", None),
            "T3": ("S1", None),
            "T4": ("M2", None),
            "T5": ("M2", None),
        }
        events = (await work.session.scalars(select(AlertEventRow))).all()
        assert {(e.action, e.actor_id, e.target_id) for e in events} == {("reassigned", "A1", "S1")}
    entries = [e async for e in journal.entries(NOW - timedelta(days=1))]
    assert [(e.actor, e.kind, e.subject) for e in entries] == [
        ("A1", "staff.deactivated", "staff:M1")
    ]
    body = json.loads(entries[0].body)
    assert body["reason"] == "离职" and body["supervisor"] == "S1"
    assert body["tickets"] == ["T1", "T3"] and len(body["alerts"]) == 2
    assert (await journal.verify()).ok


async def test_only_an_active_admin_with_a_reason_may_deactivate(book: Book) -> None:
    await seed(book)
    staff, journal = service(book)
    with pytest.raises(NotAuthorizedError):
        await staff.deactivate("M1", by="S1", reason="离职")  # a supervisor
    with pytest.raises(NotAuthorizedError):
        await staff.deactivate("M1", by="NOBODY", reason="离职")
    with pytest.raises(UsageError):
        await staff.deactivate("M1", by="A1", reason=" \u200b ")
    with pytest.raises(UsageError):
        await staff.deactivate("A1", by="A1", reason="离职")
    with pytest.raises(NotFoundError):
        await staff.deactivate("M9", by="A1", reason="离职")
    assert (await staff.get("M1")).active  # nothing happened
    await staff.deactivate("M1", by="A1", reason="离职")
    with pytest.raises(AlreadyClosedError):
        await staff.deactivate("M1", by="A1", reason="again")
    assert [e.kind async for e in journal.entries(NOW - timedelta(days=1))] == ["staff.deactivated"]


async def test_without_an_active_supervisor_the_work_stays_and_is_listed(book: Book) -> None:
    await seed(book)
    staff, _ = service(book)
    await staff.deactivate("S1", by="A1", reason="调岗")
    handover = await staff.deactivate("M1", by="A1", reason="离职")
    assert handover.supervisor is None and len(handover.alerts) == 2
    assert handover.tickets == ("T1", "T3")  # listed, not moved
    async with book.uow() as work:
        assert set(await work.session.scalars(select(FollowUpRow.owner_id))) == {"M1"}
        owners = dict(
            (await work.session.execute(select(TicketRow.ticket_id, TicketRow.manager_id))).all()
        )
        assert (owners["T1"], owners["T3"]) == ("M1", None)


async def test_unbind_refuses_the_account_and_a_new_invite_binds_again(book: Book) -> None:
    await seed(book)
    staff, journal = service(book)
    assert await staff.by_telegram_user(7001) is not None
    member = await staff.unbind("M1", by="A1", reason="换手机")
    assert member.telegram_user_id is None and member.active
    assert await staff.by_telegram_user(7001) is None
    with pytest.raises(AlreadyClosedError):
        await staff.unbind("M1", by="A1", reason="again")
    invite = await staff.create_invite("M1")
    assert (await staff.redeem_invite(invite.code, 7002)).telegram_user_id == 7002
    kinds = [e.kind async for e in journal.entries(NOW - timedelta(days=1))]
    assert kinds == ["staff.unbound", "staff.invited", "staff.bound"]


async def test_the_admin_list_is_for_admins(book: Book) -> None:
    await seed(book)
    staff, _ = service(book)
    await staff.deactivate("M2", by="A1", reason="离职")
    listed = await staff.list_staff(await staff.get("A1"))
    assert [m.staff_id for m in listed] == ["A1", "C1", "M1", "S1", "S2", "M2"]
    with pytest.raises(NotAuthorizedError):
        await staff.list_staff(await staff.get("M1"))


async def test_another_process_refuses_within_the_lookup_ttl(book: Book) -> None:
    """A change made elsewhere (another process, a CSV import) applies within lookup_ttl."""
    await seed(book)
    now = [0.0]
    other = StaffService(book.uow, lookup_ttl=10.0, ticker=lambda: now[0])
    assert await other.by_telegram_user(7001) is not None
    staff, _ = service(book)
    await staff.deactivate("M1", by="A1", reason="离职")
    now[0] = 9.9
    assert await other.by_telegram_user(7001) is not None  # still within the bound
    now[0] = 10.0
    assert await other.by_telegram_user(7001) is None
