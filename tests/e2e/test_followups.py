"""Follow-ups over the emulated Bot API: /todo with a Chinese date → confirmation → ✅ saved →
the reminder job (called directly, clock advanced) reaches the manager → /todos → ✅ done;
stale and forged buttons; another manager's follow-up; the card's ⏰ flow; restart-proof jobs."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import build_application
from bot.bootstrap import build_runtime
from crm.clients import ClientService
from crm.followups import FollowUpService
from emulator import polling
from handlers.buttons_client import CardAction
from scheduler import reminders
from storage.activity_rows import FollowUpRow
from storage.rows import ClientRow
from tests.e2e.conftest import Bot, settings_for
from tests.support.botapi import BotApiServer, Conversation

# Friday 2026-11-20 14:00 in Shanghai (the demo book's as-of day).
START = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
DUE = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)  # 明天上午10点 = Sat 10:00 Shanghai


class FakeClock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@dataclass
class ClockedBot:
    bot: Bot
    clock: FakeClock
    request: dict[str, Any] | None = None  # the last /todo update sent by confirm_todo

    @property
    def telegram(self) -> Conversation:
        return self.bot.telegram


@pytest.fixture
async def fu_bot(demo_template: Path, tmp_path: Path) -> AsyncIterator[ClockedBot]:
    """The demo bot with the follow-up service on a fake clock (no wall-clock reads)."""
    data_dir = tmp_path / "data"
    shutil.copytree(demo_template, data_dir, ignore=shutil.ignore_patterns("csv"))
    clock = FakeClock()
    async with BotApiServer() as server:
        settings = settings_for(data_dir, server)
        runtime = await build_runtime(settings)
        clients = ClientService(runtime.uow, clock=clock, timezone=settings.timezone)
        runtime.services.followups = FollowUpService(runtime.uow, clients, clock=clock)
        application = build_application(settings, runtime.services)
        try:
            async with polling(application):
                conversation = Conversation(server.emulator, application)
                yield ClockedBot(Bot(runtime, conversation, application, server), clock)
        finally:
            await runtime.aclose()


async def a_client_of(bot: Bot, manager_id: str) -> tuple[str, str]:
    """(client_id, name) of a client whose name is unique in that manager's book."""
    async with bot.runtime.uow() as work:
        rows = (
            await work.session.execute(
                select(ClientRow.client_id, ClientRow.name)
                .where(ClientRow.manager_id == manager_id)
                .order_by(ClientRow.client_id)
            )
        ).all()
    names = [name for _, name in rows]
    return next((cid, name) for cid, name in rows if names.count(name) == 1)


async def follow_up_rows(bot: Bot) -> list[FollowUpRow]:
    async with bot.runtime.uow() as work:
        rows = list((await work.session.scalars(select(FollowUpRow))).all())
        work.session.expunge_all()  # keep the loaded values after the unit of work ends
        return rows


def job_context(bot: Bot) -> Any:
    """What PTB hands a job callback; enough for calling the job directly (no clock waits)."""
    app = bot.application
    return SimpleNamespace(
        application=app, bot=app.bot, job_queue=app.job_queue, services=app.bot_data.services
    )


async def confirm_todo(fb: ClockedBot, user: Any, client_name: str) -> Any:
    """/todo → confirmation with the resolved date → ✅; returns the confirmation message."""
    telegram = fb.telegram
    fb.request = await telegram.user_sends(user, f"/todo {client_name} 明天上午10点回电")
    confirmation = await telegram.next_message(user)
    assert "2026-11-21（周六）10:00" in confirmation.plain_text
    assert "回电" in confirmation.plain_text and client_name in confirmation.plain_text
    assert [b.text for b in confirmation.buttons] == ["✅ 确认", "✖️ 取消"]
    assert await follow_up_rows(fb.bot) == []  # nothing saved before ✅
    await telegram.press(user, confirmation, "✅ 确认")
    await telegram.next_edit(confirmation)
    return confirmation


