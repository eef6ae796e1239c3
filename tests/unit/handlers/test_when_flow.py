"""Dates through the real handlers (issue 12 point 12): a past phrase in /todo or after the card's
⏰ is answered 「已经过去」 in the user's language, never 「没看懂时间」; nothing is saved."""

from __future__ import annotations

import pytest

from tests.support.ptb import Chat, labels

ZHANG_WEI = "3100000004"  # 张伟 (a unique name in M001's book)


@pytest.mark.parametrize(
    "when", ["昨天", "昨天下午3点", "5分钟前", "前天", "上周五", "3天前", "刚才", "上个月5号"]
)
async def test_a_past_time_in_todo_is_refused_as_past(li: Chat, when: str) -> None:
    reply = await li.send(f"/todo 张伟 {when} 回电")
    assert "已经过去" in reply.plain_text and "没看懂" not in reply.plain_text
    assert not reply.buttons  # no confirmation: nothing to save


async def test_a_past_time_after_the_cards_button_is_refused_as_past(li: Chat) -> None:
    card = await li.send(f"/client {ZHANG_WEI}")
    await li.press(card, "⏰ 跟进")
    refusal = await li.send("昨天下午3点 回电")
    assert "已经过去" in refusal.plain_text
    confirmation = await li.send("月底 提交季度报告")  # the step allows one more try
    assert "2026-11-30（周一）09:30" in confirmation.plain_text
    assert "默认 09:30" in confirmation.plain_text


async def test_tomorrow_morning_never_moves_a_later_follow_up_earlier(li: Chat) -> None:
    """⏰ 「明天 09:30」 on a task due tomorrow at 10:00 leaves it at 10:00 (and says so)."""
    confirmation = await li.send("/todo 张伟 明天上午10点 回电")
    await li.press(confirmation, "✅ 确认")
    listing = await li.send("/todos")
    later = next(label for label in labels(listing) if label.startswith("⏰"))
    choices = (await li.press(listing, later)).message
    outcome = await li.press(choices, "明天 09:30")
    assert outcome.answer is not None and not outcome.edited  # answered, nothing redrawn
    assert "已推迟" not in choices.plain_text
    again = await li.send("/todos")
    assert "2026-11-21（周六）10:00" in again.plain_text
    assert "09:30" not in again.plain_text
