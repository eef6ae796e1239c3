"""The allow-list: only active, bound staff in private chats get past this point.

Strangers get one polite refusal and nothing else; their messages are logged without content.
`/start <code>` from a stranger passes through so an invite can bind the account. The staff
member is read again for every update (a message, or a press of a button already on her
screen), so someone deactivated or unbound is refused from her next update (at once in this
process; within `crm.staff.LOOKUP_TTL_SECONDS` when another process made the change). A command
that is not for her role (handlers/roles.py) is refused here, in her language, and her command
menu is kept to her role's commands.
"""

from __future__ import annotations

import hashlib
import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, ApplicationHandlerStop, TypeHandler

from handlers import session
from handlers.context import AppContext
from handlers.i18n import t
from handlers.render.start import refusal_text, role_refusal_text
from handlers.roles import command_of, ensure_menu, refused_for

log = logging.getLogger(__name__)

GUARD_GROUP = -100


def user_language(update: Update, default: str) -> str:
    """Language for someone we do not know yet: Telegram's hint, else the configured default."""
    code = update.effective_user.language_code if update.effective_user else None
    if code:
        return "en" if code.lower().startswith("en") else "zh"
    return default


def _pseudonym(user_id: int) -> str:
    """A stable, non-reversible tag for logs, so refusals can be counted without the user id."""
    return hashlib.sha256(str(user_id).encode()).hexdigest()[:10]


def _is_invite_start(update: Update) -> bool:
    message = update.message
    if message is None or not message.text:
        return False
    parts = message.text.split(maxsplit=1)
    return len(parts) == 2 and parts[0].split("@", 1)[0] == "/start"


async def on_any_update(update: Update, context: AppContext) -> None:
    """Authenticate the sender; refuse strangers and group chats before any feature runs."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None:
        raise ApplicationHandlerStop  # channel posts, polls, …: nothing for us
    services = context.services
    default = services.default_language
    if chat.type != ChatType.PRIVATE:
        log.info("refused update in a non-private chat (type=%s)", chat.type)
        language = user_language(update, default)
        await _refuse(update, refusal_text(language, group=True), language)
        raise ApplicationHandlerStop
    staff = await services.staff.by_telegram_user(user.id)
    if staff is None:
        if _is_invite_start(update):
            context.language = user_language(update, default)
            return
        log.info("refused update from unknown user %s", _pseudonym(user.id))
        language = user_language(update, default)
        await _refuse(update, refusal_text(language, group=False), language)
        raise ApplicationHandlerStop
    context.staff = staff
    context.language = staff.language
    await ensure_menu(context.application, context.bot, staff)
    message = update.message
    roles = refused_for(command_of(message.text if message else None), staff.role)
    if roles is not None:
        session.set_pending(context, None)
        await _refuse(update, role_refusal_text(roles, staff.language), staff.language)
        raise ApplicationHandlerStop
    if _moves_on(update):
        session.set_pending(context, None)


def _moves_on(update: Update) -> bool:
    """A command or a button press ends any "the next message is …" step: the user moved on.

    (A button that starts a new step, like 📝 or ⏰, sets it again in its own handler.)"""
    if update.callback_query is not None:
        return True
    message = update.message
    return message is not None and (message.text or "").startswith("/")


async def _refuse(update: Update, text: str, language: str) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer(text[:190], show_alert=True)
    elif update.effective_message is not None and update.edited_message is None:
        await update.effective_message.reply_text(text, do_quote=False)


def register(app: Application) -> None:
    app.add_handler(TypeHandler(Update, on_any_update), group=GUARD_GROUP)


__all__ = ["register", "t"]
