"""Last resort: stale or forged button presses, and messages no feature claimed."""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from crm.masking import mask_text
from handlers.context import AppContext
from handlers.i18n import t


async def on_unknown_button(update: Update, context: AppContext) -> None:
    """Any press no feature recognised: 「按钮已过期」 and nothing else."""
    if update.callback_query is not None:
        await update.callback_query.answer(t(context.language, "button_expired"))


async def on_unclaimed_message(update: Update, context: AppContext) -> None:
    """A message no feature claimed: say so and point at /help (never echo the content)."""
    message = update.message
    if message is None:
        return
    text = message.text or ""
    if text.startswith("/"):
        # Masked before it is cut: `/13812345678` is a phone number, not a command.
        command = escape(mask_text(text.split()[0].split("@", 1)[0])[:32])
        await message.reply_text(
            t(context.language, "unknown_command", command=command),
            parse_mode="HTML",
            do_quote=False,
        )
    else:
        await message.reply_text(t(context.language, "not_understood"), do_quote=False)


def register(app: Application) -> None:
    """Register last: within group 0 the first matching handler wins, so this catches the rest."""
    app.add_handler(CallbackQueryHandler(on_unknown_button))
    app.add_handler(MessageHandler(filters.ALL & ~filters.UpdateType.EDITED, on_unclaimed_message))