async def test_todo_is_confirmed_saved_reminded_listed_and_done(fu_bot: ClockedBot) -> None:
    bot, telegram = fu_bot.bot, fu_bot.telegram
    wang = await bot.bound_user("M001", 1001, "芳")
    client_id, name = await a_client_of(bot, "M001")

    confirmation = await confirm_todo(fu_bot, wang, name)
    assert "已保存 #" in confirmation.plain_text and confirmation.buttons == []
    [row] = await follow_up_rows(bot)
    assert (row.client_id, row.title, row.due_at, row.owner_id) == (client_id, "回电", DUE, "M001")

    # Telegram delivers the /todo again: confirming it saves nothing new, 已保存 the same #id.
    assert fu_bot.request is not None
    await telegram.replay({"message": fu_bot.request})
    again = await telegram.next_message(wang)
    await telegram.press(wang, again, "✅ 确认")
    await telegram.next_edit(again)
    assert f"已保存 #{row.id}" in again.plain_text
    assert len(await follow_up_rows(bot)) == 1
    # The used ✅ is gone from the first confirmation: pressing it anyway is stale.
    query = bot.server.emulator.user_presses(
        wang,
        wang.id,
        confirmation.message_id,
        f"fu:ok:{client_id}:{row.message_id}:1",
        strict=False,
    )
    await telegram.settle()
    assert telegram.callback_answer(query)["text"] == "按钮已过期"

    # Not due yet: the job sends nothing.
    await reminders.send_due_reminders(job_context(bot))
    await telegram.settle()
    telegram.assert_no_more_messages(wang)

    fu_bot.clock.now = DUE + timedelta(seconds=30)
    await reminders.send_due_reminders(job_context(bot))
    reminder = await telegram.next_message(wang)
    assert "跟进提醒" in reminder.plain_text and "回电" in reminder.plain_text
    assert name in reminder.plain_text and "2026-11-21（周六）10:00" in reminder.plain_text
    assert [b.text for b in reminder.buttons] == ["✅ 完成", "+1 小时", "明天 09:30"]
    await reminders.send_due_reminders(job_context(bot))  # exactly once
    await telegram.settle()
    telegram.assert_no_more_messages(wang)

    await telegram.user_sends(wang, "/todos")
    listing = await telegram.next_message(wang)
    assert "待办跟进" in listing.plain_text and "回电" in listing.plain_text
    assert [b.text for b in listing.buttons] == [f"✅ 完成 #{row.id}", f"⏰ 稍后 #{row.id}"]

    await telegram.press(wang, listing, f"✅ 完成 #{row.id}")
    await telegram.next_edit(listing)
    assert "没有待办跟进" in listing.plain_text
    [done] = await follow_up_rows(bot)
    assert done.status == "done"

    # The reminder's buttons are stale now: snoozing a finished follow-up changes nothing.
    await telegram.press(wang, reminder, "+1 小时")
    await telegram.next_edit(reminder)
    assert "已经完成" in reminder.plain_text
    assert (await follow_up_rows(bot))[0].status == "done"


