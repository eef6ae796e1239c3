"""The proactive half in the console chat: on start the member's morning message and her new
P1/P2 alerts, and /demo_tick to move the demo clock and run what fell due.

Everything goes through the bot's own code: the morning view of scheduler/briefings.py, the
sweeps of the scheduler registry (scheduler/sweeps.py) and the reminders, the paced sender.
Only the outbox differs (`ConsoleOutbox`):
- it never touches Telegram's delivery ledger, and runs no bookkeeping after a send (a
  "delivered" event, a reminder or ticket marked as notified): the real bot still delivers all
  of it later;
- it accepts every delivery, so no job concludes "sent before" and marks anything;
- it prints each (staff, day, kind) at most once a session, and only what concerns the member:
  her own messages, and of other people's the pings about her alerts and tickets (a dim line
  each); staff without Telegram get a console chat for that, in memory only.
Acknowledging, snoozing and escalating are real actions on the database, as in Telegram; so is
what the demo clock makes due (an escalation level raised, a snooze ended, a clock breached).
"""

from __future__ import annotations

import asyncio
import itertools
import zlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from telegram.ext import Job

from crm.alerts import AlertService
from crm.errors import DomainError
from crm.staff import StaffMember
from emulator import BotApiEmulator, EmulatedUser
from handlers.context import AmbotApplication, OnSettled
from handlers.render import View
from runtime.ledger import Delivery, DeliveryLedger
from scheduler.alerts import deliver_new_alerts
from scheduler.briefings import KIND as BRIEFING_KIND
from scheduler.briefings import morning_view
from scheduler.outbox import Outbox, Unbound
from scheduler.pacing import PacedSender, SendOutcome
from scheduler.state import state_of
from scheduler.sweeps import timed_jobs
from storage.clock import DemoClock

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # a console delivery's start: never stored or shown
# Real Telegram user ids stay far below this, so a console identity never collides with one.
CONSOLE_ID_BASE = 9_000_000_000_000

# May the viewer see the thing a message to someone else is about? (alert id / ticket id)
Visible = Callable[[str, StaffMember], Awaitable[bool]]
Key = tuple[str, date, str]


def console_user_id(staff_id: str) -> int:
    """The console's Telegram id for a staff member (stable across sessions)."""
    return CONSOLE_ID_BASE + zlib.crc32(staff_id.encode())


def viewer_may_see(lookup: Callable[[Any, StaffMember], Awaitable[object]]) -> Visible:
    """A Visible from a service's authorised `get(id, viewer)` (AlertService, TicketService)."""

    async def visible(ref: str, viewer: StaffMember) -> bool:
        try:
            await lookup(ref, viewer)
        except DomainError:  # not found, or not hers to see (another team's)
            return False
        return True

    return visible


def _alert_ref(lookup: Callable[[int, StaffMember], Awaitable[object]]) -> Visible:
    async def get(ref: str, viewer: StaffMember) -> object:
        if not ref.isdigit():
            raise DomainError(ref)
        return await lookup(int(ref), viewer)

    return viewer_may_see(get)


class InstantTime:
    """The paced sender's monotonic time in the console: it moves only when the sender waits,
    and waiting costs nothing (the Bot API is in-process; there is no rate to respect)."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)


class _NoLedger(DeliveryLedger):
    """The console writes no ledger: the base Outbox's ledger paths are all overridden."""

    def __init__(self) -> None:  # no database
        pass

    async def begin(self, staff_id: str, day: date, kind: str) -> Delivery | None:
        raise AssertionError("the console never writes the delivery ledger")


