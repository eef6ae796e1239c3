"""Follow-up reminders: derived from the database, armed as named PTB jobs, swept every minute.

- One `run_once` job per open follow-up, named `followup-reminder:<id>` and replaced (remove,
  then add) whenever the follow-up is created or snoozed, removed when it is done; all of them
  are re-armed from the database at start, so a restart loses nothing.
- A sweep every minute sends whatever is due and not yet reminded (covers restarts, misfires
  beyond the grace time and anything the per-item jobs missed).
- Both run the same thin callback under one lock per Application: ask the service for due
  reminders, send one message per owner (all of her due items), then mark them reminded.
  Send-then-mark: a crash between the two re-sends that message once after the restart; a
  reminder is never silently lost. A send refused for good (blocked bot, bad chat) is marked
  so it is not retried forever; a transient failure (network, 429) is left for the next sweep.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from datetime import datetime
from typing import Any
from weakref import WeakKeyDictionary

from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application, JobQueue

from crm.followups import FollowUp, Reminder
from handlers.context import AppContext
from handlers.render.followups import reminder_view
from handlers.reply import send_view

log = logging.getLogger(__name__)

JOB_PREFIX = "followup-reminder:"
SWEEP_JOB = "followup-reminders-sweep"
RESTORE_JOB = "followup-reminders-restore"
SWEEP_SECONDS = 60
MISFIRE_GRACE_SECONDS = 3600  # a reminder up to an hour late still goes out from its own job
_locks: WeakKeyDictionary[Any, asyncio.Lock] = WeakKeyDictionary()

AnyApplication = Application[Any, Any, Any, Any, Any, Any]
AnyJobQueue = JobQueue[Any]


def job_name(follow_up_id: int) -> str:
    return f"{JOB_PREFIX}{follow_up_id}"


def _lock(application: AnyApplication) -> asyncio.Lock:
    lock = _locks.get(application)
    if lock is None:
        lock = _locks[application] = asyncio.Lock()
    return lock


def schedule_follow_up(
    job_queue: AnyJobQueue, follow_up_id: int, due_at: datetime, *, now: datetime, armed: bool
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


def _on_change(job_queue: AnyJobQueue, application: AnyApplication) -> Any:
    def listener(follow_up: FollowUp) -> None:
        armed = follow_up.status == "open" and follow_up.reminded_at is None
        now = application.bot_data.services.followups.now()
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
    """Send every due, unreminded follow-up to its owner's chat, then mark it reminded."""
    followups = context.services.followups
    async with _lock(context.application):
        due = await followups.due_reminders()
        by_owner: dict[int, list[Reminder]] = defaultdict(list)
        for reminder in due:
            by_owner[reminder.chat_id].append(reminder)
        for chat_id, reminders in by_owner.items():
            try:
                await send_view(context.bot, chat_id, reminder_view(reminders[:10]))
            except (Forbidden, BadRequest) as exc:  # will never succeed: do not retry forever
                log.warning("reminder to owner of #%s refused: %s", reminders[0].follow_up.id, exc)
            except TelegramError as exc:  # network, 429: the next sweep tries again
                log.warning("reminder for #%s not sent yet: %s", reminders[0].follow_up.id, exc)
                continue
            for reminder in reminders[:10]:
                await followups.mark_reminded(reminder.follow_up.id)


def register(app: AnyApplication) -> None:
    """The sweep, the start-up restore, and re-arming whenever a follow-up changes."""
    job_queue = app.job_queue
    if job_queue is None:
        raise RuntimeError("python-telegram-bot's job queue (APScheduler) is not installed")
    app.bot_data.services.followups.subscribe(_on_change(job_queue, app))
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