async def test_cancel_saves_nothing_and_snooze_re_arms_the_reminder(fu_bot: ClockedBot) -> None:
    bot, telegram = fu_bot.bot, fu_bot.telegram
    # A second, never started Application on the same services: its job queue keeps the jobs
    # the follow-up changes arm, so they can be inspected without the wall clock firing them.
    observer = build_application(bot.runtime.settings, bot.runtime.services).job_queue
    wang = await bot.bound_user("M001", 1001, "芳")
    _, name = await a_client_of(bot, "M001")

    await telegram.user_sends(wang, f"/todo {name} 周五 约面谈")
    confirmation = await telegram.next_message(wang)
    assert "2026-11-27（周五）09:30" in confirmation.plain_text
    assert "默认 09:30" in confirmation.plain_text
    await telegram.press(wang, confirmation, "✖️ 取消")
    await telegram.next_edit(confirmation)
    assert "已取消" in confirmation.plain_text and await follow_up_rows(bot) == []

    await confirm_todo(fu_bot, wang, name)
    [row] = await follow_up_rows(bot)
    jobs = observer.get_jobs_by_name(reminders.job_name(row.id))
    assert [j.job.trigger.run_date for j in jobs] == [DUE]
    assert jobs[0].job.misfire_grace_time == reminders.MISFIRE_GRACE_SECONDS

    await telegram.user_sends(wang, "/todos")
    listing = await telegram.next_message(wang)
    await telegram.press(wang, listing, f"⏰ 稍后 #{row.id}")
    choices = await telegram.next_message(wang)
    await telegram.press(wang, choices, "+1 小时")
    await telegram.next_edit(choices)
    assert "已推迟" in choices.plain_text and "11:00" in choices.plain_text
    [moved] = await follow_up_rows(bot)
    assert moved.due_at == DUE + timedelta(hours=1) and moved.snooze_count == 1
    jobs = observer.get_jobs_by_name(reminders.job_name(row.id))  # replaced, not added
    assert [j.job.trigger.run_date for j in jobs] == [DUE + timedelta(hours=1)]

    await telegram.press(wang, listing, f"✅ 完成 #{row.id}")
    await telegram.next_edit(listing)
    assert not observer.get_jobs_by_name(reminders.job_name(row.id))


async def test_stale_forged_and_foreign_buttons_get_expired(fu_bot: ClockedBot) -> None:
    bot, telegram = fu_bot.bot, fu_bot.telegram
    wang = await bot.bound_user("M001", 1001, "芳")
    li = await bot.bound_user("M002", 1002, "静")
    _, name = await a_client_of(bot, "M001")
    await confirm_todo(fu_bot, wang, name)
    [row] = await follow_up_rows(bot)

    # Li lists her own (empty) follow-ups, then forges ✅ for Wang's follow-up on that message.
    await telegram.user_sends(li, "/todos")
    her_list = await telegram.next_message(li)
    for forged in (f"todo:done:{row.id}", "todo:done:notanumber", "fu:ok:x:1:1", "todo:zap:1"):
        query = bot.server.emulator.user_presses(
            li, li.id, her_list.message_id, forged, strict=False
        )
        await telegram.settle()
        assert telegram.callback_answer(query)["text"] == "按钮已过期"
    telegram.assert_no_more_messages(li)
    assert (await follow_up_rows(bot))[0].status == "open"

    # The card's ⏰ for a client outside her book is refused the same way.
    other_id, _ = await a_client_of(bot, "M001")
    card = bot.server.emulator.user_presses(
        li, li.id, her_list.message_id, CardAction("fu", other_id).pack(), strict=False
    )
    await telegram.settle()
    assert telegram.callback_answer(card)["text"] == "按钮已过期"
    telegram.assert_no_more_messages(li)


async def test_the_card_button_asks_when_and_what_then_confirms(fu_bot: ClockedBot) -> None:
    bot, telegram = fu_bot.bot, fu_bot.telegram
    wang = await bot.bound_user("M001", 1001, "芳")
    client_id, name = await a_client_of(bot, "M001")
    await telegram.user_sends(wang, f"/client {client_id}")
    card = await telegram.next_message(wang)
    assert CardAction("fu", client_id).pack() in {b.callback_data for b in card.buttons}
    await telegram.press(wang, card, "⏰ 跟进")
    prompt = await telegram.next_message(wang)
    assert "什么时候？做什么？" in prompt.plain_text and name in prompt.plain_text

    await telegram.user_sends(wang, "随便写写")
    refusal = await telegram.next_message(wang)
    assert "没看懂时间" in refusal.plain_text and "明天下午3点" in refusal.plain_text
    await telegram.user_sends(wang, "下周二上午9:30 复盘持仓")
    confirmation = await telegram.next_message(wang)
    assert (
        "2026-11-24（周二）09:30" in confirmation.plain_text
        and "复盘持仓" in confirmation.plain_text
    )
    await telegram.press(wang, confirmation, "✅ 确认")
    await telegram.next_edit(confirmation)
    [row] = await follow_up_rows(bot)
    assert (row.client_id, row.title) == (client_id, "复盘持仓")


