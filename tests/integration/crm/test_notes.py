"""NoteService on SQLite and PostgreSQL: exactly once per message (also under concurrent
duplicate deliveries), revisions, tombstones and the undo window, findings, scoping."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from crm.errors import NotAuthorizedError, UsageError
from crm.notes import NoteDeletedError, NoteService, UndoWindowClosedError
from knowledge_base.compliance import ComplianceChecker, default_lexicon_path, load_lexicon
from storage.activity_rows import ComplianceFindingRow, ContactRow, NoteRevisionRow, NoteRow
from tests.integration.crm.conftest import Book, FakeClock


@pytest.fixture(scope="module")
def checker() -> ComplianceChecker:
    return ComplianceChecker(load_lexicon(default_lexicon_path()))


async def count(book: Book, row: type) -> int:
    async with book.uow() as work:
        return int(await work.session.scalar(select(func.count()).select_from(row)) or 0)


async def test_concurrent_duplicate_deliveries_make_one_note(book, checker):
    notes = NoteService(book.uow, checker=checker, clock=FakeClock())
    m1 = book.staff["M1"]
    results = await asyncio.gather(
        *(notes.add("K1", m1, "客户说这个产品保本", chat_id=9, message_id=77) for _ in range(8))
    )
    assert len({r.note.id for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert all(r.flags and r.flags[0].phrase for r in results)
    assert await count(book, NoteRow) == 1
    assert await count(book, ContactRow) == 1
    assert await count(book, ComplianceFindingRow) == 1  # recorded once, not per delivery


async def test_an_edit_keeps_the_old_text_as_a_revision(book):
    notes = NoteService(book.uow, clock=FakeClock())
    m1 = book.staff["M1"]
    saved = await notes.add("K1", m1, "第一版", chat_id=9, message_id=1)
    revised = await notes.revise(m1, chat_id=9, message_id=1, text="第二版")
    assert revised.changed and revised.note.revision == 2 and revised.note.text == "第二版"
    again = await notes.revise(m1, chat_id=9, message_id=1, text="第二版\u200b")
    assert not again.changed and again.note.revision == 2  # a replayed edit adds nothing
    assert await notes.revisions(saved.note.id, m1) == [(1, "第一版")]
    with pytest.raises(NotAuthorizedError):
        await notes.revise(book.staff["S1"], chat_id=9, message_id=1, text="主管改的")


async def test_undo_leaves_a_tombstone_within_five_minutes_only(book):
    clock = FakeClock()
    notes = NoteService(book.uow, clock=clock)
    m1 = book.staff["M1"]
    first = await notes.add("K1", m1, "要撤销的", chat_id=9, message_id=1)
    second = await notes.add("K1", m1, "来不及撤销", chat_id=9, message_id=2)
    clock.advance(minutes=4, seconds=59)
    undone = await notes.undo(first.note.id, m1)
    assert undone.deleted_at == clock.now
    assert (await notes.undo(first.note.id, m1)).deleted_at == clock.now  # idempotent
    with pytest.raises(NotAuthorizedError):
        await notes.undo(second.note.id, book.staff["M2"])
    clock.advance(seconds=2)
    with pytest.raises(UndoWindowClosedError):
        await notes.undo(second.note.id, m1)
    assert await count(book, NoteRow) == 2  # nothing hard-deleted
    with pytest.raises(NoteDeletedError):
        await notes.revise(m1, chat_id=9, message_id=1, text="改已撤销的")
    replay = await notes.add("K1", m1, "要撤销的", chat_id=9, message_id=1)
    assert replay.note.id == first.note.id and replay.note.deleted_at is not None


async def test_scoping_and_bad_text(book):
    notes = NoteService(book.uow, clock=FakeClock())
    with pytest.raises(NotAuthorizedError):
        await notes.add("K3", book.staff["M1"], "别人的客户", chat_id=9, message_id=1)
    with pytest.raises(NotAuthorizedError):
        await notes.add("K1", book.staff["C1"], "合规不能记", chat_id=9, message_id=2)
    for empty in ("", "   ", "\u200b\u202e\n\t"):
        with pytest.raises(UsageError):
            await notes.add("K1", book.staff["M1"], empty, chat_id=9, message_id=3)
    supervisor = await notes.add("K1", book.staff["S1"], "主管旁听", chat_id=8, message_id=1)
    assert supervisor.created and supervisor.note.author_id == "S1"
    long = "长" * 10_000
    saved = await notes.add("K1", book.staff["M1"], long, chat_id=9, message_id=4)
    assert (await notes.get(saved.note.id, book.staff["M1"])).text == long


async def test_voice_notes_are_marked_not_transcribed(book):
    notes = NoteService(book.uow, clock=FakeClock())
    saved = await notes.add_voice(
        "K2", book.staff["M1"], file_id="AwACAg", duration=12, chat_id=9, message_id=5
    )
    assert saved.note.kind == "voice" and saved.note.voice_duration == 12
    assert not saved.note.transcribed and saved.note.voice_file_id == "AwACAg"
    async with book.uow() as work:
        assert await work.session.scalar(select(func.count()).select_from(NoteRevisionRow)) == 0


async def test_redeliveries_are_recognised_across_restarts_and_new_messages_are_not_notes(book):
    """saved_for_message is asked for every incoming message: redeliveries (also to a freshly
    started service) find their note; newer messages and other chats find none."""
    m1 = book.staff["M1"]
    before_restart = NoteService(book.uow, clock=FakeClock())
    assert await before_restart.saved_for_message(m1, chat_id=9, message_id=40) is None
    await before_restart.add("K1", m1, "第一条", chat_id=9, message_id=41)
    await before_restart.add("K1", m1, "第二条", chat_id=9, message_id=43)
    again = await before_restart.saved_for_message(m1, chat_id=9, message_id=41)
    assert again is not None and again.note.text == "第一条" and not again.created
    assert await before_restart.saved_for_message(m1, chat_id=9, message_id=42) is None
    assert await before_restart.saved_for_message(m1, chat_id=9, message_id=44) is None

    after_restart = NoteService(book.uow, clock=FakeClock())  # nothing in memory
    replayed = await after_restart.saved_for_message(m1, chat_id=9, message_id=43)
    assert replayed is not None and replayed.note.text == "第二条"
    assert (await after_restart.saved_for_message(m1, chat_id=9, message_id=41)) is not None
    assert await after_restart.saved_for_message(m1, chat_id=9, message_id=44) is None
    assert await after_restart.saved_for_message(m1, chat_id=8, message_id=41) is None
    await after_restart.add("K1", m1, "第三条", chat_id=9, message_id=45)
    third = await after_restart.saved_for_message(m1, chat_id=9, message_id=45)
    assert third is not None and third.note.text == "第三条"
