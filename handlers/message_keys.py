"""The key of a message-driven write: (bot id, chat id, message id).

Telegram numbers messages per bot and chat, so the bot's own id is part of every key: a second
bot token, or a console session (each gets a bot id of its own: bot/console_mode.py), on the
same database numbers its messages from 1 again without meeting the first one's rows."""

from __future__ import annotations

from telegram import Message

from handlers.context import AppContext

MessageKey = tuple[int, int, int]


def bot_id(context: AppContext) -> int:
    """The id of the bot this update arrived at: its token's prefix (Telegram's bot id), else
    what getMe said at start."""
    prefix = context.bot.token.split(":", 1)[0]
    return int(prefix) if prefix.isdigit() else context.bot.id


def message_key(context: AppContext, message: Message) -> MessageKey:
    return (bot_id(context), message.chat_id, message.message_id)
