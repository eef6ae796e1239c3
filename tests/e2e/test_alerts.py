"""Alerts end to end on the demo book: P1 to the manager with 确认/稍后/升级 and a supervisor
ping; P2 batched with research links and approved talking points; escalation on an injected
clock; reassignment; permanent failures reported once. Jobs are called directly."""

from __future__ import annotations

from datetime import date
from typing import Any

from crm.rules.config import load_rules_config
from crm.rules.service import RulesService
from scheduler.alerts import sweep
from scheduler.escalations import escalate_due
from scheduler.startup import stop
from tests.e2e.conftest import DEMO_AS_OF, Bot
from tests.support.proactive import FakeClock, shanghai, use_clock

FRIDAY = date(2026, 11, 20)


async def setup(demo_bot: Bot) -> tuple[FakeClock, dict[str, Any]]:
    clock = FakeClock(shanghai(FRIDAY, 16, 0))  # the evening the day's data arrived
    use_clock(demo_bot.application, demo_bot.runtime.uow, clock)
    people = {
        "M001": await demo_bot.bound_user("M001", 8001, "李明"),
        "M002": await demo_bot.bound_user("M002", 8002, "王芳"),
        "S001": await demo_bot.bound_user("S001", 8101, "周建国"),
        "A001": await demo_bot.bound_user("A001", 8201, "韩雪"),
    }
    rules = RulesService(demo_bot.runtime.uow, load_rules_config(None), clock=clock)
    await rules.evaluate(DEMO_AS_OF)
    return clock, people


async def settle_sends(demo_bot: Bot) -> None:
    """Wait until the paced sender has sent everything queued (event-driven, no sleeping)."""
    pacer = demo_bot.application.bot_data.scheduler.pacer
    await demo_bot.server.emulator.wait_until(lambda: pacer.pending == 0)
    await demo_bot.telegram.settle()


async def test_p1_reaches_manager_and_supervisor_and_escalates_until_acknowledged(
    demo_bot: Bot,
) -> None:
    app = demo_bot.application
    telegram = demo_bot.telegram
    clock, people = await setup(demo_bot)
    li, zhou, han = people["M001"], people["S001"], people["A001"]

    counts = await sweep(app)
    assert counts["p1"] >= 2 and counts["p2"] >= 3
    p1 = await telegram.next_message(li)
    assert (
        "紧急预警" in p1.plain_text
        and "转出" in p1.plain_text
        and "占前一日总资产" in p1.plain_text
    )
    assert [b.text for b in p1.buttons] == ["确认", "稍后", "升级"]
    assert "KB-HNW-OUTFLOW-SCRIPT" in p1.plain_text  # the approved guidance, cited
    events = await telegram.next_message(li)
    assert "持仓利空提醒" in events.plain_text and events.plain_text.count("重大利空") == 3
    assert (
        "https://" in events.plain_text and "KB-NEGATIVE-EVENT-TALKING-POINTS" in events.plain_text
    )
    assert "核实来源" in events.plain_text  # the approved talking points themselves
    pings = [await telegram.next_message(zhou), await telegram.next_message(zhou)]
    assert all("预警升级 · 第 1 级" in p.plain_text for p in pings)
    assert {tuple(b.text for b in p.buttons) for p in pings} == {("确认", "转派给组员")}
    unbound = await telegram.next_message(zhou)  # 陈志强 (M003) has no Telegram account yet
    assert "消息无法送达" in unbound.plain_text and "陈志强" in unbound.plain_text
    await settle_sends(demo_bot)

    assert await sweep(app) == {"p1": 0, "p2": 0, "pings": 0}  # exactly once
    await settle_sends(demo_bot)
    telegram.assert_no_more_messages(li)
    telegram.assert_no_more_messages(zhou)

    query = await telegram.press(li, p1, "稍后")
    await telegram.next_edit(p1)
    assert "稍后处理" in p1.plain_text and "16:15" in p1.plain_text
    assert "15 分钟后" in telegram.callback_answer(query)["text"]

    clock.advance(minutes=15)
    assert (await escalate_due(app))["reminded"] == 1
    reminder = await telegram.next_message(li)
    assert "提醒" in reminder.plain_text and [b.text for b in reminder.buttons] == [
        "确认",
        "稍后",
        "升级",
    ]

    clock.advance(minutes=15)  # 30 minutes unacknowledged: the supervisor again (level 2)
    assert (await escalate_due(app))["escalated"] == 2  # M001's and M002's P1s
    again = [await telegram.next_message(zhou), await telegram.next_message(zhou)]
    assert all("第 2 级" in m.plain_text and "30 分钟内仍未确认" in m.plain_text for m in again)
    mine = next(m for m in again if "李明" in m.plain_text)
    await telegram.press(zhou, mine, "确认")
    await telegram.next_edit(mine)
    assert "已由 周建国 确认" in mine.plain_text and not mine.buttons

    clock.advance(minutes=30)  # level 3: the admins, only for alerts still unacknowledged
    assert (await escalate_due(app))["escalated"] == 2  # M002's, and M004's (her team is offline)
    admin = [await telegram.next_message(han), await telegram.next_message(han)]
    assert all("第 3 级" in m.plain_text for m in admin)
    assert any("王芳" in m.plain_text for m in admin) and not any(
        "李明" in m.plain_text for m in admin
    )
    assert all([b.text for b in m.buttons] == ["确认"] for m in admin)  # reassigning is the team's
    clock.advance(minutes=60)
    assert (await escalate_due(app))["escalated"] == 0
    await settle_sends(demo_bot)
    telegram.assert_no_more_messages(li)
    await stop(app)


