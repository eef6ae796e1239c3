"""The one outgoing path with fakes (no database, no sleeping): rows settled as the send ended,
timeouts never resent, failures reported once, and one follow-up reminder sent once although
the sweep and its own job run at the same time."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, date, datetime, time
from types import SimpleNamespace
from typing import Any

from telegram.error import Forbidden, NetworkError, TimedOut

from crm.followups import FollowUp, Reminder
from crm.staff import StaffMember
from handlers.render import View
from runtime.ledger import UNCERTAIN, Delivery
from scheduler import reminders
from scheduler.outbox import Outbox
from scheduler.state import ProactiveState
from tests.unit.proactive.test_pacing import FakeBot, FakeTime, pacer

DAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)


def member(staff_id: str, chat: int | None, supervisor: str | None = "S1") -> StaffMember:
    role = "supervisor" if staff_id.startswith("S") else "manager"
    return StaffMember(
        staff_id, staff_id, role, supervisor, chat, "Asia/Shanghai", "zh", time(8), True
    )


class FakeLedger:
    """DeliveryLedger's contract in memory: begin returns pending rows, settled rows never."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, date, str], Delivery] = {}

    async def begin(self, staff_id: str, day: date, kind: str) -> Delivery | None:
        row = self.rows.get((staff_id, day, kind))
        if row is None:
            row = Delivery(
                len(self.rows) + 1, staff_id, day, kind, "pending", 0, NOW, None, None, None
            )
        elif row.status != "pending":
            return None
        row = dataclasses.replace(row, attempts=row.attempts + 1)
        self.rows[(staff_id, day, kind)] = row
        return row

    def _settle(self, delivery_id: int, status: str, **values: Any) -> None:
        for key, row in self.rows.items():
            if row.id == delivery_id and row.status == "pending":
                self.rows[key] = dataclasses.replace(row, status=status, **values)

    async def complete(self, delivery_id: int, message_id: int | None) -> None:
        self._settle(delivery_id, "sent", message_id=message_id)

    async def fail(self, delivery_id: int, error: str) -> None:
        self._settle(delivery_id, "failed", error=error)

    async def uncertain(self, delivery_id: int, error: str) -> None:
        self._settle(delivery_id, "sent", error=UNCERTAIN + error)

    async def get(self, staff_id: str, day: date, kind: str) -> Delivery | None:
        return self.rows.get((staff_id, day, kind))

    def status(self, staff_id: str, kind: str) -> Delivery:
        return next(r for r in self.rows.values() if r.staff_id == staff_id and r.kind == kind)


class FakeStaff:
    def __init__(self, *members: StaffMember) -> None:
        self.members = {m.staff_id: m for m in members}

    async def staff(self, staff_id: str) -> StaffMember | None:
        return self.members.get(staff_id)

    async def get(self, staff_id: str) -> StaffMember:
        return self.members[staff_id]

    async def admins(self) -> list[StaffMember]:
        return []


def outbox(bot: FakeBot, t: FakeTime, ledger: FakeLedger, staff: FakeStaff) -> Outbox:
    return Outbox(pacer(bot, t, max_attempts=3), ledger, staff)  # type: ignore[arg-type]


async def drain(box: Outbox) -> None:
    """Until the queue is empty and the last settlement (ledger, callbacks) has run."""
    for _ in range(10_000):  # event loop turns, not time: the pacer sleeps on a fake clock
        if not box.pacer.pending:
            break
        await asyncio.sleep(0)
    else:
        raise AssertionError("the paced sender never drained")
    for _ in range(20):
        await asyncio.sleep(0)


async def test_sent_uncertain_and_failed_rows_are_settled_and_only_failures_reported() -> None:
    t, ledger = FakeTime(), FakeLedger()
    bot = FakeBot(t)
    li, fang, zhou = member("M1", 1), member("M2", 2), member("S1", 9, supervisor=None)
    box = outbox(bot, t, ledger, FakeStaff(li, fang, zhou))
    settled: list[tuple[str, str]] = []

    def record(who: str) -> Any:
        async def on_settled(how: str) -> None:
            settled.append((who, how))

        return on_settled

    bot.failures[1] = [TimedOut()]
    bot.failures[2] = [Forbidden("Forbidden: bot was blocked by the user")]
    assert await box.deliver(li, DAY, "alert:1", View("P1"), on_settled=record("M1"))
    assert await box.deliver(fang, DAY, "alert:2", View("P1"), on_settled=record("M2"))
    assert await box.deliver(zhou, DAY, "briefing", View("digest"), on_settled=record("S1"))
    await drain(box)

    assert sorted(settled) == [("M1", "uncertain"), ("M2", "failed"), ("S1", "sent")]
    assert bot.calls[1] == 1  # the timeout was not retried
    uncertain = ledger.status("M1", "alert:1")
    assert uncertain.uncertain and uncertain.status == "sent" and uncertain.message_id is None
    assert ledger.status("M2", "alert:2").status == "failed"
    # The blocked manager's supervisor hears of it once; nobody hears of the uncertain one.
    reports = [text for _, chat, text in bot.sent if chat == 9 and text != "digest"]
    assert len(reports) == 1 and "M2" in reports[0]
    # Settled rows are never sent again.
    assert not await box.deliver(li, DAY, "alert:1", View("P1"))
    assert not await box.deliver(fang, DAY, "alert:2", View("P1"))
    await box.pacer.stop()


