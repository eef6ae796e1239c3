"""Issue 12 point 8 on SQLite and PostgreSQL: edits of one note that meet (several processes)
are all applied as revisions, none refused; an edit finds a note another process saved."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from crm.notes import NoteService
from storage.activity_rows import NoteRevisionRow
from tests.integration.crm.conftest import Book, FakeClock

BOT = 100000001


async def test_concurrent_edits_of_one_note_are_all_kept(book: Book) -> None:
    notes = NoteService(book.uow, clock=FakeClock())
    m1 = book.staff["M1"]
    saved = await notes.add("K1", m1, "买入100股", bot_id=BOT, chat_id=9, message_id=1)
    edits = ["买入1000股", "买入1000股，下周回访", "买入1000股，周三回访"]
    revised = await asyncio.gather(
        *(notes.revise(m1, bot_id=BOT, chat_id=9, message_id=1, text=t) for t in edits)
    )
    assert all(r.changed for r in revised)
    note = await notes.get(saved.note.id, m1)
    assert note.revision == 4 and note.text in edits
    async with book.uow() as work:
        kept = await work.session.scalar(
            select(func.count())
            .select_from(NoteRevisionRow)
            .where(NoteRevisionRow.note_id == saved.note.id)
        )
    assert kept == 3  # every earlier text is on record


async def test_an_edit_finds_the_note_another_process_saved(book: Book) -> None:
    here = NoteService(book.uow, clock=FakeClock())
    elsewhere = NoteService(book.uow, clock=FakeClock())
    m1 = book.staff["M1"]
    await here.add("K1", m1, "这里存的", bot_id=BOT, chat_id=9, message_id=5)
    other = await elsewhere.add("K1", m1, "别处存的", bot_id=BOT, chat_id=9, message_id=9)
    found = await here.for_message(m1, bot_id=BOT, chat_id=9, message_id=9)
    assert found is not None and found.id == other.note.id
    assert await here.for_message(book.staff["M2"], bot_id=BOT, chat_id=9, message_id=9) is None
