"""/tickets and the ticket buttons: ✅ 已响应, ✅ 已解决 (the next message is the one-line
resolution: a pending step), 转派 (a supervisor picks a teammate; one tap on a breach ping).
Every press is re-authorised by TicketService; a second press answers "already done"."""

from __future__ import annotations

from html import escape
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from crm.staff import StaffMember
from crm.tickets import TicketView, ledger_kind
from handlers import session
from handlers.buttons import Press, button
from handlers.buttons_tickets import TicketAction
from handlers.context import AppContext
from handlers.errors import maps_errors
from handlers.i18n import t
from handlers.render import View, user_text
from handlers.render.tickets import teammates_view, ticket_view, tickets_view
from handlers.reply import reply_view

RESOLUTION_STEP = "ticket_resolution"


@maps_errors("tickets")
async def cmd_tickets(update: Update, context: AppContext) -> None:
    """Her open tickets (a supervisor: her team's), most urgent first, with the time left."""
    message = update.message
    if message is None:
        return
    staff = context.require_staff()
    tickets = context.services.tickets
    found = await tickets.open_tickets(staff)
    await reply_view(message, tickets_view(found, staff, tickets.clock(), context.language))


async def _redraw(press: Press[TicketAction], context: AppContext, view: TicketView) -> None:
    """After a change: the list again (src l), or the ticket message with its status line."""
    tickets = context.services.tickets
    staff, language = press.staff, context.language
    if press.button.src == "l":
        found = await tickets.open_tickets(staff)
        await press.edit(tickets_view(found, staff, tickets.clock(), language))
        return
    line = t(language, "ticket_responded_line", name=escape(staff.name))
    await press.edit(ticket_view(view, tickets.clock(), language, staff.timezone, status=line))


@button(TicketAction, feature="tickets")
async def on_ticket_action(press: Press[TicketAction], context: AppContext) -> None:
    tickets = context.services.tickets
    staff, language = press.staff, context.language
    action = press.button
    if action.action == "rsp":
        view = await tickets.respond(action.ticket_id, staff)
        await press.answer(t(language, "ticket_responded_toast"))
        await _redraw(press, context, view)
    elif action.action == "res":
        await ask_resolution(press, context, action.ticket_id)
    elif action.action == "re":
        view, teammates = await tickets.teammates(action.ticket_id, staff)
        await press.answer()
        await reply_view(press.message, teammates_view(view, teammates, language))
    else:
        view, owner = await tickets.reassign(action.ticket_id, staff, action.staff_id or "")
        name = escape(owner.name)
        await press.answer(t(language, "ticket_reassigned_toast", name=owner.name)[:190])
        body = press.message.text_html or ""
        await press.edit(View(f"{body}\n\n{t(language, 'ticket_reassigned_line', name=name)}"))
        await notify_owner(context, view, owner)


async def ask_resolution(press: Press[Any], context: AppContext, ticket_id: str) -> None:
    """✅ 已解决 (here or on a briefing item): the next message is the one-line resolution; no
    ticket is closed without one."""
    view = await context.services.tickets.resolvable(ticket_id, press.staff)
    session.set_pending(context, session.Pending(RESOLUTION_STEP, extra=view.ticket_id))
    await press.answer()
    prompt = t(
        context.language,
        "ticket_resolve_prompt",
        ticket_id=escape(view.ticket_id),
        client=escape(view.client_name),
    )
    await reply_view(press.message, View(prompt))


async def notify_owner(context: AppContext, view: TicketView, owner: StaffMember) -> None:
    """Tell the new owner at once, on the one outgoing path (ledger kind tk:<id> per owner);
    the sweep sends it later if this process cannot."""
    state = context.bot_data.scheduler
    if state is None:  # pragma: no cover - build_application always installs the scheduler
        return
    tickets = context.services.tickets
    message = ticket_view(view, tickets.clock(), owner.language, owner.timezone, handed=True)

    async def record(settled: str) -> None:
        await tickets.mark_notified(view.ticket_id, owner.staff_id)

    await state.outbox.deliver(
        owner,
        tickets.today(),
        ledger_kind("tk", view.ticket_id),
        message,
        urgent=True,
        on_settled=record,
    )


@maps_errors("tickets")
async def on_resolution_message(update: Update, context: AppContext) -> None:
    """The message after ✅ 已解决: the one-line resolution, stored and journaled."""
    message = update.message
    step = session.pending(context)
    if message is None or step is None or step.extra is None:
        return
    staff = context.require_staff()
    view = await context.services.tickets.resolve(step.extra, staff, message.text or "")
    session.set_pending(context, None)
    text = t(
        context.language,
        "ticket_resolved",
        ticket_id=escape(view.ticket_id),
        resolution=user_text(view.resolution or ""),
    )
    await reply_view(message, View(text))


def register(app: Application) -> None:
    app.add_handler(CommandHandler("tickets", cmd_tickets))
    app.add_handler(CallbackQueryHandler(on_ticket_action, pattern=TicketAction.matches))
    app.add_handler(session.PendingStepHandler(app, RESOLUTION_STEP, on_resolution_message))
