"""/broadcast end to end over HTTP (issue 14): an approved document reaches three managers of
one team on the paced outbox; two press 收到; the sender's tally shows 2/3; once the report time
has passed (an injected clock, the sweep called as the scheduler would) the sender is told who
has not acknowledged and the supervisor is asked to follow up."""

from __future__ import annotations

from datetime import date

from scheduler.broadcasts import sweep
from scheduler.startup import stop
from tests.e2e.conftest import Bot
from tests.support.proactive import FakeClock, shanghai, use_clock

MONDAY = date(2026, 11, 23)
DOC = "KB-NEGATIVE-EVENT-TALKING-POINTS"


async def test_a_broadcast_is_acknowledged_and_the_missing_manager_named(demo_bot: Bot) -> None:
    app = demo_bot.application
    telegram = demo_bot.telegram
    clock = FakeClock(shanghai(MONDAY, 9, 0))
    gate = use_clock(app, demo_bot.runtime.uow, clock)
    han = await demo_bot.bound_user("A001", 8201, "韩雪")
    zhou = await demo_bot.bound_user("S001", 8101, "周建国")
    li = await demo_bot.bound_user("M001", 8001, "李明")
    fang = await demo_bot.bound_user("M002", 8002, "王芳")
    chen = await demo_bot.bound_user("M003", 8003, "陈志强")
    try:
        await telegram.user_sends(han, f"/broadcast {DOC} S001")
        tally = await telegram.next_message(han)
        assert "0/3 已确认" in tally.plain_text and "周建国 团队" in tally.plain_text
        pacer = gate.pacer
        assert pacer is not None
        await telegram.emulator.wait_until(lambda: pacer.pending == 0)
        received = {}
        for who in (li, fang, chen):
            message = await telegram.next_message(who)
            assert "总部通知" in message.plain_text and [b.text for b in message.buttons] == [
                "收到"
            ]
            received[who.id] = message

        await telegram.press(li, received[li.id], "收到")
        await telegram.next_edit(received[li.id])
        assert "✅ 已确认收到" in received[li.id].plain_text
        await telegram.next_edit(tally)
        assert "1/3 已确认" in tally.plain_text

        clock.advance(seconds=10)
        query = await telegram.press(fang, received[fang.id], "收到")
        await telegram.next_edit(received[fang.id])
        assert telegram.callback_answer(query)["text"] == "已确认收到，谢谢"
        await telegram.next_edit(tally)
        assert "2/3 已确认" in tally.plain_text

        clock.advance(minutes=119)
        assert (await sweep(app))["reports"] == 0  # not yet
        clock.advance(minutes=1)
        counts = await sweep(app)
        assert counts == {"tallies": 0, "reports": 1, "pings": 1, "resumed": 0}
        await telegram.emulator.wait_until(lambda: pacer.pending == 0)
        report = await telegram.next_message(han)
        assert "未确认名单" in report.plain_text and "2/3 已确认，1 人未确认" in report.plain_text
        assert "陈志强" in report.plain_text and "李明" not in report.plain_text
        ping = await telegram.next_message(zhou)
        assert "请督促确认" in ping.plain_text and "陈志强" in ping.plain_text
        assert (await sweep(app))["reports"] == 0  # once
    finally:
        await stop(app)
