"""What an edit of her message does (Telegram `edited_message`), decided in one place.

Telegram sends the whole message again with its new text. A chat's updates are handled in order
(bot/update_order.py), so an edit is seen after the message it edits has been handled.

- The message saved a note: the edit is a new revision (「已更新 #id（第 n 版）」), also after
  earlier revisions. A `/note` edit must still name the note's client (any spelling that finds
  that client); naming another client changes nothing and says so, with ↩️ while the note may
  still be undone and the way to log it for the other client — a note is a record of a contact
  with *that* client (its contact row and compliance finding were written for it), so it is
  never moved silently. Turning a note into another command changes nothing and says so. An
  undone note, an empty or too long text: the note_edits error mapping says why.
- `/todo`: an edit does not change a task; the reply says how to (its buttons, or a new /todo).
- A message of the 📝 step that saved nothing (too long, empty) while the step is still open:
  the edited text is the note.
- Anything else goes on as a new message: an edited `/note` that saved nothing (a pick list, an
  unknown client) is a new /note, an edited question is answered again, an edited /check is
  checked again, and read-only commands run again (PTB's command handlers take edits).
"""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import Application, ApplicationHandlerStop, MessageHandler, filters

from crm.notes import Note
from crm.staff import StaffMember
from handlers.commands import command_argument
from handlers.context import AppContext
from handlers.errors import maps_errors
from handlers.message_keys import message_key
from handlers.notes import on_pending_note
from handlers.render.edits import client_changed_view, not_a_note_command_view, todo_edit_view
from handlers.render.notes import revised_view
from handlers.reply import reply_view
from handlers.session import pending

# After the guard (-100) and the redelivery check (-40), before every feature (group 0), whose
# command handlers would otherwise take the edit as the command sent anew.
EDIT_GROUP = -35
TASK_COMMANDS = frozenset({"todo"})


def command_name(text: str) -> str | None:
    """ "/note@bot 张伟 …" → "note"; None for text that is not a command."""
    if not text.startswith("/"):
        return None
    word = text.split(maxsplit=1)[0][1:]
    return word.split("@", 1)[0].lower()


async def on_edited_message(update: Update, context: AppContext) -> None:
    """Route an edit of her text message; stop here when it is handled."""
    message = update.edited_message
    staff = context.staff
    if message is None or message.text is None or staff is None:
        return
    bot, chat, message_id = message_key(context, message)
    note = await context.services.notes.for_message(
        staff, bot_id=bot, chat_id=chat, message_id=message_id
    )
    command = command_name(message.text)
    if note is not None:

        @maps_errors("note_edits")
        async def edit(update: Update, context: AppContext) -> None:
            await _edit_note(update, context, note)

        await edit(update, context)
    elif command in TASK_COMMANDS:
        await reply_view(message, todo_edit_view(context.language))
    elif command is None and (step := pending(context)) is not None and step.kind == "note":
        await on_pending_note(update, context)
    else:
        return
    raise ApplicationHandlerStop


async def _edit_note(update: Update, context: AppContext, note: Note) -> None:
    message = update.edited_message
    staff = context.staff
    if message is None or message.text is None or staff is None:
        return
    text = message.text
    command = command_name(text)
    if command is not None and command != "note":
        await reply_view(message, not_a_note_command_view(note.id, context.language))
        return
    if command == "note":
        parts = command_argument(text).strip().split(maxsplit=1)
        word = parts[0] if parts else ""
        text = parts[1] if len(parts) == 2 else ""
        if word and not await _names_client(context, staff, word, note.client_id):
            await _client_changed(message, context, staff, note, word)
            return
    bot, chat, message_id = message_key(context, message)
    revised = await context.services.notes.revise(
        staff, bot_id=bot, chat_id=chat, message_id=message_id, text=text
    )
    await reply_view(message, revised_view(revised, context.language))


async def _names_client(context: AppContext, staff: StaffMember, word: str, client_id: str) -> bool:
    """Does `word` (still) find the note's client among its matches?"""
    matches = await context.services.clients.search(word, staff)
    return any(m.client_id == client_id for m in matches)


async def _client_changed(
    message: Message, context: AppContext, staff: StaffMember, note: Note, word: str
) -> None:
    clients = context.services.clients
    old = await clients.get(note.client_id, staff)
    exact = [m for m in await clients.search(word, staff) if m.score >= 100]
    new_name = exact[0].name if len(exact) == 1 else word
    view = client_changed_view(
        note.id,
        old.name,
        new_name,
        undoable=context.services.notes.undoable(note),
        language=context.language,
    )
    await reply_view(message, view)


def register(app: Application) -> None:
    app.add_handler(
        MessageHandler(filters.UpdateType.EDITED_MESSAGE & filters.TEXT, on_edited_message),
        group=EDIT_GROUP,
    )