class ConsoleOutbox(Outbox):
    """The outbox of the console: every delivery accepted, printed once if it concerns the
    viewer, nothing recorded (module doc)."""

    def __init__(
        self,
        pacer: PacedSender,
        *,
        viewer: StaffMember,
        emulator: BotApiEmulator,
        visible: Mapping[str, Visible],
        alerts: AlertService,
    ) -> None:
        super().__init__(pacer, _NoLedger(), alerts)  # alerts: whom failures are reported to
        self.viewer = viewer
        self._emulator = emulator
        self._visible = visible  # ledger-kind family ("esc", "tk") → may the viewer see it
        self._ids = itertools.count(1)
        self._shown: set[Key] = set()  # printed this session
        self._wanted: set[int] = set()  # claimed deliveries to print
        self._queued: list[asyncio.Future[SendOutcome]] = []
        self.printed = 0

    async def claim(
        self, member: StaffMember, keys: Sequence[tuple[date, str]], *, unbound: Unbound = "skip"
    ) -> list[Delivery]:
        claimed: list[Delivery] = []
        for day, kind in keys:
            delivery = Delivery(
                next(self._ids), member.staff_id, day, kind, "pending", 1, _EPOCH, None, None, None
            )
            key = (member.staff_id, day, kind)
            if key not in self._shown and await self._concerns_viewer(member, kind):
                self._shown.add(key)
                self._wanted.add(delivery.id)
            claimed.append(delivery)
        return claimed

    async def claim_all(
        self, members: Sequence[StaffMember], day: date, kind: str
    ) -> list[Delivery]:
        return [d for m in members for d in await self.claim(m, [(day, kind)])]

    def submit(
        self,
        member: StaffMember,
        deliveries: Sequence[Delivery],
        view: View,
        *,
        on_settled: OnSettled | None = None,
        urgent: bool = False,
        report: bool = True,
        retry_later: bool = False,
    ) -> asyncio.Future[SendOutcome] | None:
        if not deliveries:
            return None
        wanted = [d for d in deliveries if d.id in self._wanted]
        self._wanted.difference_update(d.id for d in deliveries)
        if not wanted:  # not hers, or printed before: accepted, not shown, nothing recorded
            done: asyncio.Future[SendOutcome] = asyncio.get_running_loop().create_future()
            done.set_result(SendOutcome(True))
            return done
        # on_settled is left out on purpose: no bookkeeping after a console send (module doc).
        queued = self.pacer.submit(self._chat(member), view, urgent=urgent)
        self._queued.append(queued)
        self.printed += 1
        return queued

    async def drain(self) -> None:
        """Wait until everything queued so far has been sent (and printed)."""
        while self._queued:
            queued, self._queued = self._queued, []
            await asyncio.gather(*queued, return_exceptions=True)

    async def _concerns_viewer(self, member: StaffMember, kind: str) -> bool:
        """Her own messages; to others, pings about her alerts (esc:) and tickets (tk…:)."""
        if member.staff_id == self.viewer.staff_id:
            return True
        head, _, ref = kind.partition(":")
        family = "esc" if head == "esc" else "tk" if head.startswith("tk") else None
        check = self._visible.get(family or "")
        if check is None:
            return False
        return await check(ref.split(":", 1)[0] if family == "esc" else ref, self.viewer)

    def _chat(self, member: StaffMember) -> int:
        """Someone without Telegram gets a console chat for this session (never stored)."""
        if member.telegram_user_id is not None:
            return member.telegram_user_id
        chat_id = console_user_id(member.staff_id)
        if chat_id not in self._emulator.users:
            self._emulator.add_user(EmulatedUser(id=chat_id, first_name=member.name))
        return chat_id


class ConsoleProactive:
    """What the console does on start and on /demo_tick."""

    def __init__(
        self,
        application: AmbotApplication,
        emulator: BotApiEmulator,
        member: StaffMember,
        clock: DemoClock,
        *,
        write: Callable[[str], None] = print,
    ) -> None:
        self.application = application
        self.member = member
        self.clock = clock
        self.write = write
        services = application.bot_data.services
        config = services.briefings.config
        self.step = timedelta(minutes=config.escalation_minutes)
        self._time = InstantTime()
        pacer = PacedSender(
            application.bot,
            overall_per_second=config.overall_per_second,
            per_chat_per_second=config.per_chat_per_second,
            max_attempts=config.max_attempts,
            clock=self._time.clock,
            sleep=self._time.sleep,
        )
        visible = {"esc": _alert_ref(services.alerts.get)}
        tickets = getattr(services, "tickets", None)  # service tickets (crm/tickets.py)
        if tickets is not None:
            visible["tk"] = viewer_may_see(tickets.get_by_ref)  # the kind holds a ref
        self.outbox = ConsoleOutbox(
            pacer, viewer=member, emulator=emulator, visible=visible, alerts=services.alerts
        )
        state_of(application).outbox = self.outbox  # handlers and jobs reach it here

    async def start(self) -> None:
        """The morning message (manager: briefing; supervisor: digest), then new alerts."""
        briefings = self.application.bot_data.services.briefings
        if self.member.role in ("manager", "supervisor"):
            day = briefings.today(self.member.timezone)
            view = await morning_view(self.application, self.member, day)
            await self.outbox.deliver(self.member, day, BRIEFING_KIND, view)
            await self.outbox.drain()
        await self._run((deliver_new_alerts,))
        if self.outbox.printed:
            minutes = int(self.step.total_seconds() // 60)
            self.write(
                f"（以上是 ambot 今天主动推送给你的消息；输入 /demo_tick 让时间前进 {minutes} 分钟"
                f" · above: what ambot pushed to you today; /demo_tick moves time {minutes} min on）"
            )

    async def tick(self) -> None:
        """/demo_tick: the demo clock moves one escalation step; what fell due runs now."""
        now = self.clock.advance(self.step)
        local = now.astimezone(ZoneInfo(self.member.timezone))
        minutes = int(self.step.total_seconds() // 60)
        self.write(f"⏩ 演示时钟 +{minutes} 分钟 → {local:%m-%d %H:%M} · demo clock +{minutes} min")
        before = self.outbox.printed
        await self._run(timed_jobs())
        if self.outbox.printed == before:
            self.write("（没有到期的事项 · nothing fell due）")

    async def _run(self, callbacks: Sequence[Callable[..., Any]]) -> None:
        for callback in callbacks:
            await Job(callback, name=f"console:{callback.__name__}").run(self.application)
            await self.outbox.drain()
