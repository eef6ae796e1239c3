"""/today — the morning briefing on demand (supervisors: the team digest) — and its buttons."""

from __future__ import annotations

from datetime import date

from telegram import Message, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from handlers.buttons import Press, button
from handlers.buttons_proactive import BriefingAction
from handlers.callback_data import CallbackDataError
from handlers.context import AppContext
from handlers.i18n import t
from handlers.render.briefing import briefing_view, digest_view
from handlers.reply import reply_view
from handlers.tickets import ask_resolution

DONE_KINDS = {"a": "alert", "f": "followup"}  # t (ticket): asks for the resolution


async def cmd_today(update: Update, context: AppContext) -> None:
    """Today's ranked priority list, the same message the morning job sends."""
    message = update.effective_message
    if message is None:
        return
    staff = context.require_staff()
    briefings = context.services.briefings
    if staff.role == "supervisor":
        digest = await briefings.digest(staff.staff_id)
        await reply_view(message, digest_view(digest, context.language))
        return
    briefing = await briefings.compose(staff.staff_id)
    size = briefings.config.briefing_top_items
    await reply_view(message, briefing_view(briefing, context.language, size=size, on_demand=True))


@button(BriefingAction)
async def on_briefing_action(press: Press[BriefingAction], context: AppContext) -> None:
    """ "More" pages the briefing; ✅ marks an item done (re-authorised on every press)."""
    briefings = context.services.briefings
    action = press.button
    if action.action == "more":
        if not isinstance(press.query.message, Message):
            raise CallbackDataError("message too old")
        briefing = await briefings.compose(press.staff.staff_id, _day(action.ref))
        view = briefing_view(
            briefing,
            context.language,
            page=min(action.page, briefing.pages(briefings.config.briefing_page_size) - 1),
            size=briefings.config.briefing_page_size,
            on_demand=True,
        )
        await press.answer()
        await press.edit(view)
        return
    if action.kind == "t":  # a ticket closes only with its resolution (a button sent earlier)
        await ask_resolution(press, context, action.ref)
        return
    label = await briefings.mark_done(press.staff, DONE_KINDS[action.kind], action.ref)
    await press.answer(t(context.language, "brief_done", label=label)[:190])


def _day(ref: str) -> date:
    """The briefing day of a "more" button (yyyymmdd); anything else is forged."""
    try:
        return date(int(ref[:4]), int(ref[4:6]), int(ref[6:8]))
    except ValueError as exc:
        raise CallbackDataError(f"not a day: {ref!r}") from exc


def register(app: Application) -> None:
    app.add_handler(CommandHandler("today", cmd_today))
    app.add_handler(CallbackQueryHandler(on_briefing_action, pattern=BriefingAction.matches))
