"""build_application(): the one place the Telegram Application is wired (tests use it too)."""

from __future__ import annotations

from telegram import BotCommand
from telegram.ext import ApplicationBuilder, ContextTypes, ExtBot, JobQueue
from telegram.request import BaseRequest, HTTPXRequest

from bot import journaling
from bot.masking_bot import MaskingBot
from bot.settings import Settings
from bot.update_order import ChatOrderedUpdateProcessor
from handlers import register_all
from handlers.context import AmbotApplication, AppContext, BotData, Services
from handlers.i18n import t
from handlers.roles import commands_for
from scheduler import register_all as register_jobs

# The default menu (strangers, and staff this process has not set a menu of their own for) is
# the manager's; each bound staff member gets her role's (handlers/roles.py).
COMMANDS = commands_for("manager")
CONSOLE_TOKEN = "100000001:console-chat-not-a-real-token-000"


async def set_commands(app: AmbotApplication) -> None:
    """The command menu in Chinese (default) and English."""
    for language in ("zh", "en"):
        commands = [BotCommand(name, t(language, f"cmd_{name}")) for name in COMMANDS]
        await app.bot.set_my_commands(commands, language_code=language)
    await app.bot.set_my_commands([BotCommand(name, t("zh", f"cmd_{name}")) for name in COMMANDS])


def build_application(
    settings: Settings,
    services: Services,
    *,
    token: str | None = None,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    reminders: bool = True,
) -> AmbotApplication:
    """The Application with every handler registered; transport injectable for console/tests.

    `reminders=False` (the console) schedules no follow-up reminders: a console session on a
    shared database must not deliver, and mark as sent, reminders meant for Telegram."""
    secret = settings.telegram_token.get_secret_value() if settings.telegram_token else None
    builder = (
        ApplicationBuilder()
        .context_types(ContextTypes(context=AppContext, bot_data=BotData))
        .job_queue(JobQueue[AppContext]())  # what PTB builds anyway, typed: jobs get AppContext
        # Concurrent across chats, in arrival order within a chat (bot/update_order.py): an
        # edit never overtakes the message it edits.
        .concurrent_updates(ChatOrderedUpdateProcessor())
        .post_init(set_commands)
    )
    if services.journal is not None:  # every message out is journaled (bot/journaling.py)
        bot_request = request or HTTPXRequest(connection_pool_size=256)  # PTB's own default
        request = journaling.JournalingRequest(bot_request, services.journal)
    # The masking gate (bot/masking_bot.py): every outgoing text, caption, toast and button
    # label is masked, in every run mode, so no view can send a phone or ID number unmasked.
    masking_bot = MaskingBot(
        token=token or secret or CONSOLE_TOKEN,
        base_url=settings.telegram_base_url,
        base_file_url=settings.resolved_base_file_url,
        request=request or HTTPXRequest(connection_pool_size=256),  # PTB's own default
        get_updates_request=get_updates_request or HTTPXRequest(connection_pool_size=1),
    )
    bot: ExtBot[None] = masking_bot
    app: AmbotApplication = builder.bot(bot).build()
    app.bot_data.services = services
    register_all(app)
    if services.journal is not None:
        journaling.register(app)  # every update in, before the guard
    register_jobs(app, reminders=reminders)
    return app
