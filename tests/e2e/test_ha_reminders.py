"""Follow-up reminders with several processes on one database (issue 12, HA): where the
proactive scheduler is enabled (`ambot run`), only the process holding the scheduler lock sends
them, so two processes never both send the same reminder."""

from __future__ import annotations

from datetime import timedelta

from scheduler import reminders
from scheduler.state import state_of
from tests.e2e.test_followups import (  # noqa: F401 - fu_bot is a fixture
    DUE,
    ClockedBot,
    a_client_of,
    confirm_todo,
    fu_bot,
    job_context,
)


async def test_only_the_lock_holder_sends_a_due_reminder(fu_bot: ClockedBot) -> None:  # noqa: F811
    bot, telegram = fu_bot.bot, fu_bot.telegram
    wang = await bot.bound_user("M001", 1101, "芳")
    _, name = await a_client_of(bot, "M001")
    await confirm_todo(fu_bot, wang, name)
    fu_bot.clock.now = DUE + timedelta(seconds=30)

    state = state_of(bot.application)
    # `ambot run`, and another process holds the lock (what scheduler.startup.try_lock records)
    state.enabled, state.running, state.holder = True, False, "host:4242:other"
    await reminders.send_due_reminders(job_context(bot))
    await telegram.settle()
    telegram.assert_no_more_messages(wang)

    state.running, state.holder = True, None  # this process takes the lock over
    await reminders.send_due_reminders(job_context(bot))
    reminder = await telegram.next_message(wang)
    assert "跟进提醒" in reminder.plain_text and name in reminder.plain_text
    await reminders.send_due_reminders(job_context(bot))
    await telegram.settle()
    telegram.assert_no_more_messages(wang)
