"""Notes over the Bot API: card → 📝 → note, replay (one row), edit (a revision), undo, voice,
compliance notice, script suggestions, and bad inputs answered clearly with nothing lost."""

from __future__ import annotations

import re
from types import SimpleNamespace

from sqlalchemy import func, select

from storage.activity_rows import ComplianceFindingRow, NoteRevisionRow, NoteRow

ZHANG_WEI = "3100000004"


async def _notes(bot) -> list[SimpleNamespace]:
    """Every note row, copied out of the session (tombstoned ones included)."""
    async with bot.runtime.uow() as work:
        rows = (await work.session.scalars(select(NoteRow).order_by(NoteRow.id))).all()
        columns = NoteRow.__table__.columns.keys()
        return [SimpleNamespace(**{c: getattr(row, c) for c in columns}) for row in rows]


def _saved_id(text: str) -> int:
    found = re.search(r"已保存 #(\d+)", text)
    assert found, text
    return int(found.group(1))


async def _note_mode(bot, user) -> None:
    telegram = bot.telegram
    await telegram.user_sends(user, "/client 张伟")
    card = await telegram.next_message(user)
    await telegram.press(user, card, "📝 记录")
    prompt = await telegram.next_message(user)
    assert "请发送对 张伟" in prompt.plain_text


async def test_card_note_replay_and_edit(demo_bot):
    telegram = demo_bot.telegram
    li = await demo_bot.bound_user("M001", 1001, "丽")
    await _note_mode(demo_bot, li)

    sent = await telegram.user_sends(li, "客户关注科创板，下周二再约")
    saved = await telegram.next_message(li)
    note_id = _saved_id(saved.plain_text)
    assert "张伟" in saved.plain_text and "客户关注科创板" in saved.plain_text
    assert [b.text for b in saved.buttons] == ["↩️ 撤销"]

    await telegram.replay({"message": sent})
    again = await telegram.next_message(li)
    assert _saved_id(again.plain_text) == note_id
    notes = await _notes(demo_bot)
    assert len(notes) == 1 and notes[0].client_id == ZHANG_WEI

    await telegram.user_edits(li, sent, "客户关注科创板，改为下周三再约")
    updated = await telegram.next_message(li)
    assert f"已更新 #{note_id}（第 2 版）" in updated.plain_text
    [note] = await _notes(demo_bot)
    assert note.revision == 2 and note.text == "客户关注科创板，改为下周三再约"
    async with demo_bot.runtime.uow() as work:
        old = (
            await work.session.execute(select(NoteRevisionRow.revision, NoteRevisionRow.text))
        ).all()
    assert [tuple(r) for r in old] == [(1, "客户关注科创板，下周二再约")]

    # The card shows the note; the next plain message is no longer a note.
    await telegram.user_sends(li, f"/client {ZHANG_WEI}")
    card = await telegram.next_message(li)
    assert f"#{note_id}" in card.plain_text and "改为下周三再约" in card.plain_text
    assert "最近联系" in card.plain_text and "记录" in card.plain_text


async def test_note_command_and_undo(demo_bot):
    telegram = demo_bot.telegram
    li = await demo_bot.bound_user("M001", 1001, "丽")
    await telegram.user_sends(li, "/note 张伟 已电话沟通，客户暂不加仓")
    saved = await telegram.next_message(li)
    note_id = _saved_id(saved.plain_text)
    await telegram.press(li, saved, "↩️ 撤销")
    await telegram.next_edit(saved)
    assert f"已撤销 #{note_id}" in saved.plain_text and not saved.buttons
    [note] = await _notes(demo_bot)
    assert note.deleted_at is not None and note.deleted_by == "M001"  # a tombstone, kept
    await telegram.user_sends(li, "/client 张伟")
    assert f"#{note_id}" not in (await telegram.next_message(li)).plain_text


async def test_empty_and_whitespace_notes_are_refused_and_the_step_waits(demo_bot):
    telegram = demo_bot.telegram
    li = await demo_bot.bound_user("M001", 1001, "丽")
    await telegram.user_sends(li, "/note")
    assert "/note 张伟" in (await telegram.next_message(li)).plain_text
    await telegram.user_sends(li, "/note 张伟   ")
    assert "请发送对 张伟" in (await telegram.next_message(li)).plain_text
    await telegram.user_sends(li, " \u200b\u202e\u3000 ")
    assert "记录内容为空" in (await telegram.next_message(li)).plain_text
    assert await _notes(demo_bot) == []
    await telegram.user_sends(li, "补充：客户下午有空")
    assert "已保存 #" in (await telegram.next_message(li)).plain_text