async def test_usage_past_and_unknown_client_are_answered_clearly(fu_bot: ClockedBot) -> None:
    bot, telegram = fu_bot.bot, fu_bot.telegram
    wang = await bot.bound_user("M001", 1001, "芳")
    _, name = await a_client_of(bot, "M001")
    other_id, other_name = await a_client_of(bot, "M003")
    cases = [
        ("/todo", "用法"),
        (f"/todo {name} 今天上午9点 回电", "已经过去"),
        (f"/todo {name} 明天上午10点", "要做什么"),
        (f"/todo {other_id} 明天 回电", "没有找到客户"),
        ("/todo <b>x</b> 明天 回电", "没有找到客户「<b>x</b>」"),
    ]
    for text, expected in cases:
        await telegram.user_sends(wang, text)
        assert expected in (await telegram.next_message(wang)).plain_text, text
    assert await follow_up_rows(bot) == []
    assert other_name  # the other manager's client exists; it is just not Wang's


async def test_reminder_jobs_are_rebuilt_from_the_database_at_start(fu_bot: ClockedBot) -> None:
    """A restart: a fresh Application re-arms one named job per open follow-up."""
    bot = fu_bot.bot
    wang = await bot.bound_user("M001", 1001, "芳")
    _, name = await a_client_of(bot, "M001")
    await confirm_todo(fu_bot, wang, name)
    [row] = await follow_up_rows(bot)

    fresh = build_application(bot.runtime.settings, bot.runtime.services)
    names = {job.name for job in fresh.job_queue.jobs()}
    assert {reminders.SWEEP_JOB, reminders.RESTORE_JOB} <= names
    assert reminders.job_name(row.id) not in names  # not yet: read from the database at start
    await reminders.restore_reminder_jobs(
        SimpleNamespace(services=bot.runtime.services, job_queue=fresh.job_queue)
    )
    [job] = fresh.job_queue.get_jobs_by_name(reminders.job_name(row.id))
    assert job.job.trigger.run_date == DUE  # the scheduler is not started: read the trigger
    sweep = fresh.job_queue.get_jobs_by_name(reminders.SWEEP_JOB)[0]
    assert sweep.job.misfire_grace_time == reminders.SWEEP_SECONDS
    assert job.job.misfire_grace_time == reminders.MISFIRE_GRACE_SECONDS


async def test_an_ambiguous_client_is_picked_by_button_then_confirmed(fu_bot: ClockedBot) -> None:
    bot, telegram = fu_bot.bot, fu_bot.telegram
    wang = await bot.bound_user("M001", 1001, "芳")
    member = await bot.runtime.services.staff.get("M001")
    clients = ClientService(bot.runtime.uow)
    async with bot.runtime.uow() as work:
        names = (
            await work.session.scalars(select(ClientRow.name).where(ClientRow.manager_id == "M001"))
        ).all()
    for surname in sorted({n[0] for n in names}):  # a surname several of her clients share
        matches = await clients.search(surname, member)
        if len(matches) > 1 and all(m.score < 100 for m in matches):
            break
    else:
        pytest.fail("no shared surname in M001's demo book")

    await telegram.user_sends(wang, f"/todo {surname} 明天上午10点 回电")
    choice = await telegram.next_message(wang)
    assert "多位客户" in choice.plain_text and len(choice.buttons) == len(matches[:8])
    chosen = matches[0]
    await telegram.press(wang, choice, f"{chosen.name}（{chosen.client_id}）")
    await telegram.next_edit(choice)
    assert "2026-11-21（周六）10:00" in choice.plain_text and chosen.name in choice.plain_text
    await telegram.press(wang, choice, "✅ 确认")
    await telegram.next_edit(choice)
    [row] = await follow_up_rows(bot)
    assert (row.client_id, row.title) == (chosen.client_id, "回电")
