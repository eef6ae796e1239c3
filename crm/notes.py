"""Call notes: saved exactly once per Telegram message, revised on edit, undone by tombstone.

Idempotency: a note carries its message key (bot_id, chat_id, message_id) under a unique index —
message ids are numbered per bot and chat, so a second bot token or console session on the same
database has its own keys. A replayed update finds the existing row (or loses the INSERT race
and re-reads it), so the caller always gets the same note id and no second row, contact or
compliance finding is written. A stored row is only ever answered for the message that wrote
it: if the row under the key holds other content (ids numbered again under a reused bot id),
MessageReusedError says nothing was saved — the old note is never shown as the new one. A
database that refuses the write (busy past its timeout) raises StorageBusyError: nothing saved. Undo never deletes:
it sets deleted_at/deleted_by within the undo window. Every saved text goes through the
compliance checker; violations are recorded in compliance_findings for review.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from audit import Journal
from crm.busy import busy_as_domain_error
from crm.clients import journal_search, may_view
from crm.errors import (
    MessageReusedError,
    NotAuthorizedError,
    NoteDeletedError,
    NoteTooLongError,
    NotFoundError,
    StorageBusyError,
    UndoWindowClosedError,
    UsageError,
)
from crm.staff import StaffMember
from storage.activity_rows import ComplianceFindingRow, ContactRow, NoteRevisionRow, NoteRow
from storage.clock import Clock, utc_now
from storage.rows import ClientRow
from storage.text import clean_text
from storage.uow import UnitOfWorkFactory

UNDO_WINDOW = timedelta(minutes=5)
REVISE_ATTEMPTS = 3  # concurrent edits of one note (several processes): re-read and re-apply
# Telegram caps a message at 4096 characters, so this only stops abuse from other channels;
# anything up to it is stored whole (the database is the record, replies show a preview).
MAX_NOTE_CHARS = 20_000


# The compliance checker, structurally (crm does not import knowledge_base): any object with
# check(text) returning .ok and .violations of (phrase, category, start, end, suggestion,
# matched_text) fits — knowledge_base.compliance.ComplianceChecker does.
class _Violation(Protocol):
    @property
    def phrase(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def suggestion(self) -> str: ...
    @property
    def matched_text(self) -> str: ...


class _CheckOutcome(Protocol):
    @property
    def ok(self) -> bool: ...
    @property
    def violations(self) -> Sequence[_Violation]: ...


class TextChecker(Protocol):
    def check(self, text: str) -> _CheckOutcome: ...


@dataclass(frozen=True)
class Note:
    id: int
    client_id: str
    author_id: str
    kind: str  # text | voice
    text: str
    revision: int
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
    voice_file_id: str | None
    voice_duration: int | None
    transcribed: bool


@dataclass(frozen=True)
class NoteFlag:
    """A compliance violation found in a note, for the manager's eyes only."""

    phrase: str
    category: str
    matched_text: str
    suggestion: str
    start: int
    end: int


@dataclass(frozen=True)
class NoteSaved:
    """The outcome of saving: `created` is False when the message had been saved before."""

    note: Note
    client_name: str
    created: bool
    flags: tuple[NoteFlag, ...]


@dataclass(frozen=True)
class NoteRevised:
    """The outcome of an edit: `changed` is False when the text was already the same."""

    note: Note
    client_name: str
    changed: bool
    flags: tuple[NoteFlag, ...]


def _note(row: NoteRow) -> Note:
    return Note(
        id=row.id,
        client_id=row.client_id,
        author_id=row.author_id,
        kind=row.kind,
        text=row.text,
        revision=row.revision,
        created_at=row.created_at,
        updated_at=row.updated_at,
        deleted_at=row.deleted_at,
        voice_file_id=row.voice_file_id,
        voice_duration=row.voice_duration,
        transcribed=row.transcribed,
    )


async def _by_message(
    session: AsyncSession, bot_id: int, chat_id: int, message_id: int
) -> NoteRow | None:
    return await session.scalar(
        select(NoteRow).where(
            NoteRow.bot_id == bot_id, NoteRow.chat_id == chat_id, NoteRow.message_id == message_id
        )
    )


async def _same_message(
    session: AsyncSession, row: NoteRow, *, text: str | None, voice_file_id: str | None
) -> bool:
    """Did `row` come from the message now carrying text (or voice)? Its text now or any
    earlier revision (the message may have been edited since) must be the same."""
    if voice_file_id is not None:
        return row.kind == "voice" and row.voice_file_id == voice_file_id[:200]
    if text is None:
        return True
    if row.kind != "text":
        return False
    if row.text == text:
        return True
    earlier = await session.scalar(
        select(func.count())
        .select_from(NoteRevisionRow)
        .where(NoteRevisionRow.note_id == row.id, NoteRevisionRow.text == text)
    )
    return bool(earlier)


