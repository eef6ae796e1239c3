"""/todo, the card's ⏰ button, the confirmation, /todos with ✅ done and ⏰ snooze.

Nothing is saved before the manager confirms the resolved date and time. The confirmation quotes
the request message; ✅ reads the request back from `callback_query.message.reply_to_message`
(restart-proof, no server-side draft) while its packed data carries the client, the request's
message id and the confirmed due minute. A request edited before ✅ voids its confirmation (the
press says so and to send /todo again; a task saved before the edit stays). Saving is
idempotent on the request (chat, message id), so a second press or a replayed update shows the
same 「已保存 #id」. The ⏰ flow keeps one in-memory step ("the next message is the follow-up
for client X"); only that prompt is lost on a restart, never a confirmation. Tasks from alerts (issue 14) sit in /todos like any other; a
greeting task's 🎉 shows its approved template filled for the client, ready to copy.
"""

from __future__ import annotations

from telegram import Message, ReplyParameters, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from crm.alert_tasks import NoGreetingTemplateError, TemplatePlaceholderError
from crm.errors import AmbiguousClientError, NotFoundError
from crm.followups import FollowUpDraft, request_parts
from handlers import session
from handlers.buttons import Press, button
from handlers.buttons_client import CardAction
from handlers.buttons_followups import DraftAction, TodoAction, from_minute
from handlers.callback_data import CallbackDataError, quoted_message
from handlers.commands import command_argument
from handlers.context import AppContext
from handlers.errors import maps_errors
from handlers.i18n import t
from handlers.message_keys import bot_id
from handlers.render import View
from handlers.render.edits import todo_confirmation_void_view
from handlers.render.followups import (
    ask_view,
    cancelled_view,
    closed_view,
    confirm_view,
    done_view,
    greeting_refused_view,
    greeting_view,
    list_view,
    pick_client_view,
    saved_view,
    snooze_choice_view,
    snoozed_view,
    usage_view,
)
from handlers.reply import keyboard, reply_view

PENDING_KIND = "followup"
PAGE_SIZE = 10


# ----------------------------------------------------------------------------- requests


@maps_errors("followups")
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


@button(CardAction, on_message=True)
async def on_card_follow_up(press: Press[CardAction], context: AppContext) -> None:
    """⏰ on a client card: ask "when, and what?"; the next message is the answer."""
    message = press.message
    client = await context.services.followups.client(press.button.client_id, press.staff)
    session.set_pending(context, session.Pending(PENDING_KIND, client_id=client.client_id))
    await press.answer()
    await reply_view(message, ask_view(client.name, context.language))


@maps_errors("followups")
async def on_follow_up_message(update: Update, context: AppContext) -> None:
    """The message after ⏰: "<when> <what>" for the client of the pending step; a refusal
    leaves one more try before the step is dropped."""
    message = update.message
    step = session.pending(context)
    if message is None or step is None or step.client_id is None:
        return
    retry = session.Pending(PENDING_KIND, client_id=step.client_id, extra="retry")
    session.set_pending(context, None if step.extra == "retry" else retry)
    await _draft_and_confirm(message, context, message.text or "", client_id=step.client_id)
    session.set_pending(context, None)


async def _draft_and_confirm(
    message: Message, context: AppContext, request: str, *, client_id: str | None
) -> None:
    """Reply with the confirmation (quoting the request), or several clients to pick from;
    refusals are the feature's mapped errors."""
    language = context.language
    staff = context.require_staff()
    try:
        draft = await context.services.followups.draft(request, staff, client_id=client_id)
    except AmbiguousClientError as exc:  # not a refusal: she picks the client
        query_word, _ = request_parts(request, names_client=True)
        view = pick_client_view(query_word, exc.matches, message.message_id, language)
        await _reply_quoting(message, view)
        return
    await _reply_quoting(message, confirm_view(draft, message.message_id, staff.timezone, language))


# ----------------------------------------------------------------------------- confirmation


@button(DraftAction, feature="followups", on_message=True)
async def on_draft_button(press: Press[DraftAction], context: AppContext) -> None:
    """✅ saves, ✖️ cancels, a client pick turns into the confirmation."""
    request = quoted_message(press.query)
    message = press.message
    if request is None or request.message_id != press.button.message_id:
        raise CallbackDataError("not the confirmation of this request")
    language = context.language
    staff = press.staff
    if press.button.action == "no":
        await press.answer()
        await press.edit(cancelled_view(language))
        return
    if request.edit_date is not None:
        await _edited_request(press, context)
        return
    names_client = (request.text or "").startswith("/")
    request_text = command_argument(request.text) if names_client else request.text or ""
    if press.button.action == "pick":
        await _pick(press, context, request_text)
        return
    saved = await context.services.followups.create(
        staff,
        client_id=press.button.client_id,
        request=request_text,
        names_client=names_client,
        due_at=from_minute(press.button.due),
        bot_id=bot_id(context),
        chat_id=message.chat_id,
        message_id=request.message_id,
    )
    if saved.created:
        await press.answer()
    else:  # a second press (or a redelivered one): already done, nothing new saved
        await press.answer(t(language, "fu_already_saved", id=saved.follow_up.id))
    await press.edit(saved_view(saved.follow_up, staff.timezone, language))


