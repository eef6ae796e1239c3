"""P1 escalation and snooze reminders: a repeating job re-pings what is still unacknowledged.

Level 2 (after escalation_minutes): the supervisor again; level 3: the admins. A snoozed alert
comes back to its owner when the snooze ends. Who is pinged when is AlertDeliveryService's
policy (crm/alert_delivery.py); this job renders and hands each message to the outbox (ledger
kinds esc:<id>:<level> and snz:<id>:<time>, at most one delivery each). The raised level and its
"escalated" events are the outbox of pings: a ping whose ledger row never settled (the process
stopped after raising the level) is sent by the next run instead of being lost.
"""

from __future__ import annotations

from datetime import date

from crm.alert_delivery import AlertDeliveryService, escalation_kind, snooze_kind
from crm.alerts import Escalation
from handlers.context import AmbotApplication, AppContext
from handlers.render.alerts import escalation_view, reminder_view
from knowledge_base.curation import ApprovedText
from scheduler.outbox import Outbox
from scheduler.state import outbox_of

ESCALATION_JOB = "alerts:escalate"


async def escalate_unacknowledged(context: AppContext) -> None:
    """Repeating job: escalate overdue P1s and remind owners of ended snoozes."""
    await escalate_due(context.application)


async def escalate_due(app: AmbotApplication) -> dict[str, int]:
    services = app.bot_data.services
    outbox = outbox_of(app)
    due = await services.alert_delivery.due_follow_ups()
    counts = {"escalated": 0, "reminded": 0}
    for escalation in due.pings:
        counts["escalated"] += await send_pings(
            outbox, services.alert_delivery, escalation, due.today, due.escalation_minutes
        )
    for snoozed in due.snoozes:
        owner, alert = snoozed.owner, snoozed.alert
        view = reminder_view(alert, owner.language, due.today, minutes=due.escalation_minutes)
        if await outbox.deliver(owner, alert.as_of, snooze_kind(alert), view):
            counts["reminded"] += 1
    return counts


async def send_pings(
    outbox: Outbox,
    policy: AlertDeliveryService[ApprovedText],
    escalation: Escalation,
    today: date,
    minutes: int,
) -> int:
    """Queue the ping of one escalation level to each target; returns how many were queued."""
    alert = escalation.alert
    sent = 0
    for target in escalation.targets:
        view = escalation_view(
            escalation,
            target.language,
            today,
            minutes=minutes,
            with_reassign=target.role == "supervisor",
        )
        if await outbox.deliver(
            target,
            alert.as_of,
            escalation_kind(alert.id, escalation.level),
            view,
            on_settled=policy.ping_recorder(alert.id, escalation.level, target.staff_id),
        ):
            sent += 1
    return sent
