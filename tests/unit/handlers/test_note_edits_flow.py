"""Issue 12 point 8 through the real Application: an edit that arrives while its note is still
being saved is applied (a chat's updates are handled in order), and an edit that cannot apply —
another client, a note that was undone, a /todo — says what happened, in her language."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from sqlalchemy import select
from telegram import Update

from bot.update_order import ChatOrderedUpdateProcessor
from storage.activity_rows import ComplianceFindingRow, NoteRow
from storage.rows import ClientRow
from tests.support.ptb import Chat, Harness, JSONDict, Outcome, labels

ZHANG_WEI = "3100000004"
LOOP_TURNS = 100_000  # a safety net against a hang: event-loop turns, not time


def note_id_in(text: str) -> int:
    found = re.search(r"#(\d+)", text)
    assert found, text
    return int(found.group(1))


async def process_concurrently(harness: Harness, kind: str, payload: JSONDict) -> asyncio.Task[Any]:
    """Hand the update to the Application's update processor as PTB's update fetcher does for
    every update it takes from the queue (a task each, so updates run concurrently)."""
    app = harness.application
    update = Update.de_json({"update_id": harness.next_update_id(), kind: payload}, app.bot)
    return asyncio.create_task(
        app.update_processor.process_update(update, app.process_update(update))
    )


async def until(condition: Any) -> None:
    for _ in range(LOOP_TURNS):
        if condition():
            return
        await asyncio.sleep(0)  # one event-loop turn
    raise AssertionError("the condition never came true")


async def test_an_edit_arriving_while_the_note_is_saved_is_applied(
    harness: Harness, li: Chat, monkeypatch: Any
) -> None:
    """The database kept 100股 and the correction to 1000股 was lost: the edit ran while the
    note was still being saved, found nothing to revise and was dropped."""
    notes = harness.services.notes
    saving, release = asyncio.Event(), asyncio.Event()
    add = notes.add

    async def slow_add(*args: Any, **kwargs: Any) -> Any:
        saving.set()
        await release.wait()  # the save is slow (a busy database): held until the edit is in
        return await add(*args, **kwargs)

    monkeypatch.setattr(notes, "add", slow_add)
    emulator = harness.emulator
    original = emulator.user_sends_text(li.user, None, "/note 张伟 客户买入100股，下周回访")
    first = await process_concurrently(harness, "message", original)
    await saving.wait()
    edited = emulator.user_edits_text(
        li.user, None, original["message_id"], "/note 张伟 客户买入1000股，下周回访"
    )
    second = await process_concurrently(harness, "edited_message", edited)
    processor = harness.application.update_processor
    # The edit either ran to its end (handled at once) or waits its turn behind the save.
    await until(
        lambda: (
            second.done()
            or (isinstance(processor, ChatOrderedUpdateProcessor) and processor.backlog(li.id) == 2)
        )
    )
    release.set()
    await asyncio.gather(first, second)

    replies = [m.plain_text for m in harness.sent_to(li)]
    saved = next(text for text in replies if "已保存 #" in text)
    note_id = note_id_in(saved)
    staff = await harness.services.staff.by_telegram_user(li.id)
    note = await notes.get(note_id, staff)
    assert "1000股" in note.text, replies
    assert any(f"已更新 #{note_id}（第 2 版）" in text for text in replies), replies
    # The order she sees is the order she sent: saved, then updated.
    assert replies.index(saved) < max(i for i, t in enumerate(replies) if "已更新" in t)


async def test_other_chats_are_not_held_up_by_a_slow_chat(
    harness: Harness, li: Chat, monkeypatch: Any
) -> None:
    """Ordering is per chat: while 李明's note waits for the database, 王芳's /help is answered."""
    wang = await harness.staff("M002", 1002, "王芳")
    notes = harness.services.notes
    saving, release = asyncio.Event(), asyncio.Event()
    add = notes.add

    async def slow_add(*args: Any, **kwargs: Any) -> Any:
        saving.set()
        await release.wait()
        return await add(*args, **kwargs)

    monkeypatch.setattr(notes, "add", slow_add)
    message = harness.emulator.user_sends_text(li.user, None, "/note 张伟 慢的一条")
    slow = await process_concurrently(harness, "message", message)
    await saving.wait()
    other = harness.emulator.user_sends_text(wang.user, None, "/help")
    quick = await process_concurrently(harness, "message", other)
    await until(quick.done)
    assert not slow.done() and harness.sent_to(wang)
    release.set()
    await slow
    assert any("已保存 #" in m.plain_text for m in harness.sent_to(li))


# ------------------------------------------------------------------ what an edit does


async def edit(harness: Harness, chat: Chat, message: JSONDict, text: str) -> Outcome:
    """She edits `message` (the emulator marks a command in the new text, as Telegram does)."""
    return await chat.edit(message, text)


async def another_client(harness: Harness, manager: str, not_id: str) -> tuple[str, str]:
    """(id, name) of a client of the manager whose name finds exactly that client."""
    staff = await harness.services.staff.get(manager)
    async with harness.runtime.uow() as work:
        rows = (
            await work.session.execute(
                select(ClientRow.client_id, ClientRow.name)
                .where(ClientRow.manager_id == manager, ClientRow.client_id != not_id)
                .order_by(ClientRow.client_id)
            )
        ).all()
    for client_id, name in rows:
        found = await harness.services.clients.search(name, staff)
        if [m.client_id for m in found] == [client_id]:
            return client_id, name
    raise AssertionError("no client with a name of its own")


async def notes_of(harness: Harness, client_id: str) -> list[str]:
    async with harness.runtime.uow() as work:
        query = select(NoteRow.text).where(NoteRow.client_id == client_id)
        return list((await work.session.scalars(query)).all())


async def test_an_edit_naming_another_client_changes_nothing_and_says_so(
    harness: Harness, li: Chat
) -> None:
    other_id, other_name = await another_client(harness, "M001", ZHANG_WEI)
    saved = await li.send("/note 张伟 客户买入100股")
    note_id = note_id_in(saved.plain_text)
    request = li.last_request
    assert request is not None
    outcome = await edit(harness, li, request, f"/note {other_name} 客户买入1000股")
    reply = outcome.message  # one reply, not also a second "not saved" from /note run again
    assert "这次修改未保存" in reply.plain_text and f"#{note_id} 仍在 张伟 名下" in reply.plain_text
    assert f"/note {other_name}" in reply.plain_text and labels(reply) == ["↩️ 撤销"]
    assert await notes_of(harness, ZHANG_WEI) == ["客户买入100股"]  # nothing misattributed
    assert await notes_of(harness, other_id) == []
    # ↩️ on the explanation undoes the note; then her /note for the other client saves.
    await li.press(reply, "↩️ 撤销")
    moved = await li.send(f"/note {other_name} 客户买入1000股")
    assert "已保存 #" in moved.plain_text
    assert await notes_of(harness, other_id) == ["客户买入1000股"]


async def test_too_late_to_undo_says_how_to_log_it_in_english(harness: Harness) -> None:
    lin = await harness.staff("M006", 1006, "Lin")
    staff = await harness.services.staff.get("M006")
    own = (await harness.services.clients.search("3100000005", staff))[0]
    other_id, other_name = await another_client(harness, "M006", own.client_id)
    await lin.send(f"/note {own.client_id} called about margin")
    request = lin.last_request
    assert request is not None
    harness.clock.advance(minutes=10)
    reply = (await edit(harness, lin, request, f"/note {other_name} called")).message
    assert "This edit was not saved" in reply.plain_text and own.name in reply.plain_text
    assert "too late to undo" in reply.plain_text and not reply.buttons
    assert await notes_of(harness, other_id) == []


async def test_a_note_edited_twice_keeps_every_version(harness: Harness, li: Chat) -> None:
    saved = await li.send("/note 张伟 第一版")
    note_id = note_id_in(saved.plain_text)
    request = li.last_request
    assert request is not None
    second = (await edit(harness, li, request, "/note 张伟 第二版")).message
    assert f"已更新 #{note_id}（第 2 版）" in second.plain_text
    third = (await edit(harness, li, request, f"/note {ZHANG_WEI} 第三版")).message
    assert f"已更新 #{note_id}（第 3 版）" in third.plain_text
    staff = await harness.services.staff.get("M001")
    assert await harness.services.notes.revisions(note_id, staff) == [(1, "第一版"), (2, "第二版")]
    assert await notes_of(harness, ZHANG_WEI) == ["第三版"]
    other = (await edit(harness, li, request, "/todo 张伟 明天 回电")).message
    assert f"这条消息是记录 #{note_id}" in other.plain_text
    assert await notes_of(harness, ZHANG_WEI) == ["第三版"]


async def test_an_edited_note_request_that_saved_nothing_is_a_new_request(
    harness: Harness, li: Chat
) -> None:
    pick = await li.send("/note 章伟 客户问打新")  # a sound-alike: a pick list, nothing saved
    assert not await notes_of(harness, ZHANG_WEI)
    request = li.last_request
    assert request is not None
    saved = (await edit(harness, li, request, "/note 张伟 客户问打新")).message
    assert "已保存 #" in saved.plain_text
    assert await notes_of(harness, ZHANG_WEI) == ["客户问打新"]
    assert pick.buttons  # the old pick list reads the edited request: it has expired
    expired = await li.press(pick, 0)
    assert expired.toast is not None and "过期" in expired.toast
    assert await notes_of(harness, ZHANG_WEI) == ["客户问打新"]


async def test_an_edited_todo_says_edits_do_not_change_tasks(harness: Harness, li: Chat) -> None:
    await li.send("/todo 张伟 明天下午3点 回电")
    request = li.last_request
    assert request is not None
    reply = (await edit(harness, li, request, "/todo 张伟 明天下午4点 回电")).message
    assert "编辑不会修改待办" in reply.plain_text and not reply.buttons


async def test_an_edited_question_is_answered_again(harness: Harness, li: Chat) -> None:
    await li.send("融资融券的保证金比例")
    request = li.last_request
    assert request is not None
    answered = await edit(harness, li, request, "融资融券的维持担保比例是多少")
    assert answered.messages, "an edited question got no answer"
    assert answered.messages[-1].reply_to_message_id == request["message_id"]
    assert "已更新" not in answered.messages[-1].plain_text
    await li.send("/ask 什么是科创板")
    request = li.last_request
    assert request is not None
    again = await edit(harness, li, request, "/ask 科创板的开户门槛")
    assert again.messages and again.messages[-1].reply_to_message_id == request["message_id"]


async def test_an_edit_of_a_note_that_was_undone_says_so(harness: Harness, li: Chat) -> None:
    saved = await li.send("/note 张伟 要撤销的一条")
    request = li.last_request
    assert request is not None
    await li.press(saved, "↩️ 撤销")
    reply = (await edit(harness, li, request, "/note 张伟 改过的一条")).message
    assert f"记录 #{note_id_in(saved.plain_text)} 已撤销" in reply.plain_text
    assert await notes_of(harness, ZHANG_WEI) == ["要撤销的一条"]


async def test_the_note_step_message_that_was_refused_is_saved_when_edited(
    harness: Harness, li: Chat
) -> None:
    card = await li.send("/client 张伟")
    await li.press(card, "📝 记录")
    refused = await li.send("长" * 20_001)  # over the limit: refused, the step stays open
    assert "记录过长" in refused.plain_text
    request = li.last_request
    assert request is not None
    saved = (await edit(harness, li, request, "客户明天来营业部")).message
    assert "已保存 #" in saved.plain_text
    assert await notes_of(harness, ZHANG_WEI) == ["客户明天来营业部"]


async def test_an_edited_check_is_checked_again_and_recorded(harness: Harness, li: Chat) -> None:
    await li.send("/check 这个产品保本")
    request = li.last_request
    assert request is not None
    rechecked = (await edit(harness, li, request, "/check 这个产品稳赚不赔")).message
    assert "稳赚不赔" in rechecked.plain_text
    async with harness.runtime.uow() as work:
        texts = (await work.session.scalars(select(ComplianceFindingRow.text))).all()
    assert sorted(texts) == sorted(["这个产品保本", "这个产品稳赚不赔"])
