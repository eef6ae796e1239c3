"""Starting the scheduler of one process: take the lock, derive the jobs from the database.

At application start (post_init) the process tries to take the scheduler lock. The holder
schedules the daily briefing jobs, the alert sweep and the escalation job, and runs a catch-up
at once; it renews the lock every `lock_renew_seconds`. Any other process on the same database
logs clearly that it does not run the scheduler and keeps trying, taking over only when the
holder's lock expires. On stop the paced sender stops and the lock is released.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram.ext import ContextTypes

from scheduler.alerts import SWEEP_JOB, deliver_new_alerts
from scheduler.briefings import catch_up, reschedule, schedule_all
from scheduler.escalations import ESCALATION_JOB, escalate_unacknowledged
from scheduler.outbox import services_of
from scheduler.pacing import PacedSender, Sleep
from scheduler.rules import RULES_JOB, evaluate_latest_data
from scheduler.state import ProactiveState

log = logging.getLogger(__name__)
LOCK_JOB = "scheduler:lock"
CATCH_UP_JOB = "scheduler:catch-up"
Hook = Callable[[Any], Awaitable[Any]]


def second_process_message(holder: str) -> str:
    return (
        f"scheduler NOT started in this process: another ambot process ({holder}) holds the "
        "scheduler lock on this database, so briefings and alerts are sent from there. "
        "This process still answers messages and takes over if that one stops."
    )


def install(
    app: Any,
    *,
    monotonic: Callable[[], float] | None = None,
    sleep: Sleep | None = None,
) -> ProactiveState:
    """Attach the scheduler to an Application: its state, and the start/stop hooks."""
    services = services_of(app)
    config = services.briefings.config
    pacer_options: dict[str, Any] = {}
    if monotonic is not None:
        pacer_options["clock"] = monotonic
    if sleep is not None:
        pacer_options["sleep"] = sleep
    state = ProactiveState(
        pacer=PacedSender(
            app.bot,
            overall_per_second=config.overall_per_second,
            per_chat_per_second=config.per_chat_per_second,
            max_attempts=config.max_attempts,
            **pacer_options,
        ),
        lock=services.scheduler_lock,
        clock=services.briefings.clock,
    )

    async def _reschedule(staff_id: str) -> None:
        await reschedule(app, staff_id)

    def _kick() -> None:
        if state.running:
            app.job_queue.run_once(deliver_new_alerts, when=0, name=f"{SWEEP_JOB}:now")

    state.reschedule = _reschedule
    state.kick = _kick
    app.bot_data.scheduler = state
    _chain(app, "post_init", start)
    _chain(app, "post_stop", stop)
    _chain(app, "post_shutdown", stop)
    return state


def _chain(app: Any, hook: str, extra: Hook) -> None:
    previous: Hook | None = getattr(app, hook)

    async def chained(application: Any) -> None:
        if previous is not None:
            await previous(application)
        await extra(application)

    setattr(app, hook, chained)


def enable(app: Any) -> None:
    """Run the proactive scheduler in this process (ambot run); tests and tools leave it off,
    so an Application built for them never sends briefings on the wall clock."""
    state: ProactiveState = app.bot_data.scheduler
    state.enabled = True


async def start(app: Any) -> bool:
    """post_init: take the lock (or say who has it) and keep trying/renewing."""
    state: ProactiveState = app.bot_data.scheduler
    if not state.enabled:
        return False
    config = services_of(app).briefings.config
    await try_lock(app)
    if not app.job_queue.get_jobs_by_name(LOCK_JOB):
        app.job_queue.run_repeating(
            renew_lock,
            interval=config.lock_renew_seconds,
            first=config.lock_renew_seconds,
            name=LOCK_JOB,
            job_kwargs={"misfire_grace_time": config.lock_renew_seconds, "coalesce": True},
        )
    return state.running


async def try_lock(app: Any) -> bool:
    state: ProactiveState = app.bot_data.scheduler
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


async def renew_lock(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Repeating job: renew our lock, or take it over once the holder's has expired."""
    await try_lock(context.application)


async def start_jobs(app: Any) -> int:
    """Every job derived from the database, plus the sweeps and an immediate catch-up."""
    config = services_of(app).briefings.config
    queue = app.job_queue
    count = await schedule_all(app)
    for name, callback in (
        (SWEEP_JOB, deliver_new_alerts),
        (ESCALATION_JOB, escalate_unacknowledged),
    ):
        for job in queue.get_jobs_by_name(name):
            job.schedule_removal()
        queue.run_repeating(
            callback,
            interval=config.alert_sweep_seconds,
            first=1,
            name=name,
            job_kwargs={"misfire_grace_time": config.alert_sweep_seconds, "coalesce": True},
        )
    for job in queue.get_jobs_by_name(RULES_JOB):
        job.schedule_removal()
    queue.run_repeating(
        evaluate_latest_data,
        interval=config.alert_sweep_seconds,
        first=0,
        name=RULES_JOB,
        job_kwargs={"misfire_grace_time": config.alert_sweep_seconds, "coalesce": True},
    )
    queue.run_once(catch_up, when=0, name=CATCH_UP_JOB)
    return count


def stop_jobs(app: Any) -> None:
    for job in app.job_queue.jobs():
        if job.name != LOCK_JOB:
            job.schedule_removal()


async def stop(app: Any) -> None:
    """post_stop / post_shutdown: stop bulk sending and give the lock up (idempotent)."""
    state: ProactiveState | None = getattr(app.bot_data, "scheduler", None)
    if state is None:
        return
    await state.pacer.stop()
    if state.running:
        state.running = False
        try:
            await state.lock.release()
        except Exception:  # the database may already be gone at shutdown
            log.exception("releasing the scheduler lock failed")
