"""Morning briefings end to end: jobs derived from the database, the briefing and /today, the
exactly-once fan-out across a crash and restart, the grace window, /settings and the lock."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.app import build_application
from crm.masking import mask_id_number, mask_phone
from crm.rules.config import load_rules_config
from crm.rules.service import RulesService
from emulator import polling
from scheduler.briefings import catch_up_all, job_name
from scheduler.startup import start, stop
from storage.rows import ClientRow
from tests.e2e.conftest import DEMO_AS_OF, Bot
from tests.support.botapi import Conversation
from tests.support.proactive import FakeClock, PacerTime, shanghai, use_clock

MONDAY = date(2026, 11, 23)
TEAM = ("M001", "M002", "M003", "M004", "M005", "M006", "S001", "S002")


def is_briefing(message: Any) -> bool:
    """A pushed morning briefing (☀️) or supervisor digest (🧭)."""
    return message.plain_text.startswith(("☀️", "🧭"))


async def bind_team(demo_bot: Bot) -> dict[str, Any]:
    return {s: await demo_bot.bound_user(s, 5000 + n, s) for n, s in enumerate(TEAM)}


async def evaluate_rules(demo_bot: Bot, clock: FakeClock) -> None:
    rules = RulesService(demo_bot.runtime.uow, load_rules_config(None), clock=clock)
    await rules.evaluate(DEMO_AS_OF)


async def test_jobs_are_derived_from_the_database_and_rescheduled_by_settings(
    demo_bot: Bot,
) -> None:
    app = demo_bot.application
    clock = FakeClock(shanghai(MONDAY, 7, 0))  # before anyone's briefing: nothing to catch up
    use_clock(app, demo_bot.runtime.uow, clock)
    li = await demo_bot.bound_user("M002", 7002, "王芳")
    assert await start(app)

    jobs = {job.name: job for job in app.job_queue.jobs()}
    assert {job_name(s) for s in TEAM} <= set(jobs)
    assert job_name("A001") not in jobs and job_name("C001") not in jobs
    m002 = jobs[job_name("M002")]
    trigger = m002.job.trigger
    assert str(trigger.fields[4]) == "mon,tue,wed,thu,fri"  # PTB days (1..5), 0 = Sunday
    assert m002.job.misfire_grace_time == 3600  # never APScheduler's default of one second
    assert m002.next_t.astimezone(ZoneInfo("Asia/Shanghai")).time() == time(8, 15)
    assert m002.next_t.astimezone(ZoneInfo("Asia/Shanghai")).weekday() < 5

    await demo_bot.telegram.user_sends(li, "/settings 07:45")
    assert "07:45" in (await demo_bot.telegram.next_message(li)).plain_text
    settings = await demo_bot.telegram.next_message(li)
    assert "07:45" in settings.plain_text
    renamed = app.job_queue.get_jobs_by_name(job_name("M002"))
    assert len(renamed) == 1  # found again by name: replaced, not added
    assert renamed[0].next_t.astimezone(ZoneInfo("Asia/Shanghai")).time() == time(7, 45)

    await demo_bot.telegram.press(li, settings, "🌐 English")
    await demo_bot.telegram.next_edit(settings)
    assert "Briefing time: 07:45" in settings.plain_text
    await demo_bot.telegram.press(li, settings, "08:30")
    await demo_bot.telegram.next_edit(settings)
    assert len(app.job_queue.get_jobs_by_name(job_name("M002"))) == 1
    assert app.job_queue.get_jobs_by_name(job_name("M002"))[0].next_t.astimezone(
        ZoneInfo("Asia/Shanghai")
    ).time() == time(8, 30)
    await stop(app)


async def test_morning_briefing_and_today_show_the_ranked_list(demo_bot: Bot) -> None:
    app = demo_bot.application
    clock = FakeClock(shanghai(MONDAY, 8, 30))
    await evaluate_rules(demo_bot, clock)
    use_clock(app, demo_bot.runtime.uow, clock)
    li = await demo_bot.bound_user("M001", 7001, "李明")
    outcome = await catch_up_all(app)
    assert outcome["M001"] == "queued"
    assert outcome["M003"] == "not_bound"  # no Telegram account: nothing to send, no ledger row

    briefing = await demo_bot.telegram.next_message(li)
    text = briefing.plain_text
    assert "李明，早上好" in text and "🔴 紧急预警" in text
    assert "转出" in text and "占前一日总资产" in text
    headings = [
        "紧急预警",
        "逾期跟进",
        "今日到期的工单",
        "持仓利空",
        "今日跟进",
        "长期未交易",
        "客户关怀",
    ]
    shown = [text.index(h) for h in headings if h in text]
    assert len(shown) >= 3 and shown == sorted(shown)
    assert "3100000" not in text  # no client identifiers, phones or ID numbers
    labels = [b.text for b in briefing.buttons]
    assert labels[:3] == ["1 卡片", "1 记录", "1 ✅"]

    # The same day again (a second job run, a restart): nothing more is sent.
    assert (await catch_up_all(app))["M001"] == "already"

    await demo_bot.telegram.user_sends(li, "/today")
    today = await demo_bot.telegram.next_message(li)
    assert today.plain_text.split("\n", 1)[1] == text.split("\n", 1)[1]

    zhou = await demo_bot.bound_user("S001", 7101, "周建国")
    await demo_bot.telegram.user_sends(zhou, "/today")
    digest = await demo_bot.telegram.next_message(zhou)
    assert "团队晨报" in digest.plain_text and "未处理的紧急预警" in digest.plain_text
    assert "（李明）" in digest.plain_text  # whose client it is

    await demo_bot.telegram.press(li, briefing, "1 卡片")
    card = (await demo_bot.telegram.next_message(li)).plain_text
    # The card of the first item: the client's name is in the briefing, and her phone and ID
    # number appear only masked (the card shows the client id, the briefing never does).
    opened = re.search(r"(\S+)（(31\d{8})）", card)
    assert opened, card
    name, client_id = opened.groups()
    assert name in text and client_id not in text
    async with demo_bot.runtime.uow() as work:
        phone, id_number = (
            await work.session.execute(
                select(ClientRow.phone, ClientRow.id_number).where(ClientRow.client_id == client_id)
            )
        ).one()
    assert phone and id_number
    assert mask_phone(phone) in card and mask_id_number(id_number) in card
    digits = re.sub(r"\D", "", card)
    assert re.sub(r"\D", "", phone) not in digits and id_number not in card
    await stop(app)


async def test_a_crash_in_the_middle_of_the_fan_out_sends_each_briefing_exactly_once(
    demo_bot: Bot,
) -> None:
    first = demo_bot.application
    clock = FakeClock(shanghai(MONDAY, 8, 31))
    users = await bind_team(demo_bot)
    gate = PacerTime()
    gate.allow = 3
    use_clock(first, demo_bot.runtime.uow, clock, owner="process-1", gate=gate)
    assert await start(first)
    async with asyncio.timeout(10):  # a safety net; the gate says when the fan-out is stuck
        await gate.blocked.wait()
    sent_before = [m for m in demo_bot.server.emulator.sent_messages() if is_briefing(m)]
    assert len(sent_before) == 3

    # Interactive replies are not starved while the bulk queue is stuck.
    await demo_bot.telegram.user_sends(users["M001"], "/help")
    await demo_bot.telegram.settle()
    assert any("/help" in m.plain_text for m in demo_bot.server.emulator.sent_messages(5000))

    # The process dies: bulk sending stops, updates stop, the lock is NOT released.
    await first.bot_data.scheduler.pacer.stop()
    for job in first.job_queue.jobs():  # a dead process runs nothing any more
        job.schedule_removal()
    await first.updater.stop()
    await first.stop()

    clock.advance(minutes=4)  # the dead process's lock (3 min) has expired; grace is 60 min
    services = demo_bot.runtime.services
    second = build_application(demo_bot.runtime.settings, services)
    use_clock(second, demo_bot.runtime.uow, clock, owner="process-2")
    telegram = Conversation(demo_bot.server.emulator, second)
    async with polling(second):
        assert second.bot_data.scheduler.running
        for staff_id in TEAM:
            expected = 1
            await telegram.emulator.wait_until(
                lambda s=staff_id, e=expected: (
                    sum(1 for m in telegram.emulator.sent_messages(users[s]) if is_briefing(m)) >= e
                )
            )
        await telegram.settle()
        for job in second.job_queue.jobs():
            job.schedule_removal()
    counts = {
        s: sum(1 for m in demo_bot.server.emulator.sent_messages(users[s]) if is_briefing(m))
        for s in TEAM
    }
    assert counts == dict.fromkeys(TEAM, 1)
    ledger = await services.deliveries.on_day(MONDAY, ["briefing"])
    assert sorted(d.staff_id for d in ledger if d.status == "sent") == sorted(TEAM)


async def test_past_the_grace_window_nothing_is_sent_late_and_the_supervisor_is_told(
    demo_bot: Bot,
) -> None:
    app = demo_bot.application
    clock = FakeClock(shanghai(MONDAY, 10, 5))  # down from before 08:30 until 10:05
    use_clock(app, demo_bot.runtime.uow, clock)
    li = await demo_bot.bound_user("M001", 7001, "李明")
    zhou = await demo_bot.bound_user("S001", 7101, "周建国")
    outcome = await catch_up_all(app)
    assert outcome["M001"] == "missed" and outcome["S001"] == "missed"
    report = await demo_bot.telegram.next_message(zhou)
    assert "晨报未按时发送" in report.plain_text and "李明" in report.plain_text
    assert "/today" in report.plain_text
    assert (await catch_up_all(app))["M001"] == "already"  # reported once, never sent late
    await demo_bot.telegram.settle()
    await app.bot_data.scheduler.pacer.stop()
    assert not [m for m in demo_bot.server.emulator.sent_messages(li) if is_briefing(m)]
    # S001's own digest was missed too; her supervisor is absent, so the admins would be told.
    reports = [m for m in demo_bot.server.emulator.sent_messages(zhou) if "未按时" in m.plain_text]
    assert len(reports) == 1


async def test_no_briefing_on_weekends_and_holidays(demo_bot: Bot) -> None:
    app = demo_bot.application
    clock = FakeClock(shanghai(date(2026, 10, 1), 8, 40))  # National Day, a Thursday
    use_clock(app, demo_bot.runtime.uow, clock)
    await demo_bot.bound_user("M001", 7001, "李明")
    assert (await catch_up_all(app))["M001"] == "not_trading"
    clock.now = shanghai(date(2026, 11, 22), 8, 40)  # a Sunday
    assert (await catch_up_all(app))["M001"] == "not_trading"


async def test_a_second_process_does_not_run_the_scheduler_and_says_so(
    demo_bot: Bot, caplog: Any
) -> None:
    first = demo_bot.application
    clock = FakeClock(shanghai(MONDAY, 7, 0))
    use_clock(first, demo_bot.runtime.uow, clock, owner="host-a:1")
    assert await start(first)
    second = build_application(demo_bot.runtime.settings, demo_bot.runtime.services)
    use_clock(second, demo_bot.runtime.uow, clock, owner="host-b:2")
    with caplog.at_level(logging.WARNING):
        assert not await start(second)
    assert "scheduler NOT started" in caplog.text and "host-a:1" in caplog.text
    assert not [j for j in second.job_queue.jobs() if j.name.startswith("briefing:")]
    await stop(first)  # a clean stop releases the lock: the other process may take over
    assert await start(second)
    assert second.job_queue.get_jobs_by_name(job_name("M001"))
    await stop(second)
