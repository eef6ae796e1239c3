"""Issue 12 §8 through two real Applications on one database (two webhook processes): her
/note reaches the first, her edit reaches the second while the note is still being saved; the
second waits for the chat's turn and the note is revised to what she corrected."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

from bot.update_order import order_across_processes
from tests.support.ptb import Chat, Harness, JSONDict

LOOP_TURNS = 100_000  # a safety net against a hang: event-loop turns, not time


class Looks:
    """The pause between two looks at a taken turn: one event-loop turn (tests never sleep)."""

    def __init__(self) -> None:
        self.count = 0

    async def __call__(self, _seconds: float) -> None:
        self.count += 1
        await asyncio.sleep(0)


@pytest.fixture
async def pair(
    handler_template: Path, tmp_path: Path
) -> AsyncIterator[tuple[Harness, Harness, Looks]]:
    data_dir = tmp_path / "data"
    shutil.copytree(handler_template, data_dir)
    first = await Harness.open(data_dir, migrate=False)
    second = await Harness.open(data_dir, migrate=False)
    try:
        looks = Looks()
        for harness in (first, second):
            order_across_processes(harness.application, harness.runtime.uow, sleep=looks)
        yield first, second, looks
    finally:
        await second.close()
        await first.close()


def process(harness: Harness, kind: str, payload: JSONDict) -> asyncio.Task[Any]:
    """As PTB's update fetcher hands an update to the processor (a task each)."""
    app = harness.application
    update = Update.de_json({"update_id": harness.next_update_id(), kind: payload}, app.bot)
    return asyncio.create_task(
        app.update_processor.process_update(update, app.process_update(update))
    )


async def until(condition: Any) -> None:
    for _ in range(LOOP_TURNS):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("the condition never came true")


async def test_an_edit_at_the_other_process_revises_the_note(
    pair: tuple[Harness, Harness, Looks], monkeypatch: Any
) -> None:
    first, second, looks = pair
    li: Chat = await first.staff("M001", 1001, "李明")
    second.user(li.id, "李明")  # the second process's Telegram knows her chat
    notes = first.services.notes
    saving, release = asyncio.Event(), asyncio.Event()
    add = notes.add

    async def slow_add(*args: Any, **kwargs: Any) -> Any:
        saving.set()
        await release.wait()  # a busy database: held until the edit has reached the other process
        return await add(*args, **kwargs)

    monkeypatch.setattr(notes, "add", slow_add)
    original = first.emulator.user_sends_text(li.user, None, "/note 张伟 客户买入100股")
    saved = process(first, "message", original)
    await saving.wait()
    edited = first.emulator.user_edits_text(
        li.user, None, original["message_id"], "/note 张伟 客户买入1000股"
    )
    edit = process(second, "edited_message", edited)
    # The edit ran at once (finding no note), or the second process waits for the chat's turn.
    await until(lambda: edit.done() or looks.count >= 3)
    assert not edit.done(), [m.plain_text for m in second.sent_to(li.id)]
    release.set()
    await asyncio.gather(saved, edit)

    saved_reply = first.sent_to(li)[-1].plain_text
    assert "已保存 #" in saved_reply, saved_reply
    updated = [m.plain_text for m in second.sent_to(li.id)]
    assert any("已更新 #" in text and "第 2 版" in text for text in updated), updated
    staff = await first.services.staff.get("M001")
    found = await first.services.notes.for_message(
        staff,
        bot_id=int(first.application.bot.token.split(":")[0]),
        chat_id=li.id,
        message_id=original["message_id"],
    )
    assert found is not None and "1000股" in found.text
