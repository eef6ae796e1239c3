"""Issue 12 (points 1 and 7) on SQLite and PostgreSQL: every message-driven write is keyed by
(bot id, chat id, message id); a stored row is never answered for a message with other content;
a ✅ contact and a /check finding are recorded once however often the update arrives; and the
migration that adds the bot id keeps existing rows and their references."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from crm.clients import ClientService
from crm.errors import MessageReusedError
from crm.followups import FollowUpService
from crm.notes import NoteService
from knowledge_base.feedback import FeedbackService
from storage.activity_rows import (
    ComplianceFindingRow,
    ContactRow,
    FollowUpRow,
    NoteRevisionRow,
    NoteRow,
)
from storage.migrate import upgrade
from tests.integration.crm.conftest import NOW, Book, FakeClock
from tests.support.databases import TestDatabase

OLD_BOT, NEW_BOT = 100000001, 7000000002


async def count(book: Book, row: type, *where: object) -> int:
    async with book.uow() as work:
        query = select(func.count()).select_from(row).where(*where)  # type: ignore[arg-type]
        return int(await work.session.scalar(query) or 0)


async def test_a_new_bot_numbering_messages_again_saves_a_new_note(book: Book) -> None:
    notes = NoteService(book.uow, clock=FakeClock())
    m1 = book.staff["M1"]
    first = await notes.add("K1", m1, "第一条", bot_id=OLD_BOT, chat_id=9, message_id=1)
    # A new console session (or bot token) on the same database: message 1 again.
    second = await notes.add("K1", m1, "重启后的新笔记", bot_id=NEW_BOT, chat_id=9, message_id=1)
    assert second.created and second.note.id != first.note.id
    assert second.note.text == "重启后的新笔记"
    # Each bot's redelivery still finds its own note.
    again = await notes.add("K1", m1, "重启后的新笔记", bot_id=NEW_BOT, chat_id=9, message_id=1)
    assert not again.created and again.note.id == second.note.id
    assert await count(book, NoteRow) == 2


async def test_a_key_holding_other_text_is_never_answered_as_saved(book: Book) -> None:
    notes = NoteService(book.uow, clock=FakeClock())
    m1 = book.staff["M1"]
    first = await notes.add("K1", m1, "第一条", bot_id=OLD_BOT, chat_id=9, message_id=1)
    with pytest.raises(MessageReusedError):
        await notes.add("K1", m1, "同一个编号的另一条", bot_id=OLD_BOT, chat_id=9, message_id=1)
    assert (await notes.get(first.note.id, m1)).text == "第一条"
    assert await count(book, NoteRow) == 1 and await count(book, ContactRow) == 1
    # A plain message (a question) under that key is not "already saved" either …
    reused = await notes.saved_for_message(
        m1, bot_id=OLD_BOT, chat_id=9, message_id=1, text="什么是融资融券"
    )
    assert reused is None
    # … while the real redelivery is, also after the message was edited.
    await notes.revise(m1, bot_id=OLD_BOT, chat_id=9, message_id=1, text="第一条（改）")
    replay = await notes.add("K1", m1, "第一条", bot_id=OLD_BOT, chat_id=9, message_id=1)
    assert replay.note.id == first.note.id and not replay.created
    found = await notes.saved_for_message(
        m1, bot_id=OLD_BOT, chat_id=9, message_id=1, text="第一条（改）"
    )
    assert found is not None and found.note.id == first.note.id


async def test_follow_ups_are_keyed_by_bot_too(book: Book) -> None:
    clock = FakeClock()
    service = FollowUpService(book.uow, ClientService(book.uow, clock=clock), clock=clock)
    m1 = book.staff["M1"]
    due = NOW + timedelta(days=1)
    kwargs = {"client_id": "K1", "names_client": True, "due_at": due, "chat_id": 9}
    first = await service.create(
        m1, request="张伟 明天10点 回电", bot_id=OLD_BOT, message_id=5, **kwargs
    )
    second = await service.create(
        m1, request="张伟 明天10点 约面谈", bot_id=NEW_BOT, message_id=5, **kwargs
    )
    assert first.created and second.created and first.follow_up.id != second.follow_up.id
    assert second.follow_up.title == "约面谈"
    with pytest.raises(MessageReusedError):
        await service.create(
            m1, request="张伟 明天10点 发资料", bot_id=OLD_BOT, message_id=5, **kwargs
        )
    replay = await service.create(
        m1, request="张伟 明天10点 回电", bot_id=OLD_BOT, message_id=5, **kwargs
    )
    assert not replay.created and replay.follow_up.id == first.follow_up.id
    assert await count(book, FollowUpRow) == 2


async def test_a_contact_press_is_recorded_once_per_card_message(book: Book) -> None:
    clients = ClientService(book.uow, clock=FakeClock())
    m1 = book.staff["M1"]
    card = (OLD_BOT, 9, 40)
    pressed = await asyncio.gather(*(clients.mark_contacted("K1", m1, key=card) for _ in range(4)))
    assert sum(c.created for c in pressed) == 1 and len({c.id for c in pressed}) == 1
    later = await clients.mark_contacted("K1", m1, key=card)
    assert not later.created and later.id == pressed[0].id
    other_card = await clients.mark_contacted("K1", m1, key=(OLD_BOT, 9, 41))
    assert other_card.created
    assert await count(book, ContactRow) == 2


async def test_concurrent_copies_of_one_check_record_one_finding(book: Book) -> None:
    feedback = FeedbackService(book.uow, clock=FakeClock())
    violations = [{"phrase": "保本", "category": "guarantee"}]
    receipts = await asyncio.gather(
        *(
            feedback.record_draft_findings(
                staff_id="M1", text="这个产品保本", violations=violations, key=(OLD_BOT, 9, 3)
            )
            for _ in range(4)
        )
    )
    assert len({r.finding_id for r in receipts}) == 1 and sum(r.new for r in receipts) == 1
    assert await count(book, ComplianceFindingRow) == 1


async def test_the_migration_keeps_rows_and_references(test_database: TestDatabase) -> None:
    engine = test_database.engine()
    try:
        await upgrade(engine, "0006")
        async with engine.begin() as conn:
            for statement in (
                "INSERT INTO staff (staff_id, name, role, active, language, timezone, briefing_time)"
                " VALUES ('M1', '王芳', 'manager', true, 'zh', 'Asia/Shanghai', '08:30:00')",
                "INSERT INTO clients (client_id, name, manager_id, phone, id_number, opened_on,"
                " risk_level) VALUES ('K1', '张伟', 'M1', '13812345678', '110101199001011234',"
                " '2015-01-01', 'C3')",
                "INSERT INTO notes (id, client_id, author_id, chat_id, message_id, kind, text,"
                " transcribed, revision, created_at, updated_at)"
                " VALUES (7, 'K1', 'M1', 9, 1, 'text', '第一条', false, 2,"
                " '2026-11-20 06:00:00', '2026-11-20 06:00:00')",
                "INSERT INTO note_revisions (note_id, revision, text, replaced_at)"
                " VALUES (7, 1, '最初', '2026-11-20 06:00:00')",
                "INSERT INTO contacts (client_id, staff_id, channel, at, note_id)"
                " VALUES ('K1', 'M1', 'note', '2026-11-20 06:00:00', 7)",
                "INSERT INTO follow_ups (id, client_id, owner_id, title, due_at, status, chat_id,"
                " message_id, created_at, snooze_count) VALUES (3, 'K1', 'M1', '回电',"
                " '2026-11-21 02:00:00', 'open', 9, 2, '2026-11-20 06:00:00', 0)",
            ):
                await conn.execute(text(statement))
        await upgrade(engine)
        async with engine.begin() as conn:
            kept = (await conn.execute(text("SELECT id, bot_id, text FROM notes"))).all()
            assert [tuple(row) for row in kept] == [(7, 0, "第一条")]
            fu = (await conn.execute(text("SELECT id, bot_id FROM follow_ups"))).all()
            assert [tuple(row) for row in fu] == [(3, 0)]
            # Another bot's message 1 in chat 9 is a row of its own; the same bot's is refused.
            await conn.execute(
                text(
                    "INSERT INTO notes (client_id, author_id, bot_id, chat_id, message_id, kind,"
                    " text, transcribed, revision, created_at, updated_at) VALUES ('K1', 'M1',"
                    " 5, 9, 1, 'text', '新', false, 1, '2026-11-20 06:00:00',"
                    " '2026-11-20 06:00:00')"
                )
            )
        with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
            async with engine.begin() as conn:
                await conn.execute(
                    text(
                        "INSERT INTO notes (client_id, author_id, bot_id, chat_id, message_id,"
                        " kind, text, transcribed, revision, created_at, updated_at) VALUES"
                        " ('K1', 'M1', 5, 9, 1, 'text', '重复', false, 1,"
                        " '2026-11-20 06:00:00', '2026-11-20 06:00:00')"
                    )
                )
        # References into notes still hold: a revision of a missing note is refused.
        with pytest.raises(Exception, match=r"(?i)foreign key"):
            async with engine.begin() as conn:
                await conn.execute(
                    text(
                        "INSERT INTO note_revisions (note_id, revision, text, replaced_at)"
                        " VALUES (999, 1, 'x', '2026-11-20 06:00:00')"
                    )
                )
        async with engine.connect() as conn:
            revisions = await conn.scalar(select(func.count()).select_from(NoteRevisionRow))
            contacts = await conn.scalar(
                select(func.count()).select_from(ContactRow).where(ContactRow.note_id == 7)
            )
        assert revisions == 1 and contacts == 1
    finally:
        await engine.dispose()