async def test_a_long_note_is_saved_whole(demo_bot):
    telegram = demo_bot.telegram
    li = await demo_bot.bound_user("M001", 1001, "丽")
    body = ("客户详细说明了家庭资产配置的想法。" * 600)[:10_000]
    await telegram.user_sends(li, f"/note {ZHANG_WEI} {body}")
    saved = await telegram.next_message(li)
    assert "已保存 #" in saved.plain_text and "全文 10,000 字已完整保存" in saved.plain_text
    assert len(saved.plain_text) < 1_000
    [note] = await _notes(demo_bot)
    assert note.text == body


async def test_invisible_characters_are_dropped_and_emoji_kept(demo_bot):
    telegram = demo_bot.telegram
    li = await demo_bot.bound_user("M001", 1001, "丽")
    await telegram.user_sends(li, "/note 张伟 客户很满意😀👨‍👩‍👧\u200b\u202e反转\u2066文字\u2069")
    saved = await telegram.next_message(li)
    assert "客户很满意😀👨‍👩‍👧反转文字" in saved.plain_text
    [note] = await _notes(demo_bot)
    assert note.text == "客户很满意😀👨‍👩‍👧反转文字"


async def test_html_and_markdown_are_kept_verbatim_and_shown_escaped(demo_bot):
    telegram = demo_bot.telegram
    li = await demo_bot.bound_user("M001", 1001, "丽")
    raw = "<b>加粗</b> <script>alert(1)</script> *bold* _it_ [x](http://e.x) &amp;"
    await telegram.user_sends(li, f"/note 张伟 {raw}")
    saved = await telegram.next_message(li)
    assert raw in saved.plain_text
    [note] = await _notes(demo_bot)
    assert note.text == raw


async def test_compliance_violation_is_shown_privately_and_recorded(demo_bot):
    telegram = demo_bot.telegram
    li = await demo_bot.bound_user("M001", 1001, "丽")
    await telegram.user_sends(li, "/note 张伟 跟客户说这个产品保本，稳赚不赔")
    saved = await telegram.next_message(li)
    assert "已保存 #" in saved.plain_text and "合规提示" in saved.plain_text
    assert "保本" in saved.plain_text and "稳赚不赔" in saved.plain_text
    async with demo_bot.runtime.uow() as work:
        findings = (
            await work.session.execute(
                select(
                    ComplianceFindingRow.source,
                    ComplianceFindingRow.staff_id,
                    ComplianceFindingRow.violations,
                )
            )
        ).all()
    assert len(findings) == 1 and findings[0][:2] == ("note", "M001")
    assert "保本" in findings[0][2]


async def test_related_scripts_are_suggested(demo_bot):
    telegram = demo_bot.telegram
    li = await demo_bot.bound_user("M001", 1001, "丽")
    await telegram.user_sends(li, "/note 张伟 客户问科创板开户条件，需要多少资产")
    saved = await telegram.next_message(li)
    assert "相关的合规话术" in saved.plain_text
    assert "KB-STAR-MARKET-ELIGIBILITY" in saved.plain_text
    assert saved.plain_text.count("\n• ") <= 2


async def test_voice_in_note_mode_is_a_voice_note(demo_bot):
    telegram = demo_bot.telegram
    li = await demo_bot.bound_user("M001", 1001, "丽")
    await _note_mode(demo_bot, li)
    await telegram.user_sends_voice(li, duration=7)
    saved = await telegram.next_message(li)
    assert "已保存 #" in saved.plain_text and "7 秒（未转写）" in saved.plain_text
    [note] = await _notes(demo_bot)
    assert note.kind == "voice" and note.voice_duration == 7 and not note.transcribed
    assert note.voice_file_id


async def test_another_managers_undo_button_is_stale(demo_bot):
    telegram = demo_bot.telegram
    li = await demo_bot.bound_user("M001", 1001, "丽")
    wang = await demo_bot.bound_user("M002", 1002, "芳")
    await telegram.user_sends(li, "/note 张伟 已沟通")
    note_id = _saved_id((await telegram.next_message(li)).plain_text)
    hello = await telegram.user_sends(wang, "/client 张伟")
    reply = await telegram.next_message(wang)
    query = demo_bot.server.emulator.user_presses(
        wang, wang.id, reply.message_id, f"undo:{note_id}", strict=False
    )
    await telegram.settle()
    assert telegram.callback_answer(query)["text"] == "按钮已过期"
    assert hello and (await _notes(demo_bot))[0].deleted_at is None
    async with demo_bot.runtime.uow() as work:
        assert await work.session.scalar(select(func.count()).select_from(NoteRow)) == 1
