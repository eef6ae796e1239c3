"""Issue 14 fixes seen in chat: the P1 text names the configured escalation time; the time zone
can be changed in /settings (and the briefing follows it)."""

from __future__ import annotations

import dataclasses

from crm.proactive import load_proactive_config
from scheduler.alerts import sweep
from scheduler.startup import stop
from tests.support.proactive import proactive_services, shanghai, use_clock
from tests.support.ptb import Chat, Harness, labels
from tests.unit.handlers.conftest import DEMO_AS_OF


async def test_the_p1_text_names_the_configured_escalation_time(harness: Harness) -> None:
    clock = harness.clock
    clock.now = shanghai(DEMO_AS_OF, 16, 0)
    await harness.services.rules.evaluate(DEMO_AS_OF)
    li = await harness.staff("M001", 8001, "李明")
    app = harness.application
    gate = use_clock(app, harness.runtime.uow, clock)
    config = dataclasses.replace(load_proactive_config(), escalation_minutes=20)
    app.bot_data.services = proactive_services(
        app.bot_data.services, harness.runtime.uow, clock, config=config
    )
    try:
        await sweep(app)
        pacer = gate.pacer
        assert pacer is not None
        await harness.emulator.wait_until(lambda: pacer.pending == 0)
        p1 = next(m for m in harness.sent_to(li) if labels(m) == ["确认", "稍后", "升级"])
        assert "20 分钟内未确认将升级给主管" in p1.plain_text
        assert "30 分钟" not in p1.plain_text
        await li.press(p1, "稍后")  # the redrawn message keeps the configured time
        assert "20 分钟内未确认将升级给主管" in p1.plain_text
    finally:
        await stop(app)


async def test_the_time_zone_is_changed_in_settings(li: Chat, harness: Harness) -> None:
    settings = await li.send("/settings")
    assert "Asia/Shanghai" in settings.plain_text
    picker = await li.press(settings, "🕒 时区")
    assert picker.toast is not None or picker.edited
    assert "Asia/Hong_Kong" in labels(settings)
    chosen = await li.press(settings, "Asia/Hong_Kong")
    assert chosen.toast == "✅ 时区已改为 Asia/Hong_Kong"
    assert "Asia/Hong_Kong" in settings.plain_text
    member = await harness.services.briefings.member("M001")
    assert member.timezone == "Asia/Hong_Kong"

    typed = await li.send_all("/settings Europe/London")
    assert typed.messages[0].plain_text == "✅ 时区已改为 Europe/London"
    assert "Europe/London" in typed.messages[-1].plain_text
    assert (await harness.services.briefings.member("M001")).timezone == "Europe/London"
    wrong = await li.send("/settings Mars/Olympus")
    assert "时区" in wrong.plain_text and "Asia/Shanghai" in wrong.plain_text
    assert (await harness.services.briefings.member("M001")).timezone == "Europe/London"
    assert (await li.press_data(settings, "set:tz:99")).toast == "按钮已过期"