async def _edited_request(press: Press[DraftAction], context: AppContext) -> None:
    """Her request was edited after this confirmation was shown, so the task shown is no longer
    what her message says: a task saved before the edit stays (the press says so); otherwise
    the confirmation is void, nothing is saved, and she is told to send /todo again."""
    language, staff = context.language, press.staff
    saved = await context.services.followups.for_request(
        staff,
        bot_id=bot_id(context),
        chat_id=press.message.chat_id,
        message_id=press.button.message_id,
    )
    if saved is not None:
        await press.answer(t(language, "fu_already_saved", id=saved.id))
        await press.edit(saved_view(saved, staff.timezone, language))
        return
    await press.answer(t(language, "edit_todo_request_changed"))
    await press.edit(todo_confirmation_void_view(language))


async def _pick(press: Press[DraftAction], context: AppContext, request_text: str) -> None:
    """The manager chose the client of an ambiguous /todo: show the confirmation instead."""
    _, when_and_what = request_parts(request_text, names_client=True)
    draft: FollowUpDraft = await context.services.followups.draft(
        when_and_what, press.staff, client_id=press.button.client_id
    )
    await press.answer()
    view = confirm_view(draft, press.button.message_id, press.staff.timezone, context.language)
    await press.edit(view)


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


@button(TodoAction, feature="followups", on_message=True)
async def on_todo_button(press: Press[TodoAction], context: AppContext) -> None:
    """✅ / ⏰ on a list or a reminder, "more" on a list; re-authorised by the service."""
    message = press.message
    language = context.language
    staff = press.staff
    services = context.services.followups
    zone = staff.timezone
    action, number = press.button.action, press.button.number
    if action == "more":
        page = await services.list_open(staff, offset=number, limit=PAGE_SIZE)
        await press.answer()
        await reply_view(message, list_view(page, services.now(), zone, language))
    elif action == "later":
        item = await services.get(number, staff)
        await press.answer()
        view = snooze_choice_view(item, zone, language) if item.status == "open" else None
        await reply_view(message, view or closed_view(language))
    elif action == "greet":
        await _show_greeting(press, context, number)
    elif action in ("done", "fin"):
        item = await services.complete(number, staff)
        await press.answer(t(language, "fu_done_toast", id=item.id))
        if action == "fin":
            await press.edit(done_view(item, zone, language))
        else:
            page = await services.list_open(staff, limit=PAGE_SIZE)
            await press.edit(list_view(page, services.now(), zone, language))
    else:
        option = "hour" if action == "hour" else "tomorrow"
        key = _claim_snooze(context, message, number)
        if key is None:  # this choice was pressed already: a second snooze would move it again
            await press.answer(t(language, "fu_snooze_already"))
            return
        try:
            item = await services.snooze(number, staff, option)
        except Exception:
            _release_snooze(context, key)  # nothing changed: she may press again
            raise
        await press.answer()
        await press.edit(snoozed_view(item, zone, language))


async def _show_greeting(press: Press[TodoAction], context: AppContext, follow_up_id: int) -> None:
    """🎉 on a greeting task: its approved template filled for the client, as a new message."""
    tasks = context.services.alert_delivery.tasks
    if tasks is None:
        raise NotFoundError(str(follow_up_id))  # no tasks from alerts here: 「按钮已过期」
    language = context.language
    try:
        view = greeting_view(await tasks.greeting(follow_up_id, press.staff), language)
    except (NoGreetingTemplateError, TemplatePlaceholderError) as exc:  # refused, never half-filled
        view = greeting_refused_view(exc, language)
    await press.answer()
    await reply_view(press.message, view)


# ----------------------------------------------------------------------------- helpers

SNOOZE_PRESSES = "snooze_presses"
MAX_SNOOZE_PRESSES = 256
SnoozePress = tuple[int, int, int]


def _claim_snooze(context: AppContext, message: Message, follow_up_id: int) -> SnoozePress | None:
    """Claim the snooze of follow_up_id from this choice message; None if it was pressed
    already (a double tap, or a press delivered twice). A snooze is relative ("an hour later"),
    so unlike ✅ done it is not idempotent by itself. Remembered per chat in this process."""
    store = context.chat_data
    if store is None:
        return (0, 0, follow_up_id)
    claimed: dict[SnoozePress, None] = store.setdefault(SNOOZE_PRESSES, {})
    key = (bot_id(context), message.message_id, follow_up_id)
    if key in claimed:
        return None
    claimed[key] = None
    while len(claimed) > MAX_SNOOZE_PRESSES:
        claimed.pop(next(iter(claimed)))
    return key


def _release_snooze(context: AppContext, key: SnoozePress) -> None:
    if context.chat_data is not None:
        context.chat_data.get(SNOOZE_PRESSES, {}).pop(key, None)


async def _reply_quoting(message: Message, view: View) -> None:
    """Reply quoting the request, so a later press can read it back (short views only)."""
    await message.get_bot().send_message(
        message.chat_id,
        view.text,
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard(view),
        reply_parameters=ReplyParameters(message.message_id, allow_sending_without_reply=True),
    )


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
    app.add_handler(session.PendingStepHandler(app, PENDING_KIND, on_follow_up_message))
