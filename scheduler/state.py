"""What the scheduler of one process holds: the outbox (with the paced sender) and the lock."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from telegram.ext import JobQueue

from handlers.context import AmbotApplication, AppContext
from runtime.lock import SchedulerLock
from scheduler.outbox import Outbox
from scheduler.pacing import PacedSender


@dataclass
class ProactiveState:
    """Satisfies handlers.context.Scheduling: handlers reach the outbox and rescheduling here."""

    outbox: Outbox
    lock: SchedulerLock
    clock: Callable[[], datetime]
    enabled: bool = False  # scheduler.startup.enable(app): this process may run the jobs
    running: bool = False  # this process holds the lock and runs the jobs
    holder: str | None = None  # who holds the lock when we do not
    reschedule: Callable[[str], Awaitable[None]] | None = None
    kick: Callable[[], None] | None = None  # run the alert sweep now (after a reassignment)

    @property
    def pacer(self) -> PacedSender:
        return self.outbox.pacer


def state_of(app: AmbotApplication) -> ProactiveState:
    """This Application's scheduler state (installed by scheduler.register_all)."""
    state = app.bot_data.scheduler
    if not isinstance(state, ProactiveState):
        raise RuntimeError("the proactive scheduler is not installed on this Application")
    return state


def outbox_of(app: AmbotApplication) -> Outbox:
    return state_of(app).outbox


def jobs_of(app: AmbotApplication) -> JobQueue[AppContext]:
    queue = app.job_queue
    if queue is None:
        raise RuntimeError("python-telegram-bot's job queue (APScheduler) is not installed")
    return queue
