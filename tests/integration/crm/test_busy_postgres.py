"""Issue 12 §10 on PostgreSQL: a note whose write waits on another transaction's lock past the
lock timeout is refused as "not saved" (StorageBusyError), and nothing of it is stored — the
PostgreSQL side of SQLite's busy timeout (tests/unit/handlers/test_issue12_trust_flow.py)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select, text

from crm.errors import StorageBusyError
from crm.notes import NoteService
from storage.activity_rows import NoteRow
from storage.engine import create_engine, session_factory
from storage.uow import UnitOfWorkFactory
from tests.integration.crm.conftest import Book, FakeClock
from tests.support.databases import TestDatabase as Database


@pytest.mark.parametrize("test_database", ["postgres"], indirect=True)
async def test_a_note_behind_a_held_lock_is_refused_as_not_saved(
    book: Book, test_database: Database
) -> None:
    holder = test_database.engine()
    impatient = create_engine(test_database.url, lock_timeout=0.3, **test_database.engine_kwargs)
    try:
        notes = NoteService(UnitOfWorkFactory(session_factory(impatient)), clock=FakeClock())
        async with holder.connect() as locker:
            trans = await locker.begin()
            await locker.execute(text("LOCK TABLE notes IN ACCESS EXCLUSIVE MODE"))
            with pytest.raises(StorageBusyError):  # a safety net, not a wait: 0.3 s suffices
                await asyncio.wait_for(
                    notes.add("K1", book.staff["M1"], "客户要加仓", chat_id=9, message_id=1), 30
                )
            await trans.rollback()
        async with book.uow() as work:
            assert await work.session.scalar(select(func.count()).select_from(NoteRow)) == 0
        # Once the lock is gone the same message saves (nothing half-written blocks it).
        saved = await notes.add("K1", book.staff["M1"], "客户要加仓", chat_id=9, message_id=1)
        assert saved.created
    finally:
        await impatient.dispose()
        await holder.dispose()


@pytest.mark.parametrize("test_database", ["postgres"], indirect=True)
async def test_engines_carry_a_lock_timeout_on_postgresql(test_database: Database) -> None:
    engine = create_engine(test_database.url, **test_database.engine_kwargs)
    try:
        async with engine.connect() as conn:
            assert await conn.scalar(text("SHOW lock_timeout")) == "30s"
    finally:
        await engine.dispose()
