"""Turn pure views into Telegram calls (keyboard markup, HTML parse mode)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import ParseMode

from handlers.render import View


def keyboard(view: View) -> InlineKeyboardMarkup | None:
    if not view.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.text, callback_data=b.data) for b in row] for row in view.buttons]
    )


async def reply_view(message: Message, view: View) -> Message:
    """Reply to message with view (HTML, inline keyboard)."""
    return await message.reply_text(
        view.text,
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard(view),
        do_quote=False,
    )
