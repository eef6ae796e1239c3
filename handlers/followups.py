"""/todo, the card's ⏰ button, the confirmation, /todos with ✅ done and ⏰ snooze.

Nothing is saved before the manager confirms the resolved date and time. The confirmation quotes
the request message; ✅ reads the request back from `callback_query.message.reply_to_message`
(restart-proof, no server-side draft) while its packed data carries the client, the request's
message id and the confirmed due minute. Saving is idempotent on the request (chat, message id),
so a second press or a replayed update shows the same 「已保存 #id」. The ⏰ flow keeps one
in-memory step ("the next message is the follow-up for client X"); only that prompt is lost on a
restart, never a confirmation.
"""

from __future__ import annotations

import re
from html import escape
from types import SimpleNamespace
from typing import Any

from telegram import CallbackQuery, Message, ReplyParameters, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from crm.errors import NotAuthorizedError, NotFoundError, UsageError
from crm.followups import AmbiguousClientError, FollowUpDraft, request_parts
from crm.when import WhenError
from handlers import session
from handlers.buttons_client import CardAction
from handlers.buttons_followups import DraftAction, TodoAction, from_minute
from handlers.callback_data import pressed_button, quoted_message
from handlers.context import AppContext
from handlers.i18n import t
from handlers.render import View
from handlers.render.followups import (
    ask_view,
    cancelled_view,
    closed_view,
    confirm_view,
    done_view,
    list_view,
    pick_client_view,
    saved_view,
    snooze_choice_view,
    snoozed_view,
    usage_view,
    when_error_view,
)
from handlers.reply import answer_expired, keyboard, reply_view

PENDING_KIND = "followup"
PAGE_SIZE = 10
_COMMAND = re.compile(r"^/\S*\s?")


def command_argument(text: str | None) -> str:
    """What follows the command word: "/todo 张伟 明天 回电" → "张伟 明天 回电"."""
    value = text or ""
    return _COMMAND.sub("", value, count=1) if value.startswith("/") else value


# ----------------------------------------------------------------------------- requests


async def cmd_todo(update: Update, context: AppContext) -> None:
    """`/todo <client> <when> <what>` → a confirmation with the resolved date and time."""
    message = update.message
    if message is None:
        return
    request = command_argument(message.text)
    if not request.strip():
        await reply_view(message, usage_view(context.language))
        return
    await _draft_and_confirm(message, context, request, client_id=None)


async def on_card_follow_up(update: Update, context: AppContext) -> None:
    """⏰ on a client card: ask "when, and what?"; the next message is the answer."""
    query = update.callback_query
    if query is None:
        return
    button = pressed_button(query, CardAction)
    if button is None or not isinstance(query.message, Message):
        await answer_expired(query, context.language)
        return
    try:
        client = await context.services.followups.client(button.client_id, context.require_staff())
    except (NotFoundError, NotAuthorizedError):
        await answer_expired(query, context.language)
        return
    session.set_pending(context, session.Pending(PENDING_KIND, client_id=client.client_id))
    await query.answer()
    await reply_view(query.message, ask_view(client.name, context.language))


async def on_follow_up_message(update: Update, context: AppContext) -> None:
    """The message after ⏰: "<when> <what>" for the client of the pending step."""
    message = update.message
    step = session.pending(context)
    if message is None or step is None or step.client_id is None:
        return
    retried = step.extra == "retry"
    session.set_pending(context, None)
    ok = await _draft_and_confirm(message, context, message.text or "", client_id=step.client_id)
    if not ok and not retried:  # one more try before the step is dropped
        session.set_pending(
            context, session.Pending(PENDING_KIND, client_id=step.client_id, extra="retry")
        )


async def _draft_and_confirm(
    message: Message, context: AppContext, request: str, *, client_id: str | None
) -> bool:
    """Reply with the confirmation (quoting the request) or a helpful refusal; True if drafted."""
    language = context.language
    staff = context.require_staff()
    try:
        draft = await context.services.followups.draft(request, staff, client_id=client_id)
    except AmbiguousClientError as exc:
        query_word, _ = request_parts(request, names_client=True)
        view = pick_client_view(query_word, exc.matches, message.message_id, language)
        await _reply_quoting(message, view)
        return False
    except WhenError as exc:
        await reply_view(message, when_error_view(exc.reason, language))
        return False
    except NotFoundError:
        query_word, _ = request_parts(request, names_client=True)
        await reply_view(message, View(t(language, "fu_client_not_found", query=_esc(query_word))))
        return False
    except NotAuthorizedError:
        key = "fu_not_your_client" if client_id is not None else "fu_no_book"
        await reply_view(message, View(t(language, key)))
        return False
    except UsageError as exc:
        await reply_view(message, _usage_error_view(exc, language))
        return False
    await _reply_quoting(message, confirm_view(draft, message.message_id, staff.timezone, language))
    return True


def _usage_error_view(exc: UsageError, language: str) -> View:
    reason = str(exc)
    if reason == "too_long":
        return View(t(language, "fu_too_long"))
    return usage_view(language)


# ----------------------------------------------------------------------------- confirmation


