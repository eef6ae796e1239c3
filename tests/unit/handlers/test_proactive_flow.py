"""/today with the briefing's buttons, /settings with its buttons, and the buttons of pushed
alerts (确认 / 稍后 / 升级) and escalation pings (确认 / 转派给组员 / a teammate)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest

from emulator import BotMessage
from scheduler.alerts import sweep
from scheduler.startup import stop
from tests.support.proactive import use_clock
from tests.support.ptb import Chat, Harness, labels
from tests.unit.handlers.conftest import DEMO_AS_OF


def shanghai(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


MONDAY = date(2026, 11, 23)


async def evaluate_rules(harness: Harness, now: datetime) -> None:
    harness.clock.now = now
    await harness.services.rules.evaluate(DEMO_AS_OF)


async def test_today_lists_the_ranked_briefing_with_its_buttons(harness: Harness) -> None:
    await evaluate_rules(harness, shanghai(MONDAY, 8, 30))
    li = await harness.staff("M001", 1001, "李明")
    briefing = await li.send("/today")
    text = briefing.plain_text
    assert "🔴 紧急预警" in text and "转出" in text and "3100000" not in text
    assert labels(briefing)[:3] == ["1 卡片", "1 记录", "1 ✅"]

    card = (await li.press(briefing, "1 卡片")).message
    assert "（31000000" in card.plain_text and "📝 记录" in labels(card)
    prompt = (await li.press(briefing, "1 记录")).message
    assert "请发送对" in prompt.plain_text

    done = await li.press(briefing, "1 ✅")
    assert done.toast is not None and done.toast != "按钮已过期" and not done.messages

    more = await li.press(briefing, "更多 ▸")
    assert more.edited == [briefing] and "本页第 9–" in briefing.plain_text
    assert "◂ 第一页" in labels(briefing)
    for forged in ("brief:done:x:1", "brief:more:p:2026xx01"):
        assert (await li.press_data(briefing, forged)).toast == "按钮已过期"


async def test_a_supervisor_gets_the_team_digest(harness: Harness) -> None:
    await evaluate_rules(harness, shanghai(MONDAY, 8, 30))
    zhou = await harness.staff("S001", 1101, "周建国")
    digest = await zhou.send("/today")
    assert "团队晨报" in digest.plain_text and "（李明）" in digest.plain_text


async def test_settings_time_and_language(li: Chat) -> None:
    outcome = await li.send_all("/settings 07:45")
    assert len(outcome.messages) == 2
    assert outcome.messages[0].plain_text == "✅ 晨报时间已改为 07:45"
    settings = outcome.messages[-1]
    assert "晨报时间：07:45" in settings.plain_text
    assert "时间格式不对" in (await li.send("/settings 25:99")).plain_text

    english = await li.press(settings, "🌐 English")
    assert english.toast == "✅ Language set to English"
    assert "Briefing time: 07:45" in settings.plain_text
    time_button = next(label for label in labels(settings) if label == "08:30")
    chosen = await li.press(settings, time_button)
    assert chosen.toast == "✅ Briefing time set to 08:30"
    assert "Briefing time: 08:30" in settings.plain_text
    assert (await li.press_data(settings, "set:time:2561")).toast == "This button has expired"
    assert "Settings" in (await li.send("/settings")).plain_text


@pytest.fixture
async def alerted(harness: Harness) -> AsyncIterator[dict[str, Chat]]:
    """Friday 16:00: the rules ran on the day's data; M001, M002, S001 bound; alerts pushed."""
    await evaluate_rules(harness, shanghai(DEMO_AS_OF, 16, 0))
    people = {
        "M001": await harness.staff("M001", 8001, "李明"),
        "M002": await harness.staff("M002", 8002, "王芳"),
        "S001": await harness.staff("S001", 8101, "周建国"),
    }
    # The pacer's time moves only when it "sleeps": nothing waits on the wall clock.
    gate = use_clock(harness.application, harness.runtime.uow, harness.clock)
    counts = await sweep(harness.application)  # the job, called directly
    assert counts["p1"] >= 2
    pacer = gate.pacer
    assert pacer is not None
    await harness.emulator.wait_until(lambda: pacer.pending == 0)
    try:
        yield people
    finally:
        await stop(harness.application)


def p1_of(harness: Harness, chat: Chat) -> BotMessage:
    return next(m for m in harness.sent_to(chat) if labels(m) == ["确认", "稍后", "升级"])


async def test_alert_snooze_and_acknowledge(harness: Harness, alerted: dict[str, Chat]) -> None:
    li = alerted["M001"]
    p1 = p1_of(harness, li)
    snoozed = await li.press(p1, "稍后")
    assert "15 分钟后" in (snoozed.toast or "") and "稍后处理" in p1.plain_text
    acknowledged = await li.press(p1, "确认")
    assert acknowledged.toast and "已由 李明 确认" in p1.plain_text
    assert not labels(p1)


async def test_escalate_then_the_supervisor_reassigns_and_acknowledges(
    harness: Harness, alerted: dict[str, Chat]
) -> None:
    fang, zhou = alerted["M002"], alerted["S001"]
    p1 = p1_of(harness, fang)
    before = len(harness.sent_to(zhou))
    escalated = await fang.press(p1, "升级")
    assert "周建国" in (escalated.toast or "") and "已升级给 周建国" in p1.plain_text
    ping = harness.sent_to(zhou)[before]
    assert "王芳 请求您协助处理" in ping.plain_text
    assert labels(ping) == ["确认", "转派给组员"]

    await zhou.press(ping, "转派给组员")
    assert labels(ping) == ["李明", "陈志强"]
    reassigned = await zhou.press(ping, "李明")
    assert "李明" in (reassigned.toast or "") and "已转派给 李明" in ping.plain_text

    others = [m for m in harness.sent_to(zhou) if labels(m) == ["确认", "转派给组员"]]
    pinged = others[0]
    acknowledged = await zhou.press(pinged, "确认")
    assert acknowledged.toast and "已由 周建国 确认" in pinged.plain_text


async def test_another_managers_alert_button_is_refused(
    harness: Harness, alerted: dict[str, Chat]
) -> None:
    li, fang = alerted["M001"], alerted["M002"]
    data = p1_of(harness, fang).buttons[0].callback_data
    assert data is not None
    press = await li.press_data(harness.sent_to(li)[-1], data)
    assert press.toast in ("您无权处理该预警", "按钮已过期") and not press.messages
