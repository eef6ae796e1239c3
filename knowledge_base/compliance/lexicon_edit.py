"""Curating the banned-phrase lexicon from chat (`/lexicon`): list, add, retire.

Who: an active compliance officer or admin, checked on every call. Each change writes a new
lexicon version (`kb_lexicons`: the whole text, who, when, and what changed in `source`), bumps
the knowledge-base generation and is journaled, all in one transaction; then this process checks
against it at once (`LiveChecker.use`), every other process within its check interval (3 s).

Concurrent editors cannot lose each other's change: the generation row is written first, which
takes the row lock (PostgreSQL) or the write lock (SQLite), and the newest version is read after.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from audit import Journal
from knowledge_base.compliance.lexicon import (
    Category,
    Lexicon,
    LexiconEntry,
    LexiconError,
    MatchType,
    parse_lexicon,
)
from knowledge_base.compliance.lexicon_text import (
    add_entry,
    entry_key,
    one_line,
    quoted,
    retire_entry,
    set_top_scalar,
)
from knowledge_base.compliance.live import LiveChecker
from knowledge_base.compliance.normalize import TextFolder
from knowledge_base.curation import bump_generation
from knowledge_base.errors import NotAuthorizedError, NotFoundError, UsageError
from storage.clock import Clock, utc_now
from storage.kb_rows import KbLexiconRow
from storage.rows import StaffRow
from storage.text import clean_text
from storage.uow import UnitOfWorkFactory

EDITOR_ROLES = frozenset({"compliance", "admin"})
PHRASE_LIMIT = 40
SUGGESTION_LIMIT = 300
REASON_LIMIT = 200
CATEGORIES: tuple[Category, ...] = tuple(Category)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


class LexiconInputError(UsageError):
    """Input that cannot go into the lexicon; `problem` says which (phrase_empty,
    phrase_too_long, phrase_unmatchable, phrase_duplicate, suggestion_empty,
    suggestion_too_long, category_unknown, reason_empty, reason_too_long, last_entry)."""

    def __init__(self, problem: str, *, limit: int = 0, existing: str = "") -> None:
        super().__init__(problem)
        self.problem = problem
        self.limit = limit
        self.existing = existing


class LexiconEntryGoneError(NotFoundError):
    """The entry is no longer in the lexicon in force (retired meanwhile)."""


@dataclass(frozen=True)
class LexiconLine:
    """One entry as a curator sees it."""

    key: str
    phrase: str  # what users see (the label of a regex)
    category: Category
    suggestion: str
    match: MatchType
    language: str


@dataclass(frozen=True)
class LexiconState:
    """The lexicon in force: its version, where it came from, and its entries in file order."""

    version: int | None
    stored_id: int | None  # kb_lexicons row (None: the shipped file)
    loaded_by: str | None
    loaded_at: datetime | None
    entries: tuple[LexiconLine, ...]


@dataclass(frozen=True)
class LexiconChange:
    """A change made: the entry added or retired and the version that now holds."""

    action: str  # "added" | "retired"
    entry: LexiconLine
    version: int
    stored_id: int
    by: str
    at: datetime
    reason: str = ""


def line_of(entry: LexiconEntry) -> LexiconLine:
    return LexiconLine(
        entry_key(entry),
        entry.display,
        entry.category,
        entry.suggestion,
        entry.match,
        entry.language,
    )


def parse_category(value: str) -> Category:
    """A category by number (1–5, in CATEGORIES order), key, or Chinese or English name."""
    text = " ".join(clean_text(value).split()).casefold()
    if text.isdigit() and 1 <= int(text) <= len(CATEGORIES):
        return CATEGORIES[int(text) - 1]
    for category in CATEGORIES:
        names = (category.value, category.label("zh"), category.label("en"))
        if text in {name.casefold() for name in names}:
            return category
    raise LexiconInputError("category_unknown")


def clean_reason(value: str) -> str:
    reason = clean_text(value)
    if not reason:
        raise LexiconInputError("reason_empty")
    if len(reason) > REASON_LIMIT:
        raise LexiconInputError("reason_too_long", limit=REASON_LIMIT)
    return reason


def clean_suggestion(value: str) -> str:
    suggestion = clean_text(value)
    if not suggestion:
        raise LexiconInputError("suggestion_empty")
    if len(suggestion) > SUGGESTION_LIMIT:
        raise LexiconInputError("suggestion_too_long", limit=SUGGESTION_LIMIT)
    return suggestion


class LexiconEditor:
    """List, add and retire lexicon entries (see the module docstring)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        checker: LiveChecker,
        shipped: Path,
        *,
        journal: Journal | None = None,
        clock: Clock | None = None,
        timezone: str = "Asia/Shanghai",
    ) -> None:
        self._uow = uow
        self._checker = checker
        self.shipped = shipped
        self._clock = clock or utc_now
        self._journal = journal if journal is not None else Journal(uow, clock=self._clock)
        self._tz = ZoneInfo(timezone)
        self._folder = TextFolder()
        self._parsed: tuple[int | None, Lexicon] | None = None  # the last version parsed

    # ------------------------------------------------------------------ reading

    async def current(self, staff_id: str) -> LexiconState:
        """The lexicon in force, for an editor."""
        async with self._uow() as work:
            await _editor(work.session, staff_id)
            row = await _newest(work.session)
        lexicon = await self._lexicon(row)
        return LexiconState(
            lexicon.version,
            row.id if row is not None else None,
            row.loaded_by if row is not None else lexicon.approved_by,
            row.loaded_at if row is not None else None,
            tuple(line_of(entry) for entry in lexicon.entries),
        )

    async def entry(self, staff_id: str, key: str) -> LexiconLine:
        """One entry in force by its key (LexiconEntryGoneError when it is not)."""
        state = await self.current(staff_id)
        for line in state.entries:
            if line.key == key:
                return line
        raise LexiconEntryGoneError(key)

    async def check_phrase(self, staff_id: str, phrase: str) -> str:
        """The phrase cleaned, or LexiconInputError (empty, too long, nothing to match, already
        in the lexicon in force)."""
        async with self._uow() as work:
            await _editor(work.session, staff_id)
            row = await _newest(work.session)
        return self._clean_phrase(phrase, await self._lexicon(row))

    # ------------------------------------------------------------------ changing

    async def add(
        self, staff_id: str, phrase: str, category: Category, suggestion: str
    ) -> LexiconChange:
        """A new version with one more entry (matched like the shipped ones: normalised)."""
        suggestion = clean_suggestion(suggestion)
        async with self._uow() as work:
            session = work.session
            await bump_generation(session)  # first: serialises editors (module docstring)
            await _editor(session, staff_id)
            row = await _newest(session)
            before = await self._lexicon(row)
            phrase = self._clean_phrase(phrase, before)
            language = "zh" if _CJK.search(phrase) else "en"
            now = self._clock()
            version = (before.version or 0) + 1
            text = add_entry(
                await self._text(row),
                {
                    "phrase": quoted(phrase),
                    "category": category.value,
                    "match": MatchType.NORMALIZED.value,
                    "language": language,
                    "suggestion": quoted(suggestion),
                },
                comment=f"added in chat by {staff_id} on {self._day(now)}",
            )
            text = self._stamp(text, version, staff_id, now)
            lexicon = _validated(text, version)
            added = lexicon.entries[-1]
            if (added.phrase, added.category) != (phrase, category):
                raise LexiconError("the new entry did not land at the end of the lexicon")
            stored = await self._store(session, text, f"chat: + {phrase}", staff_id, now)
            change = LexiconChange("added", line_of(added), version, stored, staff_id, now)
            await self._journal.append(
                staff_id,
                "kb.lexicon.added",
                f"lexicon:{stored}",
                {
                    "phrase": phrase,
                    "category": category.value,
                    "suggestion": suggestion,
                    "version": version,
                },
                session=session,
            )
            await work.commit()
        self._in_force(stored, lexicon)
        return change

    async def retire(self, staff_id: str, key: str, reason: str) -> LexiconChange:
        """A new version without the entry `key` (kept in the text, commented out, with who,
        when and why)."""
        reason = clean_reason(reason)
        async with self._uow() as work:
            session = work.session
            await bump_generation(session)
            await _editor(session, staff_id)
            row = await _newest(session)
            before = await self._lexicon(row)
            index = next(
                (i for i, entry in enumerate(before.entries) if entry_key(entry) == key), None
            )
            if index is None:
                raise LexiconEntryGoneError(key)
            if len(before.entries) == 1:
                raise LexiconInputError("last_entry")
            retired = line_of(before.entries[index])
            now = self._clock()
            version = (before.version or 0) + 1
            text = retire_entry(
                await self._text(row),
                index,
                comment=f"retired in chat by {staff_id} on {self._day(now)}: {one_line(reason)}",
            )
            text = self._stamp(text, version, staff_id, now)
            lexicon = _validated(text, version)
            if len(lexicon.entries) != len(before.entries) - 1 or any(
                entry_key(entry) == key for entry in lexicon.entries
            ):
                raise LexiconError("the retired entry is still in the lexicon")
            stored = await self._store(
                session, text, f"chat: - {retired.phrase}"[:300], staff_id, now
            )
            await self._journal.append(
                staff_id,
                "kb.lexicon.retired",
                f"lexicon:{stored}",
                {
                    "phrase": retired.phrase,
                    "category": retired.category.value,
                    "reason": reason,
                    "version": version,
                },
                session=session,
            )
            await work.commit()
        self._in_force(stored, lexicon)
        return LexiconChange("retired", retired, version, stored, staff_id, now, reason)

    # ------------------------------------------------------------------ helpers

    def _clean_phrase(self, value: str, lexicon: Lexicon) -> str:
        phrase = " ".join(clean_text(value).split())
        if not phrase:
            raise LexiconInputError("phrase_empty")
        if len(phrase) > PHRASE_LIMIT:
            raise LexiconInputError("phrase_too_long", limit=PHRASE_LIMIT)
        compact = self._folder.compact(phrase)
        if not compact:
            raise LexiconInputError("phrase_unmatchable")
        for entry in lexicon.entries:
            if entry.match is not MatchType.REGEX and self._folder.compact(entry.phrase) == compact:
                raise LexiconInputError("phrase_duplicate", existing=entry.display)
        return phrase

    def _day(self, now: datetime) -> str:
        return now.astimezone(self._tz).date().isoformat()

    def _stamp(self, text: str, version: int, staff_id: str, now: datetime) -> str:
        text = set_top_scalar(text, "version", str(version))
        text = set_top_scalar(text, "approved_by", quoted(staff_id))
        return set_top_scalar(text, "effective_from", self._day(now))

    async def _text(self, row: _Stored | None) -> str:
        if row is not None:
            return row.text
        return await asyncio.to_thread(self.shipped.read_text, encoding="utf-8-sig")

    async def _lexicon(self, row: _Stored | None) -> Lexicon:
        stored = row.id if row is not None else None
        if self._parsed is not None and self._parsed[0] == stored:
            return self._parsed[1]
        text = await self._text(row)
        source = f"{row.source} (stored #{row.id})" if row is not None else str(self.shipped)
        lexicon = await asyncio.to_thread(parse_lexicon, text, source=source)
        self._parsed = (stored, lexicon)
        return lexicon

    async def _store(
        self, session: AsyncSession, text: str, source: str, staff_id: str, now: datetime
    ) -> int:
        row = KbLexiconRow(text=text, source=source[:300], loaded_by=staff_id, loaded_at=now)
        session.add(row)
        await session.flush()
        return row.id

    def _in_force(self, stored: int, lexicon: Lexicon) -> None:
        self._parsed = (stored, lexicon)
        self._checker.use(lexicon, loaded=stored)


def _validated(text: str, version: int) -> Lexicon:
    lexicon = parse_lexicon(text, source=f"lexicon version {version}")
    if lexicon.version != version:
        raise LexiconError("the new lexicon version was not written")
    return lexicon


async def _editor(session: AsyncSession, staff_id: str) -> StaffRow:
    staff = await session.get(StaffRow, staff_id)
    if staff is None or not staff.active or staff.role not in EDITOR_ROLES:
        raise NotAuthorizedError(f"{staff_id} may not edit the lexicon")
    return staff


@dataclass(frozen=True)
class _Stored:
    id: int
    text: str
    source: str
    loaded_by: str
    loaded_at: datetime


async def _newest(session: AsyncSession) -> _Stored | None:
    """The newest stored version, as plain values (usable after the session ends)."""
    row = (
        await session.scalars(select(KbLexiconRow).order_by(KbLexiconRow.id.desc()).limit(1))
    ).first()
    if row is None:
        return None
    return _Stored(row.id, row.text, row.source, row.loaded_by, row.loaded_at)
