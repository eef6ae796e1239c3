"""Buttons on alert messages (确认 / 稍后 / 升级) and on supervisor pings (acknowledge,
reassign to a teammate). Every press is re-authorised by AlertService."""

from __future__ import annotations

import logging
from functools import partial
from html import escape

from telegram.ext import Application, CallbackQueryHandler

from crm.alert_delivery import escalation_kind
from crm.alerts import AlertView, Escalation
from crm.errors import AlreadyClosedError
from handlers.buttons import Press, button
from handlers.buttons_proactive import AlertAction, EscalationAction
from handlers.context import AppContext
from handlers.i18n import t
from handlers.render import View
from handlers.render.alerts import (
    alert_status_view,
    escalation_view,
    snoozed_line,
    teammates_view,
)

log = logging.getLogger(__name__)


@button(AlertAction, feature="alerts")
async def on_alert_action(press: Press[AlertAction], context: AppContext) -> None:
    """The owner's buttons on a P1 message (refusals: handlers/errors.py, section "alerts")."""
    staff = press.staff
    alerts = context.services.alerts
    language = context.language
    action = press.button
    config = context.services.briefings.config
    redraw = partial(alert_status_view, minutes=config.escalation_minutes)
    if action.action == "ack":
        view = await alerts.acknowledge(action.alert_id, staff)
        await press.answer(t(language, "alert_ack_toast"))
        line = t(language, "alert_status_acknowledged", by=escape(staff.name))
        await press.edit(redraw(view, language, alerts.today(), line, keep_buttons=False))
    elif action.action == "snz":
        view = await alerts.snooze(action.alert_id, staff)
        await press.answer(t(language, "alert_snooze_toast", minutes=config.snooze_minutes))
        line = snoozed_line(view, language, staff.timezone)
        await press.edit(redraw(view, language, alerts.today(), line, keep_buttons=True))
    else:
        escalation = await alerts.escalate(action.alert_id, staff)
        names = "、".join(m.name for m in escalation.targets) or "—"
        await press.answer(t(language, "alert_escalate_toast", targets=names)[:190])
        await _ping(context, escalation, by_name=staff.name)
        line = t(language, "alert_status_escalated", targets=escape(names))
        await press.edit(
            redraw(escalation.alert, language, alerts.today(), line, keep_buttons=True)
        )


async def _ping(context: AppContext, escalation: Escalation, *, by_name: str) -> None:
    """A manual escalation's pings: on the one outgoing path like the automatic ones (ledger kind
    esc:<id>:<level>, paced sender), queued ahead of bulk sends and awaited: someone is waiting."""
    services = context.services
    state = context.bot_data.scheduler
    if state is None:  # pragma: no cover - build_application always installs the scheduler
        raise RuntimeError("no outbox on this Application")
    alert = escalation.alert
    minutes = services.briefings.config.escalation_minutes
    for target in escalation.targets:
        view = escalation_view(
            escalation,
            target.language,
            services.alerts.today(),
            minutes=minutes,
            by_name=by_name,
            with_reassign=target.role == "supervisor",
        )
        await state.outbox.deliver(
            target,
            alert.as_of,
            escalation_kind(alert.id, escalation.level),
            view,
            urgent=True,
            wait=True,  # the presser's message is redrawn once the ping is out
            on_settled=services.alert_delivery.ping_recorder(
                alert.id, escalation.level, target.staff_id
            ),
        )


def _ping_body(alert: AlertView, context: AppContext, target_role: str) -> View:
    minutes = context.services.briefings.config.escalation_minutes
    escalation = Escalation(alert, max(alert.escalation_level, 1), ())
    return escalation_view(
        escalation,
        context.language,
        context.services.alerts.today(),
        minutes=minutes,
        with_reassign=target_role == "supervisor",
    )


@button(EscalationAction, feature="alerts")
async def on_escalation_action(press: Press[EscalationAction], context: AppContext) -> None:
    """A supervisor's (or admin's) buttons on an escalation ping."""
    staff = press.staff
    alerts = context.services.alerts
    language = context.language
    action = press.button
    if action.action == "ack":
        view = await alerts.acknowledge(action.alert_id, staff)
        await press.answer(t(language, "alert_ack_toast"))
        body = _ping_body(view, context, staff.role)
        line = t(language, "alert_status_acknowledged", by=escape(staff.name))
        await press.edit(View(body.text + "\n\n" + line))
    elif action.action == "re":
        view, teammates = await alerts.teammates(action.alert_id, staff)
        if not view.is_open:
            raise AlreadyClosedError(f"alert {action.alert_id} closed")
        await press.answer()
        body = _ping_body(view, context, staff.role)
        await press.edit(teammates_view(view, teammates, language, body.text))
    else:
        view = await alerts.reassign(action.alert_id, staff, action.staff_id or "")
        await press.answer(t(language, "esc_reassigned_toast", name=view.manager_name)[:190])
        body = _ping_body(view, context, staff.role)
        line = t(language, "esc_reassigned", name=escape(view.manager_name))
        await press.edit(View(body.text + "\n\n" + line))
        state = context.bot_data.scheduler
        if state is not None and state.kick is not None:
            state.kick()  # deliver to the new owner now, not at the next sweep


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(on_alert_action, pattern=AlertAction.matches))
    app.add_handler(CallbackQueryHandler(on_escalation_action, pattern=EscalationAction.matches))
