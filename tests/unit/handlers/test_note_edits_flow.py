"""Issue 12 point 8 through the real Application: an edit that arrives while its note is still
being saved is applied (a chat's updates are handled in order), and an edit that cannot apply —
another client, a note that was undone, a /todo — says what happened, in her language."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from telegram import Update

from bot.update_order import ChatOrderedUpdateProcessor
from emulator import BotMessage
from tests.support.ptb import Chat, Harness, JSONDict

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


def last_text(harness: Harness, chat: Chat) -> BotMessage:
    return harness.sent_to(chat)[-1]
