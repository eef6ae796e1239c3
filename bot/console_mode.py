"""`ambot chat --as STAFF_ID`: the real Application, driven from this terminal in-process."""

from __future__ import annotations

import zlib

from bot.app import CONSOLE_TOKEN, build_application
from bot.bootstrap import build_runtime
from bot.console import ConsoleUser, run_console
from bot.settings import Settings
from bot.warmup import warm_up
from crm.errors import UsageError
from emulator import BotApiEmulator, InProcessRequest

# Real Telegram user ids stay far below this, so a console identity never collides with one.
CONSOLE_ID_BASE = 9_000_000_000_000


def console_user_id(staff_id: str) -> int:
    return CONSOLE_ID_BASE + zlib.crc32(staff_id.encode())


async def run_console_chat(settings: Settings, staff_id: str) -> None:
    """Bind (if needed) a console identity to staff_id and chat as that staff member."""
    runtime = await build_runtime(settings)
    try:
        member = await runtime.services.staff.get(staff_id)
        if not member.active:
            raise UsageError(f"staff member {staff_id} is inactive")
        telegram_id = member.telegram_user_id
        if telegram_id is None:
            member = await runtime.services.staff.bind_directly(staff_id, console_user_id(staff_id))
            telegram_id = member.telegram_user_id
        assert telegram_id is not None
        emulator = BotApiEmulator(token=CONSOLE_TOKEN, bot_username=settings.bot_username)
        application = build_application(
            settings,
            runtime.services,
            token=CONSOLE_TOKEN,
            request=InProcessRequest(emulator),
            get_updates_request=InProcessRequest(emulator),
            reminders=False,
        )
        await warm_up(runtime.services)
        user = ConsoleUser(
            telegram_user_id=telegram_id,
            first_name=member.name,
            language_code="en" if member.language == "en" else "zh-hans",
        )
        await run_console(application, emulator, user, media_dir=settings.data_dir / "console")
    finally:
        await runtime.aclose()
