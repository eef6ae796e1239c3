"""The "typing…" indicator: shown while the work runs, never after the reply, never in the way."""

from __future__ import annotations

import asyncio

import pytest

from handlers import reply
from handlers.reply import typing


class SlowBot:
    """send_chat_action is a request in flight until `arrived` is set (a Telegram round trip)."""

    def __init__(self, events: list[str], *, fail: bool = False) -> None:
        self.events = events
        self.sending = asyncio.Event()
        self.arrived = asyncio.Event()
        self.fail = fail

    async def send_chat_action(self, chat_id: int, action: str) -> bool:
        self.events.append(f"typing sent to {chat_id}")
        self.sending.set()
        await self.arrived.wait()
        if self.fail:
            raise RuntimeError("Telegram said no")
        self.events.append("typing arrived")
        return True


class Message:
    chat_id = 42

    def __init__(self, bot: SlowBot) -> None:
        self.bot = bot

    def get_bot(self) -> SlowBot:
        return self.bot


async def test_the_work_does_not_wait_for_the_typing_round_trip_but_the_reply_does():
    events: list[str] = []
    bot = SlowBot(events)
    async with asyncio.timeout(10), typing(Message(bot)):  # type: ignore[arg-type]
        await bot.sending.wait()
        events.append("answer found")  # while the action is still on its way
        asyncio.get_running_loop().call_soon(bot.arrived.set)
    events.append("reply sent")
    assert events == ["typing sent to 42", "answer found", "typing arrived", "reply sent"]


async def test_a_failed_typing_action_changes_nothing():
    events: list[str] = []
    bot = SlowBot(events, fail=True)
    bot.arrived.set()
    async with typing(Message(bot)):  # type: ignore[arg-type]
        events.append("answer found")
    events.append("reply sent")
    assert events == ["answer found", "typing sent to 42", "reply sent"]


async def test_a_typing_action_that_hangs_does_not_hold_the_reply(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(reply, "TYPING_WAIT", 0)
    events: list[str] = []
    bot = SlowBot(events)  # never arrives
    async with typing(Message(bot)):  # type: ignore[arg-type]
        await bot.sending.wait()
        events.append("answer found")
    events.append("reply sent")
    assert events == ["typing sent to 42", "answer found", "reply sent"]
