"""/today — the morning briefing on demand (supervisors: the team digest) — and its buttons."""

from __future__ import annotations

import contextlib
from datetime import date

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from crm.errors import NotAuthorizedError, NotFoundError, UsageError
from handlers.buttons_proactive import BriefingAction
from handlers.callback_data import CallbackDataError
from handlers.context import AppContext
from handlers.i18n import t
from handlers.render.briefing import briefing_view, digest_view
from handlers.reply import keyboard, reply_view

DONE_KINDS = {"a": "alert", "f": "followup", "t": "ticket"}


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


async def on_briefing_action(update: Update, context: AppContext) -> None:
    """ "More" pages the briefing; ✅ marks an item done (re-authorised on every press)."""
    query = update.callback_query
    if query is None:
        return
    staff = context.require_staff()
    briefings = context.services.briefings
    try:
        action = BriefingAction.unpack(query.data or "")
        if action.action == "more":
            if not isinstance(query.message, Message):
                raise CallbackDataError("message too old")
            day = date(int(action.ref[:4]), int(action.ref[4:6]), int(action.ref[6:8]))
            briefing = await briefings.compose(staff.staff_id, day)
            view = briefing_view(
                briefing,
                context.language,
                page=min(action.page, briefing.pages(briefings.config.briefing_page_size) - 1),
                size=briefings.config.briefing_page_size,
                on_demand=True,
            )
            await query.answer()
            with contextlib.suppress(BadRequest):  # not modified: the same choice twice
                await query.edit_message_text(
                    view.text, parse_mode="HTML", reply_markup=keyboard(view)
                )
            return
        label = await briefings.mark_done(staff, DONE_KINDS[action.kind], action.ref)
    except (CallbackDataError, NotFoundError, NotAuthorizedError, UsageError, ValueError):
        await query.answer(t(context.language, "button_expired"))
        return
    await query.answer(t(context.language, "brief_done", label=label)[:190])


def register(app: Application) -> None:
    app.add_handler(CommandHandler("today", cmd_today))
    app.add_handler(CallbackQueryHandler(on_briefing_action, pattern=BriefingAction.matches))
