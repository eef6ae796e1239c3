"""Notes: /note, the card's 📝 (the next message is the note), edits, redelivery, voice, ↩️."""

from __future__ import annotations

import re

from tests.support.ptb import Chat, Harness, labels

ZHANG_WEI = "3100000004"


def saved_id(text: str) -> int:
    found = re.search(r"已保存 #(\d+)", text)
    assert found, text
    return int(found.group(1))


async def test_note_command_saves_and_undo_tombstones(li: Chat) -> None:
    saved = await li.send("/note 张伟 已电话沟通，客户暂不加仓")
    note_id = saved_id(saved.plain_text)
    assert "张伟" in saved.plain_text and "已电话沟通" in saved.plain_text
    assert labels(saved) == ["↩️ 撤销"]
    press = await li.press(saved, "↩️ 撤销")
    assert press.edited == [saved] and not press.messages
    assert f"已撤销 #{note_id}" in saved.plain_text and not saved.buttons
    assert f"#{note_id}" not in (await li.send("/client 张伟")).plain_text


async def test_card_button_makes_the_next_message_a_note_and_edits_revise_it(li: Chat) -> None:
    card = await li.send("/client 张伟")
    prompt = (await li.press(card, "📝 记录")).message
    assert "请发送对 张伟" in prompt.plain_text
    empty = await li.send(" \u200b\u3000 ")
    assert "记录内容为空" in empty.plain_text
    saved = await li.send("客户关注科创板，下周二再约")
    note_id = saved_id(saved.plain_text)
    request = li.last_request
    assert request is not None

    again = await li.redeliver(request)  # Telegram delivers it twice: still one note
    assert saved_id(again.message.plain_text) == note_id
    edited = await li.edit(request, "客户关注科创板，改为下周三再约")
    assert f"已更新 #{note_id}（第 2 版）" in edited.message.plain_text

    after = await li.send(f"/client {ZHANG_WEI}")  # the step is over: a command moved on
    assert f"#{note_id}" in after.plain_text and "改为下周三再约" in after.plain_text


async def test_voice_in_note_mode_is_a_voice_note(li: Chat) -> None:
    card = await li.send("/client 张伟")
    await li.press(card, "📝")
    saved = (await li.send_voice(duration=7)).message
    assert "已保存 #" in saved.plain_text and "7 秒（未转写）" in saved.plain_text


async def test_usage_compliance_notice_and_a_foreign_undo(harness: Harness, li: Chat) -> None:
    assert "/note 张伟" in (await li.send("/note")).plain_text
    flagged = await li.send("/note 张伟 跟客户说这个产品保本，稳赚不赔")
    assert "已保存 #" in flagged.plain_text and "合规提示" in flagged.plain_text
    note_id = saved_id(flagged.plain_text)

    wang = await harness.staff("M002", 1002, "芳")
    reply = await wang.send("/help")
    press = await wang.press_data(reply, f"undo:{note_id}")
    assert press.toast == "按钮已过期" and not press.messages
    assert f"#{note_id}" in (await li.send("/client 张伟")).plain_text  # not undone


async def test_english_note_confirmation(harness: Harness) -> None:
    lin = await harness.staff("M006", 1006, "Lin")
    saved = await lin.send("/note 3100000005 called, will call back")
    assert "Saved #" in saved.plain_text and labels(saved) == ["↩️ Undo"]
