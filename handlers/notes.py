"""Notes: `/note <client> <text>`, 📝 on a card then the next message (text or voice), edits of
that message (revisions) and ↩️ undo.

The "next message" step is claimed by `PendingStepHandler`, which matches only while the sender's
pending step is "note", so other features' plain-text handlers (questions) are untouched
otherwise. A redelivered note message is recognised from the database (not from memory, so it
also works after a restart) in an early group. Edits run in their own group so other features
may see them too.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from crm.errors import NotAuthorizedError, NotFoundError, UsageError
from crm.notes import (
    MAX_NOTE_CHARS,
    NoteDeletedError,
    NoteSaved,
    NoteTooLongError,
    UndoWindowClosedError,
    clean_note_text,
)
from handlers.buttons_client import NoteStart, NoteUndo
from handlers.callback_data import CallbackDataError
from handlers.clients import command_argument
from handlers.context import AppContext
from handlers.i18n import role_name, t
from handlers.render.clients import none_view
from handlers.render.notes import (
    ambiguous_view,
    prompt_view,
    revised_view,
    saved_view,
    undo_expired_text,
    undone_text,
)
from handlers.reply import answer_expired, reply_view
from handlers.session import Pending, pending, set_current_client, set_pending
from knowledge_base.answering import AnswerService, Citation, Decision

REPLAY_GROUP = -40  # after the guard (-100), before every feature's group 0
EDIT_GROUP = 5  # after group 0, so other features can see edited messages too
MIN_SUGGEST_CHARS = 4
MAX_SUGGESTIONS = 2


class PendingStepHandler(MessageHandler[Any, Any]):
    """A MessageHandler that matches only while the sender's pending step is `kind`."""

    def __init__(self, app: Application, kind: str, message_filter: Any, callback: Any) -> None:
        super().__init__(message_filter, callback)
        self._app = app
        self._kind = kind

    def check_update(self, update: object) -> Any:
        matched = super().check_update(update)
        if not matched or not isinstance(update, Update) or update.effective_user is None:
            return None
        step = self._app.user_data.get(update.effective_user.id, {}).get("pending")
        if isinstance(step, Pending) and step.kind == self._kind:
            return matched
        return None


async def suggest_scripts(answers: AnswerService, text: str) -> list[Citation]:
    """Up to two approved scripts related to the note, each clearing the answer decision."""
    if len(clean_note_text(text)) < MIN_SUGGEST_CHARS:
        return []
    answer = await answers.answer(text, record_gap=False, k=3)
    if answer.decision != "answer" or answer.best is None:
        return []
    decision = Decision()
    chosen = [answer.best]
    chosen.extend(r for r in answer.alternatives if decision.should_answer(r, "hybrid"))
    return [r.citation for r in chosen[:MAX_SUGGESTIONS]]


async def _reply_saved(message: Message, context: AppContext, saved: NoteSaved) -> None:
    suggestions: list[Citation] = []
    if saved.note.kind == "text" and saved.note.deleted_at is None:
        suggestions = await suggest_scripts(context.services.answers, saved.note.text)
    await reply_view(message, saved_view(saved, suggestions, context.language))


async def _save_text(message: Message, context: AppContext, client_id: str, text: str) -> None:
    staff = context.require_staff()
    try:
        saved = await context.services.notes.add(
            client_id, staff, text, chat_id=message.chat_id, message_id=message.message_id
        )
    except NoteTooLongError as exc:
        await message.reply_text(
            t(context.language, "note_too_long", length=str(exc), limit=MAX_NOTE_CHARS)
        )
        return
    except UsageError:
        await message.reply_text(t(context.language, "note_empty"))
        return
    except (NotAuthorizedError, NotFoundError):
        await message.reply_text(t(context.language, "client_not_yours"))
        return
    set_pending(context, None)
    await _reply_saved(message, context, saved)


async def cmd_note(update: Update, context: AppContext) -> None:
    """/note <client> <text>: save a note; /note <client> alone waits for the next message."""
    message = update.effective_message
    if message is None:
        return
    staff = context.require_staff()
    argument = command_argument(message).strip()
    if not argument:
        await message.reply_text(t(context.language, "note_usage"), parse_mode=ParseMode.HTML)
        return
    parts = argument.split(maxsplit=1)
    query, body = parts[0], parts[1] if len(parts) == 2 else ""
    try:
        matches = await context.services.clients.search(query, staff)
    except NotAuthorizedError:
        role = role_name(context.language, staff.role)
        await message.reply_text(t(context.language, "client_no_book", role=role))
        return
    if not matches:
        await reply_view(message, none_view(query, context.language))
        return
    if len(matches) > 1:
        choices = [(m.client_id, m.name) for m in matches]
        await reply_view(message, ambiguous_view(query, choices, context.language))
        return
    client = matches[0]
    set_current_client(context, client.client_id)
    if not clean_note_text(body):
        set_pending(context, Pending("note", client_id=client.client_id))
        await reply_view(message, prompt_view(client.name, client.client_id, context.language))
        return
    await _save_text(message, context, client.client_id, body)


