"""Impossible dates and a snooze that would move a follow-up earlier, as the user reads them."""

from __future__ import annotations

import pytest

from tests.support.ptb import Chat


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/todo 张伟 2月30日 回电", "2月没有30日。"),
        ("/todo 张伟 25:00 回电", "没有 25 点：钟点是 0–23。"),
        ("/todo 张伟 13月1日 回电", "没有13月：月份是 1–12。"),
        ("/todo 张伟 2027年2月29日 回电", "2027年2月没有29日。"),
    ],
)
async def test_invalid(li: Chat, text: str, expected: str) -> None:
    reply = await li.send(text)
    assert reply.plain_text == expected, reply.plain_text


async def test_leap_day_accepted(li: Chat) -> None:
    reply = await li.send("/todo 张伟 2月29日 回电")
    assert "2028-02-29（周二）09:30" in reply.plain_text


async def test_snooze_not_later(li: Chat) -> None:
    confirmation = await li.send("/todo 张伟 明天上午10点 回电")
    await li.press(confirmation, "✅ 确认")
    listing = await li.send("/todos")
    snooze = next(b.text for b in listing.buttons if b.text.startswith("⏰"))
    later = (await li.press(listing, snooze)).message
    outcome = await li.press(later, "明天 09:30")
    assert outcome.answer["show_alert"] is True
    assert "没有改动" in outcome.toast and "10:00" in outcome.toast and "09:30" in outcome.toast
    assert not outcome.edited
    again = await li.send("/todos")
    assert "2026-11-21（周六）10:00" in again.plain_text