async def test_manager_escalates_and_supervisor_reassigns_to_a_teammate(demo_bot: Bot) -> None:
    app = demo_bot.application
    telegram = demo_bot.telegram
    _clock, people = await setup(demo_bot)
    li, fang, zhou = people["M001"], people["M002"], people["S001"]
    await sweep(app)
    fang_p1 = await telegram.next_message(fang)
    await settle_sends(demo_bot)
    for _ in telegram.emulator.sent_messages(zhou)[telegram._consumed.get(zhou.id, 0) :]:
        await telegram.next_message(zhou)
    for _ in telegram.emulator.sent_messages(li)[telegram._consumed.get(li.id, 0) :]:
        await telegram.next_message(li)

    # Another manager's alert button: refused, nothing changes.
    forged = telegram.emulator.user_presses(
        li,
        li.id,
        telegram.emulator.sent_messages(li)[-1].message_id,
        fang_p1.buttons[0].callback_data,
        strict=False,
    )
    await telegram.settle()
    assert telegram.callback_answer(forged)["text"] in ("您无权处理该预警", "按钮已过期")

    await telegram.press(fang, fang_p1, "升级")
    manual = await telegram.next_message(zhou)
    assert "王芳 请求您协助处理" in manual.plain_text
    await telegram.next_edit(fang_p1)
    assert "已升级给 周建国" in fang_p1.plain_text

    await telegram.press(zhou, manual, "转派给组员")
    await telegram.next_edit(manual)
    assert [b.text for b in manual.buttons] == ["李明", "陈志强"]
    await telegram.press(zhou, manual, "李明")
    await telegram.next_edit(manual)
    assert "已转派给 李明" in manual.plain_text
    await sweep(app)  # the job the press kicked off, called directly here
    handed = await telegram.next_message(li)
    assert "紧急预警" in handed.plain_text and [b.text for b in handed.buttons] == [
        "确认",
        "稍后",
        "升级",
    ]
    await telegram.press(li, handed, "确认")
    await telegram.next_edit(handed)
    assert "已由 李明 确认" in handed.plain_text
    await stop(app)


async def test_a_blocked_manager_is_reported_to_the_supervisor_once(demo_bot: Bot) -> None:
    app = demo_bot.application
    telegram = demo_bot.telegram
    _clock, people = await setup(demo_bot)
    li, zhou = people["M001"], people["S001"]
    telegram.emulator.set_blocked(li)
    await sweep(app)
    await settle_sends(demo_bot)
    texts = [m.plain_text for m in telegram.emulator.sent_messages(zhou)]
    failures = [t for t in texts if "消息无法送达" in t and "李明" in t]
    assert len(failures) == 2  # the P1 and the P2 batch, each reported once
    await sweep(app)
    await settle_sends(demo_bot)
    assert [m.plain_text for m in telegram.emulator.sent_messages(zhou)] == texts  # not retried
    statuses = {
        d.kind: d.status
        for d in await app.bot_data.services.deliveries.on_day(FRIDAY)
        if d.staff_id == "M001"
    }
    assert statuses and set(statuses.values()) == {"failed"}
    await stop(app)
