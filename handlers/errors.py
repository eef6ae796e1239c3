"""Errors: domain errors become short replies; anything else is logged with an id the user sees."""

from __future__ import annotations

import logging
import secrets

from telegram import Update
from telegram.ext import Application

from handlers.context import AppContext
from handlers.render.start import error_text

log = logging.getLogger(__name__)


async def on_error(update: object, context: AppContext) -> None:
    """Log the failure under a short id (never the update's content) and tell the user that id."""
    error_id = secrets.token_hex(4)
    log.error("error %s while handling an update", error_id, exc_info=context.error)
    if isinstance(update, Update) and update.effective_message is not None:
        try:
            await update.effective_message.reply_text(
                error_text(context.language, error_id), do_quote=False
            )
        except Exception:  # the error reply itself failed (e.g. network); already logged
            log.warning("could not tell the user about error %s", error_id)


def register(app: Application) -> None:
    app.add_error_handler(on_error)
