"""P1 escalation and snooze reminders: a repeating job re-pings what is still unacknowledged.

Level 2 (after escalation_minutes): the supervisor again; level 3: the admins. A snoozed alert
comes back to its owner when the snooze ends. Each ping is exactly-once through the ledger
(kind esc:<id>:<level>, snz:<id>:<time>). The raised level and its "escalated" events are the
outbox: a ping whose ledger row never settled (the process stopped after raising the level) is
sent by the next run instead of being lost.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import ContextTypes

from handlers.render.alerts import escalation_view, reminder_view
from scheduler.alerts import _pinged
from scheduler.outbox import deliver_once, services_of

ESCALATION_JOB = "alerts:escalate"


async def escalate_unacknowledged(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Repeating job: escalate overdue P1s and remind owners of ended snoozes."""
    await escalate_due(context.application)


async def escalate_due(app: Any) -> dict[str, int]:
    services = services_of(app)
    alerts = services.alerts
    minutes = services.briefings.config.escalation_minutes
    today = alerts.today()
    counts = {"escalated": 0, "reminded": 0}
    unsent = await alerts.unsent_escalations()  # before raising more: those are sent below
    for escalation in [*unsent, *await alerts.due_escalations()]:
        alert = escalation.alert
        for target in escalation.targets:
            view = escalation_view(
                escalation,
                target.language,
                today,
                minutes=minutes,
                with_reassign=target.role == "supervisor",
            )
            if await deliver_once(
                app,
                target,
                alert.as_of,
                f"esc:{alert.id}:{escalation.level}",
                view,
                on_sent=_pinged(app, alert.id, escalation.level, target.staff_id),
            ):
                counts["escalated"] += 1
    for alert in await alerts.due_snoozes():
        owner = await alerts.staff(alert.manager_id)
        if owner is None or alert.snoozed_until is None:
            continue
        stamp = int(alert.snoozed_until.timestamp())
        view = reminder_view(alert, owner.language, today)
        if await deliver_once(app, owner, alert.as_of, f"snz:{alert.id}:{stamp}", view):
            counts["reminded"] += 1
    return counts
