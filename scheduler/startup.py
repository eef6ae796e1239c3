"""Starting the scheduler of one process: take the lock, derive the jobs from the database.

At application start (post_init) the process tries to take the scheduler lock. The holder
schedules the daily briefing jobs, the alert sweep and the escalation job, and runs a catch-up
at once; it renews the lock every `lock_renew_seconds`. Any other process on the same database
logs clearly that it does not run the scheduler and keeps trying, taking over only when the
holder's lock expires. On stop the paced sender stops and the lock is released.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Literal

from handlers.context import AmbotApplication, AppContext
from scheduler.alerts import SWEEP_JOB, deliver_new_alerts
from scheduler.briefings import catch_up, reschedule, schedule_all
from scheduler.outbox import Outbox
from scheduler.pacing import PacedSender, Sleep
from scheduler.reminders import JOB_PREFIX as REMINDER_JOB_PREFIX
from scheduler.reminders import RESTORE_JOB as REMINDER_RESTORE_JOB
from scheduler.reminders import SWEEP_JOB as REMINDER_SWEEP_JOB
from scheduler.reminders import send_due_reminders
from scheduler.state import ProactiveState, jobs_of, state_of
from scheduler.sweeps import SWEEPS

log = logging.getLogger(__name__)
LOCK_JOB = "scheduler:lock"
CATCH_UP_JOB = "scheduler:catch-up"
REMINDERS_TAKEOVER_JOB = "scheduler:reminders"
REMINDER_JOBS = (REMINDER_JOB_PREFIX, REMINDER_SWEEP_JOB, REMINDER_RESTORE_JOB)
Hook = Callable[[AmbotApplication], Awaitable[object]]


def second_process_message(holder: str) -> str:
    return (
        f"scheduler NOT started in this process: another ambot process ({holder}) holds the "
        "scheduler lock on this database, so briefings and alerts are sent from there. "
        "This process still answers messages and takes over if that one stops."
    )


def install(
    app: AmbotApplication,
    *,
    monotonic: Callable[[], float] | None = None,
    sleep: Sleep | None = None,
) -> ProactiveState:
    """Attach the scheduler to an Application: its outbox and state, and the start/stop hooks.
    The outbox works in every process (reminders, manual pings); the jobs only where enabled."""
    services = app.bot_data.services
    config = services.briefings.config
    pacer = PacedSender(
        app.bot,
        overall_per_second=config.overall_per_second,
        per_chat_per_second=config.per_chat_per_second,
        max_attempts=config.max_attempts,
        clock=monotonic or time.monotonic,
        sleep=sleep or asyncio.sleep,
    )
    state = ProactiveState(
        outbox=Outbox(pacer, services.deliveries, services.alerts),
        lock=services.scheduler_lock,
        clock=services.briefings.clock,
    )

    async def _reschedule(staff_id: str) -> None:
        await reschedule(app, staff_id)

    def _kick() -> None:
        if state.running:
            jobs_of(app).run_once(deliver_new_alerts, when=0, name=f"{SWEEP_JOB}:now")

    state.reschedule = _reschedule
    state.kick = _kick
    app.bot_data.scheduler = state
    _chain(app, "post_init", start)
    _chain(app, "post_stop", stop)
    _chain(app, "post_shutdown", stop)
    return state


def _chain(
    app: AmbotApplication,
    hook: Literal["post_init", "post_stop", "post_shutdown"],
    extra: Hook,
) -> None:
    previous: Hook | None = getattr(app, hook)

    async def chained(application: AmbotApplication) -> None:
        if previous is not None:
            await previous(application)
        await extra(application)

    setattr(app, hook, chained)


def enable(app: AmbotApplication) -> None:
    """Run the proactive scheduler in this process (ambot run); tests and tools leave it off,
    so an Application built for them never sends briefings on the wall clock."""
    state_of(app).enabled = True


async def start(app: AmbotApplication) -> bool:
    """post_init: take the lock (or say who has it) and keep trying/renewing."""
    state = state_of(app)
    if not state.enabled:
        return False
    config = app.bot_data.services.briefings.config
    await try_lock(app)
    queue = jobs_of(app)
    if not queue.get_jobs_by_name(LOCK_JOB):
        queue.run_repeating(
            renew_lock,
            interval=config.lock_renew_seconds,
            first=config.lock_renew_seconds,
            name=LOCK_JOB,
            job_kwargs={"misfire_grace_time": config.lock_renew_seconds, "coalesce": True},
        )
    return state.running


async def try_lock(app: AmbotApplication) -> bool:
    state = state_of(app)
    lock = await state.lock.acquire()
    if lock.acquired and not state.running:
        state.running = True
        state.holder = None
        count = await start_jobs(app)
        log.info("scheduler lock acquired (%s): %d briefing jobs scheduled", lock.owner, count)
    elif not lock.acquired:
        if state.running:
            log.error("scheduler lock lost to %s: stopping this process's jobs", lock.owner)
            stop_jobs(app)
            state.running = False
        if state.holder != lock.owner:
            log.warning(second_process_message(lock.owner))
        state.holder = lock.owner
    return state.running


async def renew_lock(context: AppContext) -> None:
    """Repeating job: renew our lock, or take it over once the holder's has expired."""
    await try_lock(context.application)


async def start_jobs(app: AmbotApplication) -> int:
    """Every job derived from the database, plus the sweeps and an immediate catch-up."""
    config = app.bot_data.services.briefings.config
    queue = jobs_of(app)
    count = await schedule_all(app)
    for sweep in SWEEPS:  # scheduler/sweeps.py: the registry of repeating sweeps
        for job in queue.get_jobs_by_name(sweep.name):
            job.schedule_removal()
        interval = sweep.interval(config)
        queue.run_repeating(
            sweep.callback,
            interval=interval,
            first=sweep.first,
            name=sweep.name,
            job_kwargs={"misfire_grace_time": max(1, int(interval)), "coalesce": True},
        )
    queue.run_once(catch_up, when=0, name=CATCH_UP_JOB)
    # Reminders are sent by the lock holder only (scheduler/reminders.py): sweep on taking over.
    queue.run_once(send_due_reminders, when=0, name=REMINDERS_TAKEOVER_JOB)
    return count


def stop_jobs(app: AmbotApplication) -> None:
    """The lock was lost: stop the holder's jobs. The lock's own job stays, and so do the
    reminder jobs, which check for themselves whether this process holds the lock."""
    for job in jobs_of(app).jobs():
        name = job.name or ""
        if name != LOCK_JOB and not name.startswith(REMINDER_JOBS):
            job.schedule_removal()


async def stop(app: AmbotApplication) -> None:
    """post_stop / post_shutdown: stop bulk sending and give the lock up (idempotent)."""
    state = app.bot_data.scheduler
    if not isinstance(state, ProactiveState):
        return
    await state.pacer.stop()
    if state.running:
        state.running = False
        try:
            await state.lock.release()
        except Exception:  # the database may already be gone at shutdown
            log.exception("releasing the scheduler lock failed")
