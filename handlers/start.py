"""/start (welcome, or bind an account with an invite code) and /help."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from crm.errors import InviteError
from handlers.callback_data import CallbackDataError, LanguageChoice
from handlers.context import AppContext
from handlers.i18n import t
from handlers.render.start import already_bound_view, help_view, invite_error_text, welcome_view
from handlers.reply import keyboard, reply_view


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
    try:
        member = await context.services.staff.redeem_invite(code, user.id)
    except InviteError as exc:
        await message.reply_text(invite_error_text(exc.reason, context.language), do_quote=False)
        return
    await reply_view(message, welcome_view(member, member.language, just_bound=True))


async def cmd_help(update: Update, context: AppContext) -> None:
    """Who you are and what the bot can do, with a language switch."""
    if update.effective_message is None:
        return
    await reply_view(update.effective_message, help_view(context.require_staff(), context.language))


async def on_language_choice(update: Update, context: AppContext) -> None:
    """Switch the presser's language and redraw the help in it."""
    query = update.callback_query
    if query is None:
        return
    try:
        choice = LanguageChoice.unpack(query.data or "")
    except CallbackDataError:
        await query.answer(t(context.language, "button_expired"))
        return
    member = await context.services.staff.set_language(
        context.require_staff().staff_id, choice.language
    )
    await query.answer(t(member.language, "language_set"))
    view = help_view(member, member.language)
    await query.edit_message_text(view.text, parse_mode="HTML", reply_markup=keyboard(view))


def register(app: Application) -> None:
    app.add_handler(CommandHandler("start", cmd_start))
    app.add_handler(CommandHandler("help", cmd_help))
    app.add_handler(CallbackQueryHandler(on_language_choice, pattern=LanguageChoice.matches))
