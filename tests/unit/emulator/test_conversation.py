"""The conversation driver fails loudly and readably."""

from __future__ import annotations

import pytest

from emulator import BotApiEmulator
from tests.support.botapi import Conversation
from tests.unit.emulator.conftest import FakeClock, Harness


async def test_a_missing_reply_fails_with_what_was_received(clock: FakeClock) -> None:
    emulator = BotApiEmulator(clock=clock)
    telegram = Conversation(emulator)
    li = telegram.user(id=1001, first_name="丽")
    await emulator.call(
        "sendMessage", {"chat_id": li.id, "text": "<b>早报</b>", "parse_mode": "HTML"}
    )
    assert (await telegram.next_message(li)).plain_text == "早报"
    await telegram.user_sends(li, "/brief")

    with pytest.raises(AssertionError) as failure:
        await telegram.next_message(li, timeout=0)

    report = str(failure.value)
    assert "no new message to chat 1001" in report
    assert "✓ #1 text: '早报'" in report
    assert "updates the bot has not confirmed: 1:message" in report
    assert "the bot never called getUpdates" in report


async def test_silence_is_only_judged_after_settling(harness: Harness) -> None:
    telegram = harness.telegram
    li = telegram.user(id=1001, first_name="丽")
    await telegram.user_sends(li, "/echo 一")

    with pytest.raises(AssertionError, match="settle"):
        telegram.assert_no_more_messages(li)

    await telegram.settle()
    with pytest.raises(AssertionError, match="unexpected messages to chat 1001") as failure:
        telegram.assert_no_more_messages(li)
    assert "echo 一" in str(failure.value)

    await telegram.next_message(li)
    telegram.assert_no_more_messages(li)


async def test_pressing_a_button_that_is_not_there_is_a_test_error(harness: Harness) -> None:
    telegram = harness.telegram
    li = telegram.user(id=1001, first_name="丽")
    await telegram.user_sends(li, "/echo 一")
    reply = await telegram.next_message(li)

    with pytest.raises(KeyError, match="'确认', '稍后'"):
        await telegram.press(li, reply, "删除")
