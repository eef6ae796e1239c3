"""Last resort: stale or forged button presses, and text no feature claimed."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from handlers.context import AppContext
from handlers.i18n import t


async def on_unknown_button(update: Update, context: AppContext) -> None:
    """Any press no feature recognised: 「按钮已过期」 and nothing else."""
    if update.callback_query is not None:
        await update.callback_query.answer(t(context.language, "button_expired"))


def register(app: Application) -> None:
    """Register last: within group 0 the first matching handler wins, so this catches the rest."""
    app.add_handler(CallbackQueryHandler(on_unknown_button))
