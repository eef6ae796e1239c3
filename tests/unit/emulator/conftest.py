"""A tiny PTB bot run in polling mode against the emulator, in-process and over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from emulator import BotApiEmulator, polling, use_emulator
from emulator.running import AnyApplication
from tests.support.botapi import BotApiServer, Conversation

START = 1_767_225_600.0  # 2026-01-01T00:00:00Z


class FakeClock:
    """Seconds since the epoch, moved only by the test."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


async def cmd_echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Echo the arguments with two buttons."""
    assert update.message is not None
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("确认", callback_data="confirm"),
                InlineKeyboardButton("稍后", callback_data="later"),
            ]
        ]
    )
    await update.message.reply_text(
        f"<b>echo</b> {' '.join(context.args or [])}", parse_mode="HTML", reply_markup=keyboard
    )


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Toast, then replace the keyboard by the outcome."""
    query = update.callback_query
    assert query is not None
    await query.answer("已确认" if query.data == "confirm" else "稍后提醒")
    await query.edit_message_text(f"已选择 {query.data}")


async def on_voice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Download the voice note and report its size."""
    assert update.message is not None and update.message.voice is not None
    voice_file = await update.message.voice.get_file()
    data = await voice_file.download_as_bytearray()
    await update.message.reply_text(f"语音 {len(data)} 字节")


def add_handlers(app: AnyApplication) -> AnyApplication:
    app.add_handler(CommandHandler("echo", cmd_echo))
    app.add_handler(CallbackQueryHandler(on_button))
    app.add_handler(MessageHandler(filters.VOICE, on_voice))
    return app


@dataclass
class Harness:
    app: AnyApplication
    emulator: BotApiEmulator
    telegram: Conversation
    clock: FakeClock
    server: BotApiServer | None = None


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=["in_process", "http"])
async def harness(request: pytest.FixtureRequest, clock: FakeClock) -> AsyncIterator[Harness]:
    """The tiny bot polling the emulator over each transport; stopped and checked afterwards.

    Updates are handled concurrently, as in bot/app.py.
    """
    emulator = BotApiEmulator(clock=clock)
    tasks_before = asyncio.all_tasks()
    if request.param == "in_process":
        app = add_handlers(
            use_emulator(ApplicationBuilder(), emulator).concurrent_updates(True).build()
        )
        async with polling(app, poll_timeout=10):
            yield Harness(app, emulator, Conversation(emulator, app), clock)
    else:
        async with BotApiServer(emulator) as server:
            app = add_handlers(server.application_builder().concurrent_updates(True).build())
            async with polling(app, poll_timeout=10):
                yield Harness(app, emulator, Conversation(emulator, app), clock, server)
    assert not app.running
    current = asyncio.current_task()
    stray = [t for t in asyncio.all_tasks() - tasks_before if t is not current and not t.done()]
    assert stray == [], f"tasks left running after shutdown: {stray}"
