"""Buttons on alert messages (确认 / 稍后 / 升级) and on supervisor pings (acknowledge,
reassign to a teammate). Every press is re-authorised by AlertService."""

from __future__ import annotations

import contextlib
import logging
from html import escape

from telegram import CallbackQuery, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, CallbackQueryHandler

from crm.alerts import AlertView, Escalation
from crm.errors import NotAuthorizedError, NotFoundError, UsageError
from handlers.buttons_proactive import AlertAction, EscalationAction
from handlers.callback_data import CallbackDataError
from handlers.context import AppContext
from handlers.i18n import t
from handlers.render import View
from handlers.render.alerts import (
    alert_status_view,
    escalation_view,
    snoozed_line,
    teammates_view,
)
from handlers.reply import keyboard, send_view

log = logging.getLogger(__name__)


async def _edit(query: CallbackQuery, view: View) -> None:
    with contextlib.suppress(BadRequest):  # "message is not modified" on a repeated press
        await query.edit_message_text(view.text, parse_mode="HTML", reply_markup=keyboard(view))


def _refusal(exc: Exception, language: str) -> str:
    if isinstance(exc, NotAuthorizedError):
        return t(language, "alert_not_allowed")
    if isinstance(exc, UsageError):
        return t(language, "alert_top_level" if str(exc) == "top" else "alert_closed")
    return t(language, "button_expired")


async def on_alert_action(update: Update, context: AppContext) -> None:
    """The owner's buttons on a P1 message."""
    query = update.callback_query
    if query is None:
        return
    staff = context.require_staff()
    alerts = context.services.alerts
    language = context.language
    try:
        action = AlertAction.unpack(query.data or "")
        if action.action == "ack":
            view = await alerts.acknowledge(action.alert_id, staff)
            await query.answer(t(language, "alert_ack_toast"))
            line = t(language, "alert_status_acknowledged", by=escape(staff.name))
            await _edit(
                query, alert_status_view(view, language, alerts.today(), line, keep_buttons=False)
            )
        elif action.action == "snz":
            view = await alerts.snooze(action.alert_id, staff)
            minutes = context.services.briefings.config.snooze_minutes
            await query.answer(t(language, "alert_snooze_toast", minutes=minutes))
            line = snoozed_line(view, language, staff.timezone)
            await _edit(
                query, alert_status_view(view, language, alerts.today(), line, keep_buttons=True)
            )
        else:
            escalation = await alerts.escalate(action.alert_id, staff)
            names = "、".join(m.name for m in escalation.targets) or "—"
            await query.answer(t(language, "alert_escalate_toast", targets=names)[:190])
            await _ping(context, escalation, by_name=staff.name)
            line = t(language, "alert_status_escalated", targets=escape(names))
            await _edit(
                query,
                alert_status_view(
                    escalation.alert, language, alerts.today(), line, keep_buttons=True
                ),
            )
    except (CallbackDataError, NotFoundError, NotAuthorizedError, UsageError) as exc:
        await query.answer(_refusal(exc, language))


async def _ping(context: AppContext, escalation: Escalation, *, by_name: str) -> None:
    """A manual escalation's pings, sent now (interactive) and recorded in the ledger once."""
    services = context.services
    alert = escalation.alert
    minutes = services.briefings.config.escalation_minutes
    for target in escalation.targets:
        if target.telegram_user_id is None:
            continue
        kind = f"esc:{alert.id}:{escalation.level}"
        delivery = await services.deliveries.begin(target.staff_id, alert.as_of, kind)
        if delivery is None:
            continue
        view = escalation_view(
            escalation,
            target.language,
            services.alerts.today(),
            minutes=minutes,
            by_name=by_name,
            with_reassign=target.role == "supervisor",
        )
        try:
            sent = await send_view(context.bot, target.telegram_user_id, view)
        except TelegramError as exc:
            await services.deliveries.fail(delivery.id, exc.message)
            log.warning("escalation ping could not be delivered: %s", exc.message)
            continue
        await services.deliveries.complete(delivery.id, sent.message_id)
        await services.alerts.record_ping(alert.id, escalation.level, target.staff_id)


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


async def on_escalation_action(update: Update, context: AppContext) -> None:
    """A supervisor's (or admin's) buttons on an escalation ping."""
    query = update.callback_query
    if query is None:
        return
    staff = context.require_staff()
    alerts = context.services.alerts
    language = context.language
    try:
        action = EscalationAction.unpack(query.data or "")
        if action.action == "ack":
            view = await alerts.acknowledge(action.alert_id, staff)
            await query.answer(t(language, "alert_ack_toast"))
            body = _ping_body(view, context, staff.role)
            line = t(language, "alert_status_acknowledged", by=escape(staff.name))
            await _edit(query, View(body.text + "\n\n" + line))
        elif action.action == "re":
            view, teammates = await alerts.teammates(action.alert_id, staff)
            if not view.is_open:
                raise UsageError("closed")
            await query.answer()
            body = _ping_body(view, context, staff.role)
            await _edit(query, teammates_view(view, teammates, language, body.text))
        else:
            view = await alerts.reassign(action.alert_id, staff, action.staff_id)
            await query.answer(t(language, "esc_reassigned_toast", name=view.manager_name)[:190])
            body = _ping_body(view, context, staff.role)
            line = t(language, "esc_reassigned", name=escape(view.manager_name))
            await _edit(query, View(body.text + "\n\n" + line))
            state = context.bot_data.scheduler
            if state is not None and state.kick is not None:
                state.kick()  # deliver to the new owner now, not at the next sweep
    except (CallbackDataError, NotFoundError, NotAuthorizedError, UsageError) as exc:
        await query.answer(_refusal(exc, language))


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(on_alert_action, pattern=AlertAction.matches))
    app.add_handler(CallbackQueryHandler(on_escalation_action, pattern=EscalationAction.matches))
