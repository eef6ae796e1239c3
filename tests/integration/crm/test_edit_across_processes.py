"""Issue 12 §8 on SQLite and PostgreSQL, two processes on one database (two engines, two update
processors, two note services): an edit that reaches the other process while the first is still
saving the note waits its turn and revises the note, instead of finding nothing; a turn left by
a process that died is taken over once it expires; other chats are not held up."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Bot, Update

from bot.update_order import TURN_SECONDS, ChatOrderedUpdateProcessor, ChatTurns
from crm.notes import NoteService
from runtime.lock import SchedulerLock
from storage.engine import session_factory
from storage.uow import UnitOfWorkFactory
from tests.integration.crm.conftest import Book, FakeClock
from tests.support.databases import TestDatabase

BOT_ID = 100000001
CHAT = 9
BOT = Bot(f"{BOT_ID}:x")
LOOP_TURNS = 100_000  # a safety net against a hang: event-loop turns, not time


def update(update_id: int, chat_id: int = CHAT) -> Update:
    message = {
        "message_id": update_id,
        "date": 0,
        "chat": {"id": chat_id, "type": "private"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "丽"},
        "text": "…",
    }
    parsed = Update.de_json({"update_id": update_id, "message": message}, BOT)
    assert parsed is not None
    return parsed


class Polls:
    """The waiting process's pause between two looks at a taken turn: one event-loop turn
    (tests never sleep), counted; `then` runs at each look (e.g. moves the clock)."""

    def __init__(self, then: Callable[[], None] = lambda: None) -> None:
        self.count = 0
        self.then = then

    async def __call__(self, _seconds: float) -> None:
        self.count += 1
        self.then()
        await asyncio.sleep(0)


def process(uow: UnitOfWorkFactory, clock: FakeClock, sleep: Polls) -> ChatOrderedUpdateProcessor:
    processor = ChatOrderedUpdateProcessor()
    processor.turns = ChatTurns(uow, bot_id=str(BOT_ID), clock=clock, sleep=sleep)
    return processor


async def until(condition: Callable[[], bool]) -> None:
    for _ in range(LOOP_TURNS):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("the condition never came true")


def run(
    processor: ChatOrderedUpdateProcessor, upd: Update, work: Awaitable[Any]
) -> asyncio.Task[Any]:
    return asyncio.create_task(processor.process_update(upd, work))


async def test_an_edit_at_the_other_process_waits_for_the_save(
    book: Book, engine: AsyncEngine, test_database: TestDatabase
) -> None:
    other_engine = test_database.engine()
    try:
        clock = FakeClock()
        there_uow = UnitOfWorkFactory(session_factory(other_engine))
        here_polls, there_polls = Polls(), Polls()
        here, there = process(book.uow, clock, here_polls), process(there_uow, clock, there_polls)
        notes_here = NoteService(book.uow, clock=clock)
        notes_there = NoteService(there_uow, clock=clock)
        m1 = book.staff["M1"]
        saving, release = asyncio.Event(), asyncio.Event()
        seen: list[str] = []

        async def save_note() -> None:  # process 1: /note 张伟 买入100股, a slow save
            saving.set()
            await release.wait()
            await notes_here.add("K1", m1, "买入100股", bot_id=BOT_ID, chat_id=CHAT, message_id=1)

        async def edit_note() -> None:  # process 2: the edit, as handlers/edits.py reads it
            note = await notes_there.for_message(m1, bot_id=BOT_ID, chat_id=CHAT, message_id=1)
            if note is None:
                seen.append("no note: the edit is lost")
                return
            await notes_there.revise(
                m1, bot_id=BOT_ID, chat_id=CHAT, message_id=1, text="买入1000股"
            )
            seen.append("revised")

        first = run(here, update(1), save_note())
        await saving.wait()
        second = run(there, update(2), edit_note())
        # The edit either ran at once (and found nothing) or was refused its turn three times.
        await until(lambda: second.done() or there_polls.count >= 3)
        assert seen == [] and not second.done()
        # Another chat at the second process is handled meanwhile.
        quick = run(there, update(3, chat_id=CHAT + 1), asyncio.sleep(0))
        await until(quick.done)
        release.set()
        await asyncio.gather(first, second)
        assert seen == ["revised"]
        note = await notes_here.for_message(m1, bot_id=BOT_ID, chat_id=CHAT, message_id=1)
        assert note is not None and note.text == "买入1000股" and note.revision == 2
        assert here_polls.count == 0  # the first process never waited
    finally:
        await other_engine.dispose()


async def test_a_turn_left_by_a_dead_process_is_taken_over_when_it_expires(
    book: Book,
) -> None:
    clock = FakeClock()
    turns = ChatTurns(book.uow, bot_id=str(BOT_ID), clock=clock)
    dead = SchedulerLock(
        book.uow,
        owner="dead-host:1:x",
        ttl_seconds=TURN_SECONDS,
        clock=clock,
        name=turns.name(CHAT),
    )
    assert (await dead.acquire()).acquired  # it took the turn, then was killed
    polls = Polls(then=lambda: clock.advance(seconds=5))  # each look: 5 s later
    survivor = process(book.uow, clock, polls)
    done: list[str] = []

    async def handle() -> None:
        done.append("handled")

    await run(survivor, update(7), handle())
    assert done == ["handled"]
    assert TURN_SECONDS // 5 <= polls.count <= TURN_SECONDS // 5 + 1  # waited out the expiry
    assert await turns.delete_expired() == 0  # the survivor released its turn: nothing left
