"""The proactive half in the console chat: on start the member's morning message and her new
P1/P2 alerts, and /demo_tick to move the demo clock and run what fell due.

Everything goes through the bot's own code: the morning view of scheduler/briefings.py, the
alert sweep, escalation sweep and reminders of the scheduler registry (scheduler/sweeps.py), the
outbox and the paced sender. Only the outbox differs (`ConsoleOutbox`):
- its ledger is a DeliveryLedger on a private in-memory database, so the console never marks
  Telegram's delivery ledger: the real bot still delivers all of it later;
- it runs no bookkeeping after a send (a "delivered" event, a reminder marked reminded): the
  console showed it, Telegram did not get it;
- it shows the member what is hers, and of other people's messages only the escalation pings
  about her alerts (a dim line per ping); staff without Telegram get a console chat of their own
  for that, in memory only.
Acknowledging, snoozing and escalating are real actions on the database, as in Telegram; so is
what the demo clock makes due (an escalation level raised, a snooze ended).
"""

from __future__ import annotations

import asyncio
import dataclasses
import zlib
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool
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
from storage.alert_rows import DeliveryRow
from storage.clock import DemoClock
from storage.engine import session_factory
from storage.uow import UnitOfWorkFactory

# Real Telegram user ids stay far below this, so a console identity never collides with one.
CONSOLE_ID_BASE = 9_000_000_000_000


def console_user_id(staff_id: str) -> int:
    """The console's Telegram id for a staff member (stable across sessions)."""
    return CONSOLE_ID_BASE + zlib.crc32(staff_id.encode())


async def memory_ledger(clock: Callable[[], Any]) -> tuple[DeliveryLedger, AsyncEngine]:
    """The bot's DeliveryLedger on a private in-memory SQLite database (deliveries table only;
    no foreign keys there: the staff live in the real database)."""
    engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
    async with engine.begin() as connection:
        await connection.run_sync(DeliveryRow.metadata.tables[DeliveryRow.__tablename__].create)
    return DeliveryLedger(UnitOfWorkFactory(session_factory(engine)), clock=clock), engine


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


class ConsoleOutbox(Outbox):
    """The outbox of the console: the bot's claim/submit path on an in-memory ledger."""

    def __init__(
        self,
        pacer: PacedSender,
        ledger: DeliveryLedger,
        alerts: AlertService,
        *,
        viewer: StaffMember,
        emulator: BotApiEmulator,
    ) -> None:
        super().__init__(pacer, ledger, alerts)
        self.viewer = viewer
        self._emulator = emulator
        self._queued: list[asyncio.Future[SendOutcome]] = []
        self.sent = 0  # messages queued so far (to the member and to others)

    async def claim(
        self, member: StaffMember, keys: Sequence[tuple[date, str]], *, unbound: Unbound = "skip"
    ) -> list[Delivery]:
        shown = [key for key in keys if await self._shown(member, key[1])]
        if not shown:
            return []
        return await super().claim(self._reachable(member), shown, unbound=unbound)

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
        # on_settled is left out on purpose: no "delivered"/"reminded" bookkeeping (module doc).
        queued = super().submit(
            self._reachable(member),
            deliveries,
            view,
            urgent=urgent,
            report=False,
            retry_later=retry_later,
        )
        if queued is not None:
            self._queued.append(queued)
            self.sent += 1
        return queued

    async def drain(self) -> None:
        """Wait until everything queued so far has been sent (and shown)."""
        while self._queued:
            queued, self._queued = self._queued, []
            await asyncio.gather(*queued, return_exceptions=True)

    async def _shown(self, member: StaffMember, kind: str) -> bool:
        """The member's own messages; to others, only escalation pings about her alerts."""
        if member.staff_id == self.viewer.staff_id:
            return True
        head, _, rest = kind.partition(":")
        if head != "esc":
            return False
        alert_id = rest.split(":", 1)[0]
        if not alert_id.isdigit():
            return False
        try:
            await self._alerts.get(int(alert_id), self.viewer)
        except DomainError:  # not hers to see (another team's alert)
            return False
        return True

    def _reachable(self, member: StaffMember) -> StaffMember:
        """Someone without Telegram gets a console chat for this session (never stored)."""
        if member.telegram_user_id is not None:
            return member
        chat_id = console_user_id(member.staff_id)
        if chat_id not in self._emulator.users:
            self._emulator.add_user(EmulatedUser(id=chat_id, first_name=member.name))
        return dataclasses.replace(member, telegram_user_id=chat_id)


class ConsoleProactive:
    """What the console does on start and on /demo_tick."""

    def __init__(
        self,
        application: AmbotApplication,
        emulator: BotApiEmulator,
        member: StaffMember,
        clock: DemoClock,
        ledger: DeliveryLedger,
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
        self.outbox = ConsoleOutbox(
            pacer, ledger, services.alerts, viewer=member, emulator=emulator
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

    async def tick(self) -> None:
        """/demo_tick: the demo clock moves one escalation step; what fell due runs now."""
        now = self.clock.advance(self.step)
        local = now.astimezone(ZoneInfo(self.member.timezone))
        minutes = int(self.step.total_seconds() // 60)
        self.write(f"⏩ 演示时钟 +{minutes} 分钟 → {local:%m-%d %H:%M} · demo clock +{minutes} min")
        before = self.outbox.sent
        await self._run(timed_jobs())
        if self.outbox.sent == before:
            self.write("（没有到期的事项 · nothing fell due）")

    async def _run(self, callbacks: Sequence[Callable[..., Any]]) -> None:
        for callback in callbacks:
            await Job(callback, name=f"console:{callback.__name__}").run(self.application)
            await self.outbox.drain()
