"""Follow-ups: /todo → confirmation (✅ / ✖️ / picking a client), the card's ⏰, /todos with
✅ done, ⏰ later (+1 小时, 明天 09:30) and 更多, and a reminder's ✅."""

from __future__ import annotations

import re
from types import SimpleNamespace

from scheduler import reminders
from tests.support.proactive import use_clock
from tests.support.ptb import Chat, Harness, labels

ZHANG_WEI = "3100000004"  # 张伟 (a unique name in M001's book)


async def todo(li: Chat, text: str = "/todo 张伟 明天上午10点回电") -> int:
    """Confirm a follow-up; returns its id."""
    confirmation = await li.send(text)
    press = await li.press(confirmation, "✅ 确认")
    found = re.search(r"已保存 #(\d+)", confirmation.plain_text)
    assert found and press.edited == [confirmation] and not confirmation.buttons
    return int(found.group(1))


async def test_todo_confirm_and_cancel(li: Chat) -> None:
    confirmation = await li.send("/todo 张伟 明天上午10点回电")
    assert "2026-11-21（周六）10:00" in confirmation.plain_text
    assert "回电" in confirmation.plain_text and "张伟" in confirmation.plain_text
    assert labels(confirmation) == ["✅ 确认", "✖️ 取消"]
    await li.press(confirmation, "✅ 确认")
    assert "已保存 #" in confirmation.plain_text and confirmation.buttons == []

    other = await li.send("/todo 张伟 周五 约面谈")
    assert "2026-11-27（周五）09:30" in other.plain_text and "默认 09:30" in other.plain_text
    await li.press(other, "✖️ 取消")
    assert other.plain_text == "已取消，没有保存。"
    listing = await li.send("/todos")
    assert "约面谈" not in listing.plain_text and "回电" in listing.plain_text


async def test_usage_past_times_and_unknown_clients_are_answered(li: Chat) -> None:
    cases = [
        ("/todo", "用法"),
        ("/todo 张伟 今天上午9点 回电", "已经过去"),
        ("/todo 张伟 明天上午10点", "要做什么"),
        ("/todo <b>x</b> 明天 回电", "没有找到客户「<b>x</b>」"),
    ]
    for text, expected in cases:
        assert expected in (await li.send(text)).plain_text, text
    assert "目前没有待办跟进" in (await li.send("/todos")).plain_text


async def test_an_ambiguous_client_is_picked_by_button(li: Chat) -> None:
    choice = await li.send("/todo 张 明天上午10点 回电")
    assert "多位客户" in choice.plain_text
    picked = next(label for label in labels(choice) if label.startswith("张伟"))
    await li.press(choice, picked)
    assert "2026-11-21（周六）10:00" in choice.plain_text and "张伟" in choice.plain_text
    await li.press(choice, "✅ 确认")
    assert "已保存 #" in choice.plain_text


async def test_the_card_button_asks_when_and_what(li: Chat) -> None:
    card = await li.send(f"/client {ZHANG_WEI}")
    prompt = (await li.press(card, "⏰ 跟进")).message
    assert "什么时候？做什么？" in prompt.plain_text and "张伟" in prompt.plain_text
    refusal = await li.send("随便写写")
    assert "没看懂时间" in refusal.plain_text and "明天下午3点" in refusal.plain_text
    confirmation = await li.send("下周二上午9:30 复盘持仓")
    assert "2026-11-24（周二）09:30" in confirmation.plain_text
    assert "复盘持仓" in confirmation.plain_text


async def test_todos_done_later_and_snooze_options(li: Chat) -> None:
    first = await todo(li)
    second = await todo(li, "/todo 张伟 明天上午9点 送资料")
    listing = await li.send("/todos")
    assert "待办跟进" in listing.plain_text and "（共 2 项）" in listing.plain_text
    assert labels(listing)[:2] == [f"✅ 完成 #{second}", f"⏰ 稍后 #{second}"]  # soonest first

    hour = (await li.press(listing, f"⏰ 稍后 #{first}")).message
    assert labels(hour)[-2:] == ["+1 小时", "明天 09:30"]
    plus_one_hour = hour.button("+1 小时").callback_data
    assert plus_one_hour is not None
    await li.press(hour, "+1 小时")
    assert "已推迟" in hour.plain_text and "11:00" in hour.plain_text

    tomorrow = (await li.press(listing, f"⏰ 稍后 #{second}")).message
    await li.press(tomorrow, "明天 09:30")
    assert "已推迟" in tomorrow.plain_text and "2026-11-21（周六）09:30" in tomorrow.plain_text

    done = await li.press(listing, f"✅ 完成 #{first}")
    assert done.toast == f"已完成 #{first}" and "（共 1 项）" in listing.plain_text
    stale = await li.press_data(hour, plus_one_hour)  # a button no longer on the message
    assert stale.toast == "按钮已过期" and not stale.edited


async def test_more_pages_the_list(li: Chat) -> None:
    for hour in range(9, 20):
        await todo(li, f"/todo 张伟 下周一{hour}点 事项{hour}")
    listing = await li.send("/todos")
    assert "（共 11 项）" in listing.plain_text and "事项19" not in listing.plain_text
    more = await li.press(listing, "更多 ›")
    assert "事项19" in more.message.plain_text and "事项9\n" not in more.message.plain_text


async def test_a_due_reminder_arrives_and_its_done_button_closes_it(
    harness: Harness, li: Chat
) -> None:
    follow_up = await todo(li)
    gate = use_clock(harness.application, harness.runtime.uow, harness.clock)
    harness.clock.advance(days=1)  # Saturday 14:00: past the 10:00 due time
    context = SimpleNamespace(
        application=harness.application,
        bot=harness.application.bot,
        job_queue=harness.application.job_queue,
        services=harness.services,
    )
    await reminders.send_due_reminders(context)  # type: ignore[arg-type]  # the job, directly
    pacer = gate.pacer
    assert pacer is not None
    await harness.emulator.wait_until(lambda: pacer.pending == 0)  # sent (or directly, or paced)
    reminder = harness.sent_to(li)[-1]
    assert "跟进提醒" in reminder.plain_text and "回电" in reminder.plain_text
    assert labels(reminder) == ["✅ 完成", "+1 小时", "明天 09:30"]
    done = await li.press(reminder, "✅ 完成")
    assert done.toast == f"已完成 #{follow_up}" and "已完成" in reminder.plain_text
    assert "目前没有待办跟进" in (await li.send("/todos")).plain_text


async def test_english_confirmation_and_foreign_buttons(harness: Harness, li: Chat) -> None:
    follow_up = await todo(li)
    lin = await harness.staff("M006", 1006, "Lin")
    confirmation = await lin.send("/todo 3100000005 tomorrow 10am call back")
    assert "I will remind you on" in confirmation.plain_text
    assert labels(confirmation) == ["✅ Confirm", "✖️ Cancel"]
    for forged in (f"todo:done:{follow_up}", "todo:zap:1", "fu:ok:x:1:1", "card:fu:3100000004"):
        press = await lin.press_data(confirmation, forged)
        assert press.toast in ("按钮已过期", "This button has expired") and not press.messages
    assert f"#{follow_up}" in (await li.send("/todos")).plain_text
