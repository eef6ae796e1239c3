"""Morning briefings and supervisor digests: one daily job per staff member, found by name.

Jobs are derived from the database at start (and again for one member when /settings changes
her time). A job fires at her briefing_time in her zone, Monday–Friday; holidays are skipped by
the trading calendar. A start-up catch-up sends what is due but unsent within the grace window;
beyond it the briefing is recorded as missed and the supervisor is told, once.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from crm.staff import StaffMember
from handlers.context import AmbotApplication, AppContext
from handlers.render import View
from handlers.render.briefing import briefing_view, digest_view, missed_report_view
from scheduler.state import jobs_of, outbox_of, state_of

log = logging.getLogger(__name__)
KIND = "briefing"
WEEKDAYS = (1, 2, 3, 4, 5)  # PTB's run_daily counts 0 = Sunday


def job_name(staff_id: str) -> str:
    return f"briefing:{staff_id}"


def schedule_member(app: AmbotApplication, member: StaffMember) -> None:
    """(Re)schedule one member's daily job; idempotent: the old job of that name goes first."""
    queue = jobs_of(app)
    for job in queue.get_jobs_by_name(job_name(member.staff_id)):
        job.schedule_removal()
    if not member.active or member.role not in ("manager", "supervisor"):
        return
    grace = app.bot_data.services.briefings.config.grace_minutes
    queue.run_daily(
        send_morning_briefing,
        time=member.briefing_time.replace(tzinfo=ZoneInfo(member.timezone)),
        days=WEEKDAYS,
        name=job_name(member.staff_id),
        data=member.staff_id,
        job_kwargs={"misfire_grace_time": grace * 60, "coalesce": True},
    )


async def schedule_all(app: AmbotApplication) -> int:
    """One job per active manager and supervisor, from the database."""
    members = await app.bot_data.services.briefings.recipients()
    for member in members:
        schedule_member(app, member)
    return len(members)


async def reschedule(app: AmbotApplication, staff_id: str) -> None:
    """After /settings: the member's job again, from her new row (only where jobs run)."""
    if state_of(app).running:
        schedule_member(app, await app.bot_data.services.briefings.member(staff_id))


async def send_morning_briefing(context: AppContext) -> None:
    """Daily job: this member's briefing (or digest), if today is a trading day."""
    staff_id = str(context.job.data) if context.job else ""
    member = await context.services.briefings.member(staff_id)
    await brief_member(context.application, member)


async def brief_member(
    app: AmbotApplication, member: StaffMember, *, now: datetime | None = None
) -> str:
    """Send today's briefing now if due and within grace; returns what happened (for logs/tests)."""
    briefings = app.bot_data.services.briefings
    now = now or briefings.clock()
    if not member.active or member.role not in ("manager", "supervisor"):
        return "not_a_recipient"
    if member.telegram_user_id is None:
        return "not_bound"
    day = now.astimezone(ZoneInfo(member.timezone)).date()
    if not briefings.calendar.is_trading_day(day):
        return "not_trading"
    due = briefings.due_at(member, day)
    if now < due:
        return "not_due"
    grace = briefings.config.grace_minutes
    if now - due > timedelta(minutes=grace):
        return await _missed(app, member, day, grace)
    view = await morning_view(app, member, day)
    queued = await outbox_of(app).deliver(member, day, KIND, view)
    return "queued" if queued else "already"


async def morning_view(app: AmbotApplication, member: StaffMember, day: date) -> View:
    """The morning message of one member: a supervisor's digest, a manager's briefing (also
    what the console shows on start)."""
    briefings = app.bot_data.services.briefings
    if member.role == "supervisor":
        digest = await briefings.digest(member.staff_id, day)
        return digest_view(digest, member.language)
    briefing = await briefings.compose(member.staff_id, day)
    return briefing_view(briefing, member.language, size=briefings.config.briefing_top_items)


async def _missed(app: AmbotApplication, member: StaffMember, day: date, grace: int) -> str:
    ledger = app.bot_data.services.deliveries
    settled = await ledger.get(member.staff_id, day, KIND)
    if settled is not None and settled.status != "pending":
        return "already"
    if not await ledger.mark_missed(member.staff_id, day, KIND, f"later than {grace} min"):
        return "already"
    log.warning("briefing of %s for %s missed its grace window", member.staff_id, day)
    outbox = outbox_of(app)
    for target in await outbox.report_targets(member):
        view = missed_report_view(member, day, grace, target.language)
        await outbox.deliver(target, day, f"missed:{member.staff_id}", view)
    return "missed"


async def catch_up(context: AppContext) -> None:
    """At start: today's due briefings not yet sent — sent within grace, else reported."""
    await catch_up_all(context.application)


async def catch_up_all(app: AmbotApplication) -> dict[str, str]:
    briefings = app.bot_data.services.briefings
    now = briefings.clock()
    outcome = {}
    for member in await briefings.recipients():
        outcome[member.staff_id] = await brief_member(app, member, now=now)
    return outcome