async def test_a_row_in_flight_is_not_queued_twice_and_retry_later_keeps_it_pending() -> None:
    t, ledger = FakeTime(), FakeLedger()
    bot = FakeBot(t)
    li = member("M1", 1)
    box = outbox(bot, t, ledger, FakeStaff(li))
    bot.failures[1] = [NetworkError("Bad Gateway (502)")] * 3  # answered 502 every time
    assert await box.deliver(li, DAY, "fu:1:0", View("reminder"), report=False, retry_later=True)
    assert not await box.deliver(li, DAY, "fu:1:0", View("reminder"))  # in flight
    await drain(box)
    assert ledger.status("M1", "fu:1:0").status == "pending"  # the next run tries again
    assert await box.deliver(li, DAY, "fu:1:0", View("reminder"), retry_later=True)
    await drain(box)
    assert [text for _, _, text in bot.sent] == ["reminder"]
    assert ledger.status("M1", "fu:1:0").attempts == 2
    await box.pacer.stop()


# ---------------------------------------------------------------- follow-up reminders


class FakeFollowUps:
    def __init__(self, *items: Reminder) -> None:
        self.items = list(items)
        self.marked: list[int] = []

    async def due_reminders(self) -> list[Reminder]:
        await asyncio.sleep(0)  # let a concurrent run interleave here, as the database would
        return [r for r in self.items if r.follow_up.id not in self.marked]

    async def mark_reminded(self, follow_up_id: int) -> bool:
        if follow_up_id in self.marked:
            return False
        self.marked.append(follow_up_id)
        return True


class FakeApplication:
    """What the reminder job reaches through its context (weak-referenceable, like PTB's)."""

    def __init__(self, services: Any, box: Outbox) -> None:
        self.bot_data = SimpleNamespace(
            services=services,
            scheduler=ProactiveState(box, None, lambda: NOW),  # type: ignore[arg-type]
        )


def reminder(follow_up_id: int, owner: StaffMember) -> Reminder:
    follow_up = FollowUp(follow_up_id, "C1", "张伟", owner.staff_id, "回电", NOW, "open", None, 0)
    assert owner.telegram_user_id is not None
    return Reminder(follow_up, owner.telegram_user_id, "zh", "Asia/Shanghai")


def reminder_context(bot: FakeBot, t: FakeTime, *items: Reminder) -> Any:
    ledger = FakeLedger()
    staff = FakeStaff(member("M1", 1))
    box = outbox(bot, t, ledger, staff)
    services = SimpleNamespace(followups=FakeFollowUps(*items), staff=staff, deliveries=ledger)
    return SimpleNamespace(application=FakeApplication(services, box), services=services)


async def test_the_sweep_and_the_item_job_racing_send_one_reminder_once() -> None:
    t = FakeTime()
    bot = FakeBot(t)
    context = reminder_context(bot, t, reminder(7, member("M1", 1)))
    box = context.application.bot_data.scheduler.outbox
    await asyncio.gather(
        reminders.send_due_reminders(context), reminders.send_due_reminders(context)
    )
    await reminders.send_due_reminders(context)  # while it is still queued
    await drain(box)
    await reminders.send_due_reminders(context)  # after it settled
    await drain(box)
    assert len(bot.sent) == 1 and "回电" in bot.sent[0][2]
    assert context.services.followups.marked == [7]
    await box.pacer.stop()


async def test_a_reminder_that_timed_out_is_marked_not_resent_and_one_never_sent_is_retried() -> (
    None
):
    t = FakeTime()
    bot = FakeBot(t)
    context = reminder_context(bot, t, reminder(7, member("M1", 1)))
    box = context.application.bot_data.scheduler.outbox
    bot.failures[1] = [NetworkError("Bad Gateway (502)")] * 3
    await reminders.send_due_reminders(context)
    await drain(box)
    assert bot.sent == [] and context.services.followups.marked == []  # left for the next run
    bot.failures[1] = [TimedOut()]
    await reminders.send_due_reminders(context)
    await drain(box)
    assert context.services.followups.marked == [7]  # it may have arrived: not sent again
    await reminders.send_due_reminders(context)
    await drain(box)
    assert bot.sent == [] and bot.calls[1] == 4
    await box.pacer.stop()
