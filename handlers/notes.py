"""Notes: `/note <client> <text>`, 📝 on a card then the next message (text or voice), edits of
that message (revisions) and ↩️ undo.

A note is saved directly only when `/note`'s client word is an exact name or client id; anything
else (a sound-alike, a prefix, pinyin, several clients) replies with the candidates as buttons,
quoting the request, and a press saves the request's text for the chosen client — keyed on the
request message, so a second press or a redelivered one shows the same note.

Every write is keyed by the message (handlers/message_keys.py: bot id, chat id, message id).

The "next message" step is claimed by `PendingStepHandler`, which matches only while the sender's
pending step is "note", so other features' plain-text handlers (questions) are untouched
otherwise. A redelivered note message is recognised from the database (not from memory, so it
also works after a restart) in an early group. Edits of notes: handlers/edits.py.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telegram import Message, ReplyParameters, Update
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

from crm.clients import ClientMatch
from crm.errors import DomainError
from crm.notes import NoteSaved
from handlers.buttons import Press, button
from handlers.buttons_client import NotePick, NoteStart, NoteUndo
from handlers.callback_data import CallbackDataError, quoted_message
from handlers.commands import command_argument
from handlers.context import AppContext
from handlers.errors import maps_errors
from handlers.i18n import t
from handlers.message_keys import bot_id, message_key
from handlers.render import View
from handlers.render.clients import none_view
from handlers.render.notes import (
    pick_view,
    prompt_view,
    saved_view,
    undone_text,
)
from handlers.reply import keyboard, reply_view
from handlers.session import Pending, PendingStepHandler, pending, set_current_client, set_pending
from knowledge_base.answering import AnswerService, Citation, Decision
from knowledge_base.text import clean_text

REPLAY_GROUP = -40  # after the guard (-100), before every feature's group 0
MIN_SUGGEST_CHARS = 4
MAX_SUGGESTIONS = 2


async def suggest_scripts(answers: AnswerService, text: str) -> list[Citation]:
    """Up to two approved scripts related to the note, each clearing the answer decision."""
    if len(clean_text(text)) < MIN_SUGGEST_CHARS:
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


async def _save_text(
    message: Message,
    context: AppContext,
    client_id: str,
    text: str,
    searched: list[str] | None = None,
) -> None:
    """Save the note (a refusal keeps the pending step, so she can send it again). `searched`:
    the hits of `/note <client> …`'s search, journaled in the note's transaction."""
    key = message_key(context, message)
    staff = context.require_staff()
    try:
        saved = await context.services.notes.add(
            client_id,
            staff,
            text,
            bot_id=key[0],
            chat_id=key[1],
            message_id=key[2],
            searched=searched or (),
        )
    except DomainError:
        if searched:  # nothing saved: the read is journaled on its own
            await context.services.clients.record_search(searched, staff)
        raise
    set_pending(context, None)
    await _reply_saved(message, context, saved)


def _exact(matches: list[ClientMatch]) -> ClientMatch | None:
    """The one client the word names exactly (full name or client id), if any."""
    exact = [m for m in matches if m.score >= 100 and m.matched_on in ("name", "id")]
    return exact[0] if len(exact) == 1 else None


async def _reply_quoting(message: Message, view: View) -> None:
    """Reply quoting the request, so a press can read the request back (restart-proof)."""
    await message.get_bot().send_message(
        message.chat_id,
        view.text,
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard(view),
        reply_parameters=ReplyParameters(message.message_id, allow_sending_without_reply=True),
    )


@maps_errors("notes")
async def cmd_note(update: Update, context: AppContext) -> None:
    """/note <client> <text>: save a note; /note <client> alone waits for the next message."""
    message = update.effective_message
    if message is None:
        return
    staff = context.require_staff()
    argument = command_argument(message.text).strip()
    if not argument:
        await message.reply_text(t(context.language, "note_usage"), parse_mode=ParseMode.HTML)
        return
    parts = argument.split(maxsplit=1)
    query, body = parts[0], parts[1] if len(parts) == 2 else ""
    # The hits are journaled with the note when it is saved at once (one commit), else alone.
    clients = context.services.clients
    matches = await clients.search(query, staff, journal=False)
    if not matches:
        await reply_view(message, none_view(query, context.language))
        return
    hits = [m.client_id for m in matches]
    client = _exact(matches)
    if client is None or not clean_text(body):
        await clients.record_search(hits, staff)
    if client is None:  # a sound-alike, a prefix, pinyin or several: she picks, nothing saved
        choices = [(m.client_id, m.name) for m in matches]
        view = pick_view(query, choices, message.message_id, context.language)
        await _reply_quoting(message, view)
        return
    set_current_client(context, client.client_id, at=context.services.clients.now())
    if not clean_text(body):
        set_pending(context, Pending("note", client_id=client.client_id))
        await reply_view(message, prompt_view(client.name, client.client_id, context.language))
        return
    await _save_text(message, context, client.client_id, body, searched=hits)


@button(NoteStart)
async def on_note_button(press: Press[NoteStart], context: AppContext) -> None:
    """📝 on a card: the next message (text or voice) is a note for that client."""
    message = press.message
    summary = await context.services.clients.get(press.button.client_id, press.staff)
    set_current_client(context, summary.client_id, at=context.services.clients.now())
    set_pending(context, Pending("note", client_id=summary.client_id))
    await press.answer()
    await reply_view(message, prompt_view(summary.name, summary.client_id, context.language))


@button(NotePick, feature="notes", on_message=True)
async def on_note_pick(press: Press[NotePick], context: AppContext) -> None:
    """A client chosen for a `/note` whose word was not exact: save the request's text for
    them (keyed on the request message), or wait for the note if the request had none."""
    request = quoted_message(press.query, unedited=True)
    if request is None or request.message_id != press.button.message_id:
        raise CallbackDataError("not the pick of this request")
    parts = command_argument(request.text).strip().split(maxsplit=1)
    body = parts[1] if len(parts) == 2 else ""
    summary = await context.services.clients.get(press.button.client_id, press.staff)
    set_current_client(context, summary.client_id, at=context.services.clients.now())
    language = context.language
    if not clean_text(body):
        set_pending(context, Pending("note", client_id=summary.client_id))
        await press.answer()
        await press.edit(prompt_view(summary.name, summary.client_id, language))
        return
    key = message_key(context, request)
    saved = await context.services.notes.add(
        summary.client_id, press.staff, body, bot_id=key[0], chat_id=key[1], message_id=key[2]
    )
    set_pending(context, None)
    await press.answer(
        None if saved.created else t(language, "note_already_saved", id=saved.note.id)
    )
    suggestions: list[Citation] = []
    if saved.created and saved.note.deleted_at is None:
        suggestions = await suggest_scripts(context.services.answers, saved.note.text)
    await press.edit(saved_view(saved, suggestions, language))


@maps_errors("notes")
async def on_pending_note(update: Update, context: AppContext) -> None:
    """The message after 📝: a text or voice note for the pending client."""
    message = update.effective_message  # an edit too, when the first try saved nothing
    step = pending(context)
    if message is None or step is None or step.client_id is None:
        return
    if message.voice is not None:
        set_pending(context, None)  # a voice note is not sent again: the step ends either way
        saved = await context.services.notes.add_voice(
            step.client_id,
            context.require_staff(),
            file_id=message.voice.file_id,
            duration=_seconds(message.voice.to_dict().get("duration")),
            bot_id=bot_id(context),
            chat_id=message.chat_id,
            message_id=message.message_id,
        )
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
        context.staff,
        bot_id=bot_id(context),
        chat_id=message.chat_id,
        message_id=message.message_id,
        text=message.text if message.voice is None else None,
        voice_file_id=message.voice.file_id if message.voice is not None else None,
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


@button(NoteUndo)
async def on_undo(press: Press[NoteUndo], context: AppContext) -> None:
    """↩️ under a confirmation: tombstone the note within the undo window."""
    note = await context.services.notes.undo(press.button.note_id, press.staff)
    await press.answer()
    original = press.query.message
    if isinstance(original, Message) and original.text is not None:
        text = f"{original.text_html}\n\n{undone_text(note.id, context.language)}"
        await press.query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=None)


def register(app: Application) -> None:
    """Register before the question handler: the pending step must claim the next message."""
    handlers: list[BaseHandler[Any, Any, Any]] = [
        CommandHandler("note", cmd_note),
        PendingStepHandler(
            app,
            "note",
            on_pending_note,
            ((filters.TEXT & ~filters.COMMAND) | filters.VOICE) & ~filters.UpdateType.EDITED,
        ),
        CallbackQueryHandler(on_note_button, pattern=NoteStart.matches),
        CallbackQueryHandler(on_note_pick, pattern=NotePick.matches),
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
