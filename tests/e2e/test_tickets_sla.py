"""Tickets with SLA clocks end to end over HTTP (issue 14, done-when 1–3): a ticket imported 20
minutes after opening, unanswered, is pushed to its owner and pings the supervisor; one tap
reassigns it and the new owner is told; ✅ Responded then ✅ Resolved closes it with the
resolution stored. The scheduler is enabled on an injected clock; its ticket job (registered
in scheduler/sweeps.py) is called directly, as the alert tests do, so nothing sleeps."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from sqlalchemy import select

from importing import ImportService
from scheduler.startup import stop
from scheduler.sweeps import SWEEPS
from scheduler.tickets import TICKETS_JOB, sweep_tickets
from storage.rows import ClientRow, TicketRow
from tests.e2e.conftest import Bot
from tests.support.proactive import FakeClock, use_clock

SHANGHAI = ZoneInfo("Asia/Shanghai")
OPENED = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)  # a Monday morning


async def settle_sends(bot: Bot) -> None:
    """Wait until the paced sender has sent everything queued (event-driven, no sleeping)."""
    pacer = bot.application.bot_data.scheduler.pacer
    await bot.server.emulator.wait_until(lambda: pacer.pending == 0)
    await bot.telegram.settle()


async def run_ticket_job(bot: Bot) -> None:
    await sweep_tickets(SimpleNamespace(application=bot.application))  # type: ignore[arg-type]
    await settle_sends(bot)


async def test_a_late_ticket_pings_the_supervisor_is_reassigned_and_closed(
    bot: Bot, tmp_path: Path
) -> None:
    app, telegram = bot.application, bot.telegram
    assert TICKETS_JOB in {s.name for s in SWEEPS}  # the lock holder runs it repeatedly
    clock = FakeClock(OPENED + timedelta(minutes=20))
    use_clock(app, bot.runtime.uow, clock)
    wang = await bot.bound_user("M001", 8001, "王芳")
    li = await bot.bound_user("M002", 8002, "Li Jing")
    zhou = await bot.bound_user("S001", 8101, "周强")
    async with bot.runtime.uow() as work:
        work.session.add(
            ClientRow(
                client_id="3100000001",
                name="张伟",
                manager_id="M001",
                opened_on=date(2020, 1, 2),
                risk_level="C3",
            )
        )
        await work.commit()

    # 1. The bank's file arrives 20 minutes after the ticket was opened; no one has answered.
    csv = tmp_path / "tickets.csv"
    csv.write_text(
        "ticket_id,client_id,category,opened_at,summary\n"
        "TK-9001,3100000001,inquiry,2026-11-23 10:00,客户询问两融开通条件，电话 13812345678\n",
        encoding="utf-8",
    )
    report = await ImportService(bot.runtime.engine).import_file("tickets", csv)
    assert report.committed and report.inserted == 1
    await run_ticket_job(bot)

    pushed = await telegram.next_message(wang)  # the owner (the client's manager) at once
    assert "新工单" in pushed.plain_text and "TK-9001" in pushed.plain_text
    assert "首次响应已超时 5 分钟" in pushed.plain_text and "13812345678" not in pushed.plain_text
    assert [b.text for b in pushed.buttons] == ["✅ 已响应", "✅ 已解决"]
    ping = await telegram.next_message(zhou)
    assert "工单超时 · 首次响应" in ping.plain_text and "第 1 级" in ping.plain_text
    assert "王芳 的咨询工单 TK-9001" in ping.plain_text
    assert [b.text for b in ping.buttons] == ["→ 李静"]  # one-tap reassign to a teammate

    await run_ticket_job(bot)  # once per clock: the next sweep pings nobody
    telegram.assert_no_more_messages(zhou)
    telegram.assert_no_more_messages(wang)

    # 2. One tap reassigns it; the new owner is told at once, in her language.
    query = await telegram.press(zhou, ping, "→ 李静")
    await telegram.next_edit(ping)
    assert "已转派给 李静" in ping.plain_text
    assert "李静" in telegram.callback_answer(query)["text"]
    await settle_sends(bot)
    handed = await telegram.next_message(li)
    assert "Ticket reassigned to you" in handed.plain_text and "TK-9001" in handed.plain_text
    assert [b.text for b in handed.buttons] == ["✅ Responded", "✅ Resolved"]
    assert not ping.buttons  # the ping's buttons are gone after the reassignment

    # 3. ✅ Responded, then ✅ Resolved with a one-line resolution, closes it.
    clock.advance(minutes=3)
    await telegram.press(li, handed, "✅ Responded")
    await telegram.next_edit(handed)
    assert "Responded by 李静" in handed.plain_text
    assert [b.text for b in handed.buttons] == ["✅ Resolved"]
    await telegram.press(li, handed, "✅ Resolved")
    prompt = await telegram.next_message(li)
    assert "Reply with one line" in prompt.plain_text
    await telegram.user_sends(li, "Called the client and explained the margin requirements")
    closed = await telegram.next_message(li)
    assert "resolved and closed" in closed.plain_text
    async with bot.runtime.uow() as work:
        ticket = await work.session.scalar(
            select(TicketRow).where(TicketRow.ticket_id == "TK-9001")
        )
        assert ticket is not None and ticket.status == "closed"
        assert ticket.manager_id == "M002" and ticket.closed_by == "M002"
        assert ticket.resolution == "Called the client and explained the margin requirements"

    clock.advance(hours=3)  # nothing left to escalate
    await run_ticket_job(bot)
    telegram.assert_no_more_messages(zhou)
    telegram.assert_no_more_messages(li)
    await stop(app)
