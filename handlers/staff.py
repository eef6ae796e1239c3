"""/staff — for admins: the staff list with their role and state, a 停用 (deactivate) and a
解绑 (unbind) button per person; the reason is asked as the next message (the one pending-step
mechanism, handlers/session.py).

A deactivation moves the leaver's open alerts and follow-ups to her supervisor in the same
transaction (crm/staff.py), journaled; the supervisor is told on the one outgoing path. The
leaver's, or the unbound account's, next message or press is refused by the guard at once: the
service clears its lookup cache, and her command menu is reduced to /start.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from crm.errors import AlreadyClosedError, NotAuthorizedError, NotFoundError, UsageError
from crm.staff import REASON_LIMIT, Handover, StaffMember
from handlers import session
from handlers.buttons import Press, button
from handlers.buttons_staff import StaffAction
from handlers.context import AppContext
from handlers.i18n import t
from handlers.render import View
from handlers.render.staff import (
    deactivated_view,
    handover_view,
    reason_prompt_text,
    staff_list_view,
    unbound_text,
)
from handlers.reply import reply_view
from handlers.roles import clear_menu
from knowledge_base.text import clean_text

PENDING_KIND = "staff_reason"


async def cmd_staff(update: Update, context: AppContext) -> None:
    """The staff list, first page (the guard lets only admins through)."""
    message = update.effective_message
    if message is None:
        return
    viewer = context.require_staff()
    members = await context.services.staff.list_staff(viewer)
    await reply_view(message, staff_list_view(members, viewer, context.language))


@button(StaffAction)
async def on_staff_action(press: Press[StaffAction], context: AppContext) -> None:
    """A page, or 停用 / 解绑: ask for the reason as the next message."""
    services = context.services
    viewer = press.staff
    action = press.button
    language = context.language
    if action.action == "page":
        members = await services.staff.list_staff(viewer)  # NotAuthorizedError: expired
        await press.edit(staff_list_view(members, viewer, language, int(action.ref)))
        return
    await services.staff.list_staff(viewer)  # still an active admin (else 「按钮已过期」)
    target = await services.staff.get(action.ref)
    refusal = _refusal(action.action, target, viewer, language)
    if refusal is not None:
        await press.answer(refusal, alert=True)
        return
    session.set_pending(
        context, session.Pending(PENDING_KIND, extra=f"{action.action}:{target.staff_id}")
    )
    await press.answer()
    await reply_view(press.message, View(reason_prompt_text(action.action, target, language)))


def _refusal(action: str, target: StaffMember, viewer: StaffMember, language: str) -> str | None:
    labels = {"name": target.name, "staff_id": target.staff_id}
    if action == "off" and target.staff_id == viewer.staff_id:
        return t(language, "staff_not_self")
    if action == "off" and not target.active:
        return t(language, "staff_already_off", **labels)
    if action == "unbind" and target.telegram_user_id is None:
        return t(language, "staff_already_unbound", **labels)
    return None


async def on_reason(update: Update, context: AppContext) -> None:
    """The next message after 停用 / 解绑: the reason; then do it and say what happened."""
    message = update.effective_message
    step = session.pending(context)
    if message is None or step is None or step.extra is None:
        return
    language = context.language
    reason = clean_text(message.text or "")
    if not reason:
        await reply_view(message, View(t(language, "staff_reason_empty")))
        return  # the step stays: the next message is the reason
    if len(reason) > REASON_LIMIT:
        await reply_view(message, View(t(language, "staff_reason_too_long", limit=REASON_LIMIT)))
        return
    session.set_pending(context, None)
    action, staff_id = step.extra.split(":", 1)
    admin = context.require_staff()
    services = context.services
    try:
        before = await services.staff.get(staff_id)
        if action == "off":
            handover = await services.staff.deactivate(staff_id, by=admin.staff_id, reason=reason)
        else:
            member = await services.staff.unbind(staff_id, by=admin.staff_id, reason=reason)
    except (AlreadyClosedError, NotFoundError, NotAuthorizedError, UsageError):
        # Someone else got there first (or her rights changed): show the list as it is now.
        await cmd_staff(update, context)
        return
    if before.telegram_user_id is not None:
        await clear_menu(context.application, context.bot, before.telegram_user_id, before.language)
    if action == "off":
        await reply_view(message, deactivated_view(handover, reason, language))
        await _tell_supervisor(context, handover, reason)
    else:
        await reply_view(message, View(unbound_text(member, reason, language)))


async def _tell_supervisor(context: AppContext, handover: Handover, reason: str) -> None:
    """The supervisor hears what is now hers, on the one outgoing path (once per leaver a day)."""
    boss = handover.supervisor
    state = context.bot_data.scheduler
    if boss is None or state is None:
        return
    await state.outbox.deliver(
        boss,
        context.services.alerts.today(),
        f"ho:{handover.staff.staff_id}",
        handover_view(handover, reason, boss.language),
        urgent=True,
        wait=True,
    )


def register(app: Application) -> None:
    app.add_handler(CommandHandler("staff", cmd_staff))
    app.add_handler(session.PendingStepHandler(app, PENDING_KIND, on_reason))
    app.add_handler(CallbackQueryHandler(on_staff_action, pattern=StaffAction.matches))
