"""Helpers for tests of the proactive half: services on a fake clock, a gated pacer, a tiny book."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, date, datetime, timedelta
from typing import Any

from crm.alert_delivery import AlertDeliveryService
from crm.alerts import AlertService
from crm.briefings import BriefingService
from crm.proactive import ProactiveConfig, load_proactive_config
from crm.tickets import TicketService
from handlers.context import Services
from runtime.ledger import DeliveryLedger
from runtime.lock import SchedulerLock
from scheduler.alerts import approved_scripts
from scheduler.outbox import Outbox
from scheduler.pacing import PacedSender
from scheduler.startup import enable
from scheduler.state import state_of


class FakeClock:
    """Aware UTC wall clock for the services; `advance` moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: Any) -> None:
        self.now += timedelta(**kwargs)


class PacerTime:
    """Monotonic time for the pacer that only moves when it sleeps; can be gated shut."""

    def __init__(self) -> None:
        self.now = 0.0
        self.allow: int | None = None  # stop for good after this many sends
        self.blocked = asyncio.Event()
        self._never = asyncio.Event()
        self.pacer: PacedSender | None = None

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        if (
            self.allow is not None
            and self.pacer is not None
            and self.pacer.sent_count >= self.allow
        ):
            self.blocked.set()
            await self._never.wait()  # a process that died in the middle of the fan-out
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)


def shanghai(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


def proactive_services(
    services: Services,
    uow: Any,
    clock: FakeClock,
    *,
    owner: str = "test-process-1",
    config: ProactiveConfig | None = None,
) -> Services:
    config = config or load_proactive_config()  # the shipped defaults (talking-point tags…)
    alerts = AlertService(uow, config, clock=clock)
    replaced = dataclasses.replace(
        services,
        alerts=alerts,
        alert_delivery=AlertDeliveryService(alerts, config, approved_scripts(services.curation)),
        briefings=BriefingService(uow, config, alerts, clock=clock),
        deliveries=DeliveryLedger(uow, clock=clock),
        scheduler_lock=SchedulerLock(uow, owner=owner, clock=clock),
        tickets=TicketService(uow, config, clock=clock),
    )
    replaced.team.clock = clock  # /team and /broadcast (issue 14)
    replaced.broadcasts.clock = clock
    return replaced


# Pacers made by tests: held here until the test ends, then their workers are cancelled
# (tests/conftest.py). A dropped pacer whose worker still waits would be collected as a pending
# task at some random later moment, and its error log can land anywhere.
LIVE_PACERS: list[PacedSender] = []


def stop_live_pacers() -> None:
    """Cancel the workers of test pacers that are still waiting; forget the finished ones."""
    for pacer in LIVE_PACERS:
        worker = pacer._worker
        if worker is not None and not worker.done():
            worker.cancel()
    LIVE_PACERS[:] = [p for p in LIVE_PACERS if p._worker is not None and not p._worker.done()]


def use_clock(
    app: Any,
    uow: Any,
    clock: FakeClock,
    *,
    owner: str = "test-process-1",
    gate: PacerTime | None = None,
) -> PacerTime:
    """Point an Application's services and scheduler at the fake clock; enable the scheduler."""
    services = proactive_services(app.bot_data.services, uow, clock, owner=owner)
    app.bot_data.services = services
    state = state_of(app)
    gate = gate or PacerTime()
    gate.pacer = PacedSender(app.bot, clock=gate.clock, sleep=gate.sleep)
    LIVE_PACERS.append(gate.pacer)
    state.outbox = Outbox(gate.pacer, services.deliveries, services.alerts)
    state.lock = services.scheduler_lock
    state.clock = clock
    enable(app)
    return gate
