"""Issue 12 §8: a /todo request edited after its confirmation was shown. ✅ no longer answers
「按钮已过期」: it says the request was edited, that nothing was saved and to send /todo again (the
confirmation's task is not what her message says any more); a task already saved stays saved."""

from __future__ import annotations

import re

from tests.support.ptb import Chat, Harness, labels


async def test_confirming_an_edited_request_says_it_was_edited(li: Chat) -> None:
    confirmation = await li.send("/todo 张伟 明天上午10点 回电")
    request = li.last_request
    assert request is not None
    await li.edit(request, "/todo 张伟 明天下午4点 送资料")
    press = await li.press(confirmation, "✅ 确认")
    assert press.toast is not None and "过期" not in press.toast
    assert "原消息已修改" in press.toast
    assert press.edited == [confirmation] and not confirmation.buttons
    assert "没有保存" in confirmation.plain_text and "/todo" in confirmation.plain_text
    listing = await li.send("/todos")
    assert "回电" not in listing.plain_text and "送资料" not in listing.plain_text
    # Sent again, the edited text is confirmed and saved.
    again = await li.send("/todo 张伟 明天下午4点 送资料")
    await li.press(again, "✅ 确认")
    assert "已保存 #" in again.plain_text and "送资料" in again.plain_text


async def test_in_english_too(harness: Harness) -> None:
    lin = await harness.staff("M006", 1006, "Lin")  # reads English
    confirmation = await lin.send("/todo 3100000005 tomorrow 10am call back")
    assert labels(confirmation), confirmation.plain_text
    request = lin.last_request
    assert request is not None
    await lin.edit(request, "/todo 3100000005 tomorrow 4pm send the brochure")
    press = await lin.press(confirmation, 0)
    assert press.toast is not None and "edited" in press.toast
    assert "nothing was saved" in confirmation.plain_text.lower()


async def test_a_task_saved_before_the_edit_stays_saved(harness: Harness, li: Chat) -> None:
    """Two quick taps of ✅ around her edit: the first (sent before the edit) saves the task as
    confirmed; the second (after it) says it is already saved, not that nothing was."""
    confirmation = await li.send("/todo 张伟 明天上午10点 回电")
    confirm = confirmation.button("✅ 确认").callback_data
    assert confirm is not None
    request = li.last_request
    assert request is not None
    emulator = harness.emulator
    first = emulator.user_presses(li.user, None, confirmation.message_id, confirm)
    await li.edit(request, "/todo 张伟 明天下午4点 送资料")
    second = emulator.user_presses(li.user, None, confirmation.message_id, confirm)
    await harness.deliver("callback_query", first, li.id)
    saved = re.search(r"已保存 #(\d+)", confirmation.plain_text)
    assert saved, confirmation.plain_text
    await harness.deliver("callback_query", second, li.id)
    assert emulator.callback_answers[second["id"]]["text"] == f"已保存过 #{saved.group(1)}"
    assert f"已保存 #{saved.group(1)}" in confirmation.plain_text
    listing = await li.send("/todos")
    assert "回电" in listing.plain_text and "送资料" not in listing.plain_text


async def test_cancelling_an_edited_request_still_cancels(li: Chat) -> None:
    confirmation = await li.send("/todo 张伟 明天上午10点 回电")
    request = li.last_request
    assert request is not None
    await li.edit(request, "/todo 张伟 明天下午4点 送资料")
    await li.press(confirmation, "✖️ 取消")
    assert confirmation.plain_text == "已取消，没有保存。"