async def on_draft_button(update: Update, context: AppContext) -> None:
    """✅ saves, ✖️ cancels, a client pick turns into the confirmation."""
    query = update.callback_query
    if query is None:
        return
    button = pressed_button(query, DraftAction)
    request = quoted_message(query, unedited=True)
    message = query.message
    if (
        button is None
        or request is None
        or request.message_id != button.message_id
        or not isinstance(message, Message)
    ):
        await answer_expired(query, context.language)
        return
    language = context.language
    staff = context.require_staff()
    if button.action == "no":
        await query.answer()
        await _edit(query, cancelled_view(language))
        return
    names_client = (request.text or "").startswith("/")
    request_text = command_argument(request.text) if names_client else request.text or ""
    if button.action == "pick":
        await _pick(query, context, button, request_text)
        return
    try:
        saved = await context.services.followups.create(
            staff,
            client_id=button.client_id,
            request=request_text,
            names_client=names_client,
            due_at=from_minute(button.due),
            chat_id=message.chat_id,
            message_id=request.message_id,
        )
    except WhenError as exc:
        await query.answer()
        await _edit(query, when_error_view(exc.reason, language))
        return
    except (NotFoundError, NotAuthorizedError, UsageError):
        await answer_expired(query, language)
        return
    await query.answer()
    await _edit(query, saved_view(saved.follow_up, staff.timezone, language))


async def _pick(
    query: CallbackQuery, context: AppContext, button: DraftAction, request_text: str
) -> None:
    """The manager chose the client of an ambiguous /todo: show the confirmation instead."""
    language = context.language
    staff = context.require_staff()
    _, when_and_what = request_parts(request_text, names_client=True)
    try:
        draft: FollowUpDraft = await context.services.followups.draft(
            when_and_what, staff, client_id=button.client_id
        )
    except WhenError as exc:
        await query.answer()
        await _edit(query, when_error_view(exc.reason, language))
        return
    except (NotFoundError, NotAuthorizedError, UsageError):
        await answer_expired(query, language)
        return
    await query.answer()
    await _edit(query, confirm_view(draft, button.message_id, staff.timezone, language))


# ----------------------------------------------------------------------------- /todos


async def cmd_todos(update: Update, context: AppContext) -> None:
    """Open follow-ups, soonest first, with ✅ done and ⏰ later per item."""
    message = update.message
    if message is None:
        return
    staff = context.require_staff()
    page = await context.services.followups.list_open(staff, limit=PAGE_SIZE)
    now = context.services.followups.now()
    await reply_view(message, list_view(page, now, staff.timezone, context.language))


async def on_todo_button(update: Update, context: AppContext) -> None:
    """✅ / ⏰ on a list or a reminder, "more" on a list; re-authorised by the service."""
    query = update.callback_query
    if query is None:
        return
    button = pressed_button(query, TodoAction)
    if button is None or not isinstance(query.message, Message):
        await answer_expired(query, context.language)
        return
    language = context.language
    staff = context.require_staff()
    services = context.services.followups
    zone = staff.timezone
    try:
        if button.action == "more":
            page = await services.list_open(staff, offset=button.number, limit=PAGE_SIZE)
            await query.answer()
            await reply_view(query.message, list_view(page, services.now(), zone, language))
        elif button.action == "later":
            item = await services.get(button.number, staff)
            await query.answer()
            view = snooze_choice_view(item, zone, language) if item.status == "open" else None
            await reply_view(query.message, view or closed_view(language))
        elif button.action in ("done", "fin"):
            item = await services.complete(button.number, staff)
            await query.answer(t(language, "fu_done_toast", id=item.id))
            if button.action == "fin":
                await _edit(query, done_view(item, zone, language))
            else:
                page = await services.list_open(staff, limit=PAGE_SIZE)
                await _edit(query, list_view(page, services.now(), zone, language))
        else:
            option = "hour" if button.action == "hour" else "tomorrow"
            item = await services.snooze(button.number, staff, option)
            view = snoozed_view(item, zone, language)
            await query.answer()
            await _edit(query, view)
    except (NotFoundError, NotAuthorizedError):
        await answer_expired(query, language)
    except UsageError:  # snoozing something already done
        await query.answer(t(language, "fu_closed")[:190])
        await _edit(query, closed_view(language))


# ----------------------------------------------------------------------------- helpers


async def _reply_quoting(message: Message, view: View) -> None:
    """Reply quoting the request, so a later press can read it back (short views only)."""
    await message.get_bot().send_message(
        message.chat_id,
        view.text,
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard(view),
        reply_parameters=ReplyParameters(message.message_id, allow_sending_without_reply=True),
    )


async def _edit(query: CallbackQuery, view: View) -> None:
    await query.edit_message_text(view.text, parse_mode=ParseMode.HTML, reply_markup=keyboard(view))


def _esc(text: str) -> str:
    return escape(text[:64])


class _AwaitingFollowUp(filters.MessageFilter):
    """Plain messages from someone whose pending step is the follow-up of a card's ⏰."""

    def __init__(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        super().__init__(name="awaiting_follow_up")
        self._app = app

    def filter(self, message: Message) -> bool:
        user = message.from_user
        if user is None:
            return False
        data = self._app.user_data.get(user.id)
        if not data:
            return False
        step = session.pending(SimpleNamespace(user_data=data))
        return step is not None and step.kind == PENDING_KIND


def register(app: Application) -> None:
    """Commands and buttons; the ⏰ follow-up step must come before the plain-text question."""
    app.add_handler(CommandHandler("todo", cmd_todo))
    app.add_handler(CommandHandler("todos", cmd_todos))
    app.add_handler(
        CallbackQueryHandler(
            on_card_follow_up, pattern=lambda data: CardAction.matches_action(data, "fu")
        )
    )
    app.add_handler(CallbackQueryHandler(on_draft_button, pattern=DraftAction.matches))
    app.add_handler(CallbackQueryHandler(on_todo_button, pattern=TodoAction.matches))
    app.add_handler(
        MessageHandler(
            filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND & _AwaitingFollowUp(app),
            on_follow_up_message,
        )
    )
