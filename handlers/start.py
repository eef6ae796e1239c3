"""/start (welcome, or bind an account with an invite code) and /help (her role's commands,
from handlers/roles.py)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from handlers.buttons import Press, button
from handlers.callback_data import LanguageChoice
from handlers.context import AppContext
from handlers.i18n import t
from handlers.render.start import already_bound_view, help_view, welcome_view
from handlers.reply import reply_view
from handlers.roles import ensure_menu


async def cmd_start(update: Update, context: AppContext) -> None:
    """Welcome a staff member, or redeem the invite code in `/start <code>`."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    code = context.args[0] if context.args else None
    if context.staff is not None:
        view = (
            already_bound_view(context.staff, context.language)
            if code
            else welcome_view(context.staff, context.language, just_bound=False)
        )
        await reply_view(message, view)
        return
    if code is None:  # the guard only lets strangers through with a code
        return
    member = await context.services.staff.redeem_invite(code, user.id)  # InviteError: mapped
    await reply_view(message, welcome_view(member, member.language, just_bound=True))
    await ensure_menu(context.application, context.bot, member)  # her role's menu at once


async def cmd_help(update: Update, context: AppContext) -> None:
    """Who you are and what the bot can do, with a language switch."""
    if update.effective_message is None:
        return
    await reply_view(update.effective_message, help_view(context.require_staff(), context.language))


@button(LanguageChoice)
async def on_language_choice(press: Press[LanguageChoice], context: AppContext) -> None:
    """Switch the presser's language and redraw the help in it."""
    member = await context.services.staff.set_language(press.staff.staff_id, press.button.language)
    await press.answer(t(member.language, "language_set"))
    await press.edit(help_view(member, member.language))
    await ensure_menu(context.application, context.bot, member)  # the menu in her language


def register(app: Application) -> None:
    app.add_handler(CommandHandler("start", cmd_start))
    app.add_handler(CommandHandler("help", cmd_help))
    app.add_handler(CallbackQueryHandler(on_language_choice, pattern=LanguageChoice.matches))
