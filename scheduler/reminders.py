"""Follow-up reminders: derived from the database, armed as named PTB jobs, swept every minute.

- One `run_once` job per open follow-up, named `followup-reminder:<id>` and replaced (remove,
  then add) whenever the follow-up is created or snoozed, removed when it is done; all of them
  are re-armed from the database at start, so a restart loses nothing.
- A sweep every minute sends whatever is due and not yet reminded (covers restarts, misfires
  beyond the grace time and anything the per-item jobs missed).
- Both run the same thin callback: ask the service for due reminders and hand one message per
  owner (all of her due items) to the outbox, the one outgoing path (ledger kind
  `fu:<id>:<due time>`, paced sender). Once that message settles, its items are marked reminded.
  The in-flight set and the ledger keep the sweep and a per-item job (or a second sweep) from
  sending the same reminder twice; one lock per Application serialises the claiming.
- Where the proactive scheduler is enabled (`ambot run`), only the process holding the
  scheduler lock sends them: a process that found another holder (`ProactiveState.holder`)
  returns at once, so two processes on one database never both claim a pending reminder; a
  process taking the lock over sweeps at once.
- At-least-once: a crash after the send and before the mark re-sends that message once after the
  restart (its ledger row is still pending); a reminder is never silently lost. A send refused for
  good (blocked bot, bad chat) or that timed out after it may have arrived is marked, not retried;
  one that never got through (network down after every retry) stays pending for the next sweep.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime
from weakref import WeakKeyDictionary
from zoneinfo import ZoneInfo

from telegram.ext import JobQueue

from crm.followups import FollowUp, FollowUpService, Reminder
from handlers.context import AmbotApplication, AppContext, OnSettled
from handlers.render.followups import reminder_view
from runtime.ledger import Settled
from scheduler.state import jobs_of, outbox_of, state_of

log = logging.getLogger(__name__)

JOB_PREFIX = "followup-reminder:"
SWEEP_JOB = "followup-reminders-sweep"
RESTORE_JOB = "followup-reminders-restore"
SWEEP_SECONDS = 60
MISFIRE_GRACE_SECONDS = 3600  # a reminder up to an hour late still goes out from its own job
PER_MESSAGE = 10  # due items in one owner's message; more go out with the next run
_locks: WeakKeyDictionary[AmbotApplication, asyncio.Lock] = WeakKeyDictionary()

Jobs = JobQueue[AppContext]


def job_name(follow_up_id: int) -> str:
    return f"{JOB_PREFIX}{follow_up_id}"


def ledger_key(reminder: Reminder) -> tuple[date, str]:
    """(day, kind) of one reminder in the delivery ledger: a snooze (new due time) is a new one."""
    due = reminder.follow_up.due_at
    day = due.astimezone(ZoneInfo(reminder.timezone)).date()
    return day, f"fu:{reminder.follow_up.id}:{int(due.timestamp())}"


def _lock(application: AmbotApplication) -> asyncio.Lock:
    lock = _locks.get(application)
    if lock is None:
        lock = _locks[application] = asyncio.Lock()
    return lock


def schedule_follow_up(
    job_queue: Jobs, follow_up_id: int, due_at: datetime, *, now: datetime, armed: bool
) -> None:
    """(Re)arm the named job of one follow-up; idempotent. armed=False only removes it."""
    for job in job_queue.get_jobs_by_name(job_name(follow_up_id)):
        job.schedule_removal()
    if not armed:
        return
    job_queue.run_once(
        send_due_reminders,
        when=max(due_at, now),
        name=job_name(follow_up_id),
        job_kwargs={"misfire_grace_time": MISFIRE_GRACE_SECONDS},
    )


def _on_change(job_queue: Jobs, followups: FollowUpService) -> Callable[[FollowUp], None]:
    def listener(follow_up: FollowUp) -> None:
        armed = follow_up.status == "open" and follow_up.reminded_at is None
        now = followups.now()
        schedule_follow_up(job_queue, follow_up.id, follow_up.due_at, now=now, armed=armed)

    return listener


async def restore_reminder_jobs(context: AppContext) -> None:
    """At start: one named job per open, unreminded follow-up, read from the database."""
    followups = context.services.followups
    job_queue = context.job_queue
    if job_queue is None:  # pragma: no cover - register() refuses to run without one
        return
    now = followups.now()
    scheduled = await followups.scheduled_reminders()
    for follow_up_id, due_at in scheduled:
        schedule_follow_up(job_queue, follow_up_id, due_at, now=now, armed=True)
    log.info("armed %d follow-up reminder jobs", len(scheduled))


async def send_due_reminders(context: AppContext) -> None:
    """Queue every due, unreminded follow-up for its owner; marked reminded once settled."""
    app = context.application
    state = state_of(app)
    if state.enabled and not state.running and state.holder is not None:
        return  # `ambot run` and another process holds the scheduler lock: it sends them
    services = context.services
    followups = services.followups
    outbox = outbox_of(app)
    async with _lock(app):
        by_owner: dict[str, list[Reminder]] = defaultdict(list)
        for reminder in await followups.due_reminders():
            by_owner[reminder.follow_up.owner_id].append(reminder)
        for owner_id, reminders in by_owner.items():
            batch = reminders[:PER_MESSAGE]
            keys = {ledger_key(r): r for r in batch}
            owner = await services.staff.get(owner_id)
            claimed = await outbox.claim(owner, list(keys))
            chosen = [keys[(d.day, d.kind)] for d in claimed]
            taken = {(d.day, d.kind) for d in claimed}
            for key, reminder in keys.items():  # settled earlier but never marked: mark now
                if key not in taken:
                    row = await services.deliveries.get(owner_id, *key)
                    if row is not None and row.status != "pending":
                        await followups.mark_reminded(reminder.follow_up.id)
            if chosen:
                outbox.submit(
                    owner,
                    claimed,
                    reminder_view(chosen),
                    on_settled=_marked(followups, [r.follow_up.id for r in chosen]),
                    report=False,
                    retry_later=True,
                )


def _marked(followups: FollowUpService, follow_up_ids: list[int]) -> OnSettled:
    async def mark(settled: Settled) -> None:
        for follow_up_id in follow_up_ids:
            await followups.mark_reminded(follow_up_id)

    return mark


def register(app: AmbotApplication) -> None:
    """The sweep, the start-up restore, and re-arming whenever a follow-up changes."""
    job_queue = jobs_of(app)
    app.bot_data.services.followups.subscribe(
        _on_change(job_queue, app.bot_data.services.followups)
    )
    job_queue.run_once(
        restore_reminder_jobs,
        when=0,
        name=RESTORE_JOB,
        job_kwargs={"misfire_grace_time": MISFIRE_GRACE_SECONDS},
    )
    job_queue.run_repeating(
        send_due_reminders,
        interval=SWEEP_SECONDS,
        first=SWEEP_SECONDS,
        name=SWEEP_JOB,
        job_kwargs={"misfire_grace_time": SWEEP_SECONDS, "coalesce": True, "max_instances": 1},
    )