class NoteService:
    """Saves, revises and undoes notes; every call re-checks the staff member's access."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        *,
        checker: TextChecker | None = None,
        clock: Clock = utc_now,
        undo_window: timedelta = UNDO_WINDOW,
        journal: Journal | None = None,
    ) -> None:
        self._uow = uow
        self._checker = checker
        self._clock = clock
        # Every save, revision and undo is journaled in its own transaction (DESIGN §9).
        self._journal = journal if journal is not None else Journal(uow, clock=clock)
        self.undo_window = undo_window
        # (bot id, chat id) → the highest message id there that may carry a note. Telegram
        # numbers a chat's messages in increasing order, so a message above the mark is new,
        # never a redelivery, and needs no lookup. Loaded once per chat, raised on every save.
        self._note_marks: dict[tuple[int, int], int] = {}

    def _raise_mark(self, bot_id: int, chat_id: int, message_id: int) -> None:
        key = (bot_id, chat_id)
        self._note_marks[key] = max(self._note_marks.get(key, 0), message_id)

    async def _flags(self, text: str) -> tuple[NoteFlag, ...]:
        """The checker's findings; on a worker thread (with the semantic signal a check embeds
        the note's sentences), awaited before the save so the finding is in its transaction."""
        if self._checker is None or not text:
            return ()
        outcome = await asyncio.to_thread(self._checker.check, text)
        return tuple(
            NoteFlag(v.phrase, str(v.category), v.matched_text, v.suggestion, v.start, v.end)
            for v in outcome.violations
        )

    async def add(
        self,
        client_id: str,
        author: StaffMember,
        text: str,
        *,
        chat_id: int,
        message_id: int,
        bot_id: int = 0,
        searched: Sequence[str] = (),
    ) -> NoteSaved:
        """Save a text note for the Telegram message (bot_id, chat_id, message_id), exactly once.

        bot_id 0 is "no bot" (tools, tests); handlers pass the receiving bot's id. `searched`:
        the hits of the client search that named the client (`/note 张伟 …`), journaled in the
        note's transaction (one commit for the read and the change)."""
        cleaned = clean_text(text)
        if not cleaned:
            raise UsageError("empty note")
        if len(cleaned) > MAX_NOTE_CHARS:
            raise NoteTooLongError(limit=MAX_NOTE_CHARS, length=len(cleaned))
        return await self._save(
            client_id,
            author,
            (bot_id, chat_id, message_id),
            kind="text",
            text=cleaned,
            voice=None,
            searched=searched,
        )

    async def add_voice(
        self,
        client_id: str,
        author: StaffMember,
        *,
        file_id: str,
        duration: int,
        chat_id: int,
        message_id: int,
        bot_id: int = 0,
    ) -> NoteSaved:
        """Save a voice note (Telegram file id and seconds), marked as not transcribed."""
        if not file_id:
            raise UsageError("voice without a file")
        return await self._save(
            client_id,
            author,
            (bot_id, chat_id, message_id),
            kind="voice",
            text="",
            voice=(file_id[:200], max(0, int(duration))),
        )

    async def _save(
        self,
        client_id: str,
        author: StaffMember,
        key: tuple[int, int, int],
        *,
        kind: str,
        text: str,
        voice: tuple[str, int] | None,
        searched: Sequence[str] = (),
    ) -> NoteSaved:
        flags = await self._flags(text)
        with busy_as_domain_error("note"):
            return await self._insert(client_id, author, key, kind, text, voice, flags, searched)

    async def _insert(
        self,
        client_id: str,
        author: StaffMember,
        key: tuple[int, int, int],
        kind: str,
        text: str,
        voice: tuple[str, int] | None,
        flags: tuple[NoteFlag, ...],
        searched: Sequence[str] = (),
    ) -> NoteSaved:
        bot_id, chat_id, message_id = key
        now = self._clock()
        content = {
            "text": text if kind == "text" else None,
            "voice_file_id": voice[0] if voice else None,
        }
        async with self._uow() as uow:
            session = uow.session
            client = await self._client_for(session, client_id, author)
            client_name = client.name
            existing = await _by_message(session, *key)
            if existing is not None:
                if not await _same_message(session, existing, **content):
                    raise MessageReusedError("note")
                self._raise_mark(*key)
                return NoteSaved(_note(existing), client_name, False, flags)
            row = NoteRow(
                client_id=client.client_id,
                author_id=author.staff_id,
                bot_id=bot_id,
                chat_id=chat_id,
                message_id=message_id,
                kind=kind,
                text=text,
                voice_file_id=voice[0] if voice else None,
                voice_duration=voice[1] if voice else None,
                transcribed=False,
                revision=1,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            try:
                await session.flush()
                session.add(
                    ContactRow(
                        client_id=client.client_id,
                        staff_id=author.staff_id,
                        channel="note",
                        at=now,
                        note_id=row.id,
                    )
                )
                if flags:
                    session.add(self._finding(row.id, author.staff_id, text, flags, now))
                saved = _note(row)
                if searched:
                    await journal_search(self._journal, session, searched, author.staff_id)
                await self._journal.append(
                    author.staff_id,
                    "note.saved",
                    f"note:{row.id}",
                    {"client": client.client_id, "kind": kind, "flags": len(flags)},
                    session=session,
                )
                await uow.commit()
                self._raise_mark(*key)
            except IntegrityError:
                # Lost the race with a concurrent delivery of the same update: theirs is the note.
                await session.rollback()
                existing = await _by_message(session, *key)
                if existing is None:
                    raise
                if not await _same_message(session, existing, **content):
                    raise MessageReusedError("note") from None
                self._raise_mark(*key)
                return NoteSaved(_note(existing), client_name, False, flags)
            return NoteSaved(saved, client_name, True, flags)

    async def revise(
        self, author: StaffMember, *, chat_id: int, message_id: int, text: str, bot_id: int = 0
    ) -> NoteRevised:
        """The Telegram message behind a note was edited: keep the old text as a revision."""
        cleaned = clean_text(text)
        if not cleaned:
            raise UsageError("empty note")
        if len(cleaned) > MAX_NOTE_CHARS:
            raise NoteTooLongError(limit=MAX_NOTE_CHARS, length=len(cleaned))
        with busy_as_domain_error("note edit"):
            return await self._revise(author, (bot_id, chat_id, message_id), cleaned)

    async def _revise(
        self, author: StaffMember, key: tuple[int, int, int], cleaned: str
    ) -> NoteRevised:
        now = self._clock()
        flags = await self._flags(cleaned)  # before the transaction: a check may embed text
        async with self._uow() as uow:
            session = uow.session
            row = await _by_message(session, *key)
            if row is None:
                raise NotFoundError("/".join(map(str, key)))
            if row.author_id != author.staff_id:
                raise NotAuthorizedError("not the author")
            client = await self._client_for(session, row.client_id, author)
            if row.deleted_at is not None:
                raise NoteDeletedError(row.id)
            if row.kind != "text":
                raise UsageError("only text notes can be edited")
            for _attempt in range(REVISE_ATTEMPTS):
                if row.text == cleaned:  # a replayed edit, or invisible characters only
                    return NoteRevised(_note(row), client.name, False, flags)
                old_text, old_revision, note_id = row.text, row.revision, row.id
                # Guarded on the revision read, so two concurrent edits cannot both win; the
                # one that lost reads the note again and is applied on top (edits are whole
                # texts: the later one is the message as it stands now).
                result = await session.execute(
                    update(NoteRow)
                    .where(NoteRow.id == note_id, NoteRow.revision == old_revision)
                    .values(text=cleaned, revision=old_revision + 1, updated_at=now)
                    .execution_options(synchronize_session=False)
                )
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    break
                await session.refresh(row)
            else:
                raise StorageBusyError("note edit")
            session.add(
                NoteRevisionRow(
                    note_id=note_id, revision=old_revision, text=old_text, replaced_at=now
                )
            )
            if flags:
                session.add(self._finding(note_id, author.staff_id, cleaned, flags, now))
            await self._journal.append(
                author.staff_id,
                "note.revised",
                f"note:{note_id}",
                {"client": client.client_id, "revision": old_revision + 1, "flags": len(flags)},
                session=session,
            )
            await uow.commit()
            await session.refresh(row)
            return NoteRevised(_note(row), client.name, True, flags)

    async def undo(self, note_id: int, actor: StaffMember) -> Note:
        """Tombstone the actor's own note within the undo window (idempotent once undone)."""
        now = self._clock()
        async with self._uow() as uow:
            session = uow.session
            row = await session.get(NoteRow, note_id)
            if row is None:
                raise NotFoundError(str(note_id))
            if row.author_id != actor.staff_id:
                raise NotAuthorizedError("not the author")
            await self._client_for(session, row.client_id, actor)
            if row.deleted_at is not None:
                return _note(row)
            if now - row.created_at > self.undo_window:
                raise UndoWindowClosedError(
                    note_id, window_minutes=int(self.undo_window.total_seconds() // 60)
                )
            row.deleted_at = now
            row.deleted_by = actor.staff_id
            undone = _note(row)
            await self._journal.append(
                actor.staff_id,
                "note.undone",
                f"note:{note_id}",
                {"client": row.client_id},
                session=session,
            )
            await uow.commit()
            return undone

    async def saved_for_message(
        self,
        author: StaffMember,
        *,
        chat_id: int,
        message_id: int,
        bot_id: int = 0,
        text: str | None = None,
        voice_file_id: str | None = None,
    ) -> NoteSaved | None:
        """The note already saved from this Telegram message by `author` (a redelivery), if any.

        With text (or voice_file_id), only a note saved from that very content counts: a row
        under the same key holding other content is another message's, and this one is new.
        Asked for every incoming message, so a message newer than the chat's last note is
        answered from memory (see _note_marks)."""
        chat = (bot_id, chat_id)
        mark = self._note_marks.get(chat)
        if mark is not None and message_id > mark:
            return None
        async with self._uow() as uow:
            if mark is None:
                newest = await uow.session.scalar(
                    select(func.max(NoteRow.message_id)).where(
                        NoteRow.bot_id == bot_id, NoteRow.chat_id == chat_id
                    )
                )
                self._raise_mark(bot_id, chat_id, newest or 0)
                if message_id > self._note_marks[chat]:
                    return None
            row = await _by_message(uow.session, bot_id, chat_id, message_id)
            if row is None or row.author_id != author.staff_id:
                return None
            cleaned = clean_text(text) if text is not None else None
            if not await _same_message(uow.session, row, text=cleaned, voice_file_id=voice_file_id):
                return None
            client = await uow.session.get(ClientRow, row.client_id)
            name = client.name if client else row.client_id
            return NoteSaved(_note(row), name, False, await self._flags(row.text))

    async def for_message(
        self, author: StaffMember, *, chat_id: int, message_id: int, bot_id: int = 0
    ) -> Note | None:
        """The author's note saved from this Telegram message (an edit is about to revise it),
        whatever its text: read from the database, so a note saved by another process counts."""
        async with self._uow() as uow:
            row = await _by_message(uow.session, bot_id, chat_id, message_id)
            if row is None or row.author_id != author.staff_id:
                return None
            return _note(row)

    def undoable(self, note: Note) -> bool:
        """May ↩️ still undo the note (not undone, inside the undo window)?"""
        return note.deleted_at is None and self._clock() - note.created_at <= self.undo_window

    async def get(self, note_id: int, viewer: StaffMember) -> Note:
        """One note (even a tombstoned one) if the viewer may see its client."""
        async with self._uow() as uow:
            row = await uow.session.get(NoteRow, note_id)
            if row is None:
                raise NotFoundError(str(note_id))
            await self._client_for(uow.session, row.client_id, viewer)
            return _note(row)

    async def revisions(self, note_id: int, viewer: StaffMember) -> list[tuple[int, str]]:
        """Earlier texts of a note as (revision, text), oldest first."""
        async with self._uow() as uow:
            row = await uow.session.get(NoteRow, note_id)
            if row is None:
                raise NotFoundError(str(note_id))
            await self._client_for(uow.session, row.client_id, viewer)
            result = await uow.session.execute(
                select(NoteRevisionRow.revision, NoteRevisionRow.text)
                .where(NoteRevisionRow.note_id == note_id)
                .order_by(NoteRevisionRow.revision)
            )
            return [(revision, text) for revision, text in result.all()]

    @staticmethod
    async def _client_for(session: AsyncSession, client_id: str, staff: StaffMember) -> ClientRow:
        client = await session.get(ClientRow, client_id.strip()[:32])
        if client is None:
            raise NotFoundError(client_id)
        if not await may_view(session, staff, client.manager_id):
            raise NotAuthorizedError(client_id)
        return client

    @staticmethod
    def _finding(
        note_id: int, staff_id: str, text: str, flags: tuple[NoteFlag, ...], now: datetime
    ) -> ComplianceFindingRow:
        violations = [
            {
                "phrase": f.phrase,
                "category": f.category,
                "start": f.start,
                "end": f.end,
                "suggestion": f.suggestion,
                "matched_text": f.matched_text,
            }
            for f in flags
        ]
        return ComplianceFindingRow(
            source="note",
            note_id=note_id,
            staff_id=staff_id,
            violations=json.dumps(violations, ensure_ascii=False),
            text=text,
            created_at=now,
        )