async def on_note_button(update: Update, context: AppContext) -> None:
    """📝 on a card: the next message (text or voice) is a note for that client."""
    query = update.callback_query
    if query is None:
        return
    try:
        start = NoteStart.unpack(query.data or "")
        if not isinstance(query.message, Message):
            raise CallbackDataError("message too old")
        summary = await context.services.clients.get(start.client_id, context.require_staff())
    except (CallbackDataError, NotFoundError, NotAuthorizedError):
        await query.answer(t(context.language, "button_expired"))
        return
    set_current_client(context, summary.client_id)
    set_pending(context, Pending("note", client_id=summary.client_id))
    await query.answer()
    await reply_view(query.message, prompt_view(summary.name, summary.client_id, context.language))


async def on_pending_note(update: Update, context: AppContext) -> None:
    """The message after 📝: a text or voice note for the pending client."""
    message = update.effective_message
    step = pending(context)
    if message is None or step is None or step.client_id is None:
        return
    if message.voice is not None:
        staff = context.require_staff()
        try:
            saved = await context.services.notes.add_voice(
                step.client_id,
                staff,
                file_id=message.voice.file_id,
                duration=_seconds(message.voice.to_dict().get("duration")),
                chat_id=message.chat_id,
                message_id=message.message_id,
            )
        except (NotAuthorizedError, NotFoundError):
            set_pending(context, None)
            await message.reply_text(t(context.language, "client_not_yours"))
            return
        set_pending(context, None)
        await _reply_saved(message, context, saved)
        return
    await _save_text(message, context, step.client_id, message.text or "")


async def on_redelivered_note(update: Update, context: AppContext) -> None:
    """A message that was already saved as a note (Telegram redelivered it, maybe after a
    restart): answer 「已保存 #id」 again and stop, so no other feature handles it."""
    message = update.message
    if message is None or context.staff is None:
        return
    saved = await context.services.notes.saved_for_message(
        context.staff, chat_id=message.chat_id, message_id=message.message_id
    )
    if saved is None:
        return
    await _reply_saved(message, context, saved)
    raise ApplicationHandlerStop


def _seconds(duration: object) -> int:
    """Voice duration as whole seconds (PTB gives an int, or a timedelta when so configured)."""
    if isinstance(duration, timedelta):
        return int(duration.total_seconds())
    return int(duration) if isinstance(duration, int | float) else 0


def _edited_body(text: str) -> str:
    """The note part of an edited message: `/note <client> <text>` loses its first two words."""
    if text.startswith("/note"):
        parts = text.split(maxsplit=2)
        return parts[2] if len(parts) == 3 else ""
    return text


async def on_edited_message(update: Update, context: AppContext) -> None:
    """An edited message that is a saved note becomes a new revision of it."""
    message = update.edited_message
    if message is None or message.text is None or context.staff is None:
        return
    try:
        revised = await context.services.notes.revise(
            context.staff,
            chat_id=message.chat_id,
            message_id=message.message_id,
            text=_edited_body(message.text),
        )
    except (NotFoundError, NotAuthorizedError):
        return  # not a note (or not hers): nothing to do here
    except NoteDeletedError as exc:
        await message.reply_text(t(context.language, "note_edit_deleted", id=str(exc)))
        return
    except NoteTooLongError as exc:
        await message.reply_text(
            t(context.language, "note_too_long", length=str(exc), limit=MAX_NOTE_CHARS)
        )
        return
    except UsageError:
        await message.reply_text(t(context.language, "note_edit_empty"))
        return
    await reply_view(message, revised_view(revised, context.language))


async def on_undo(update: Update, context: AppContext) -> None:
    """↩️ under a confirmation: tombstone the note within the undo window."""
    query = update.callback_query
    if query is None:
        return
    notes = context.services.notes
    try:
        request = NoteUndo.unpack(query.data or "")
        note = await notes.undo(request.note_id, context.require_staff())
    except UndoWindowClosedError as exc:
        minutes = int(notes.undo_window.total_seconds() // 60)
        await query.answer(
            undo_expired_text(int(str(exc)), minutes, context.language), show_alert=True
        )
        return
    except (CallbackDataError, NotFoundError, NotAuthorizedError):
        await answer_expired(query, context.language)
        return
    await query.answer()
    original = query.message
    if isinstance(original, Message) and original.text is not None:
        text = f"{original.text_html}\n\n{undone_text(note.id, context.language)}"
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=None)


def register(app: Application) -> None:
    """Register before the question handler: the pending step must claim the next message."""
    handlers: list[BaseHandler[Any, Any, Any]] = [
        CommandHandler("note", cmd_note),
        PendingStepHandler(
            app,
            "note",
            ((filters.TEXT & ~filters.COMMAND) | filters.VOICE) & ~filters.UpdateType.EDITED,
            on_pending_note,
        ),
        CallbackQueryHandler(on_note_button, pattern=NoteStart.matches),
        CallbackQueryHandler(on_undo, pattern=NoteUndo.matches),
    ]
    for handler in handlers:
        app.add_handler(handler)
    app.add_handler(
        MessageHandler(
            ((filters.TEXT & ~filters.COMMAND) | filters.VOICE) & filters.UpdateType.MESSAGE,
            on_redelivered_note,
        ),
        group=REPLAY_GROUP,
    )
    app.add_handler(
        MessageHandler(filters.UpdateType.EDITED_MESSAGE & filters.TEXT, on_edited_message),
        group=EDIT_GROUP,
    )
