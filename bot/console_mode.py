"""`ambot chat --as STAFF_ID`: the real Application, driven from this terminal in-process."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from typing import Any

from bot.app import CONSOLE_TOKEN, build_application
from bot.bootstrap import build_runtime
from bot.console import ConsoleUser, LocalCommand, run_console
from bot.console_proactive import (
    CONSOLE_ID_BASE,
    ConsoleProactive,
    console_user_id,
)
from bot.settings import Settings
from bot.warmup import warm_up
from crm.errors import UsageError
from emulator import BotApiEmulator, InProcessRequest
from storage.clock import Clock, DemoClock, utc_now

__all__ = ["CONSOLE_ID_BASE", "console_user_id", "run_console_chat"]

# Console sessions get bot ids from here up: far above every real bot id (Telegram's are ten
# digits today), so a session's rows never meet a real bot's.
CONSOLE_BOT_ID_BASE = 10**12


def console_session_token() -> str:
    """A bot token with a bot id of its own for one console session.

    The in-process Bot API numbers messages from 1 in every session, and every message-driven
    write is keyed by (bot id, chat id, message id): with the bot id of the previous session,
    a new session's message 1 would meet the old session's rows (issue 12). A random id among
    10^12 (not the wall clock) keeps sessions apart; a collision would need two sessions to draw
    the same number, and even then a stored row is never shown for a message with other text.
    """
    prefix = CONSOLE_TOKEN.split(":", 1)[1]
    return f"{CONSOLE_BOT_ID_BASE + secrets.randbelow(10**12)}:{prefix}"


DEMO_TICK = "/demo_tick"
DEMO_TICK_HELP = (
    "演示时钟前进一个升级周期，到期的升级、稍后、待办和工单 SLA 提醒随即发出"
    " · the demo clock moves one escalation step on; what fell due is sent"
)


async def run_console_chat(
    settings: Settings,
    staff_id: str,
    *,
    clock: Clock = utc_now,
    input_lines: AsyncIterator[str] | None = None,
    write: Callable[[str], None] | None = None,
) -> None:
    """Bind (if needed) a console identity to staff_id and chat as that staff member.

    On start she gets her morning briefing and new P1/P2 alerts (bot/console_proactive.py);
    /demo_tick moves the demo clock (`clock` plus the ticks so far) one escalation step."""
    demo_clock = DemoClock(clock)
    runtime = await build_runtime(settings, clock=demo_clock)
    try:
        member = await runtime.services.staff.get(staff_id)
        if not member.active:
            raise UsageError(f"staff member {staff_id} is inactive")
        telegram_id = member.telegram_user_id
        if telegram_id is None:
            member = await runtime.services.staff.bind_directly(staff_id, console_user_id(staff_id))
            telegram_id = member.telegram_user_id
        assert telegram_id is not None
        token = console_session_token()
        emulator = BotApiEmulator(
            token=token,
            bot_username=settings.bot_username,
            clock=lambda: demo_clock().timestamp(),
        )
        application = build_application(
            settings,
            runtime.services,
            token=token,
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
        proactive = ConsoleProactive(
            application, emulator, member, demo_clock, write=write or print
        )
        scripted: dict[str, Any] = {}  # the terminal unless a caller scripts the chat
        if input_lines is not None:
            scripted["input_lines"] = input_lines
        if write is not None:
            scripted["write"] = write
        await run_console(
            application,
            emulator,
            user,
            **scripted,
            media_dir=settings.data_dir / "console",
            on_start=proactive.start,
            local_commands={DEMO_TICK: LocalCommand(proactive.tick, DEMO_TICK_HELP)},
        )
    finally:
        await runtime.aclose()
