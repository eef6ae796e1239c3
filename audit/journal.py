"""The journal: append, verify, export (DESIGN §9).

Every entry is `seq, at, actor, kind, subject, body, prev_hash, hash`, where
`hash = sha256(prev_hash + canonical JSON of the other six fields)` and the first entry's
prev_hash is 64 zeros. The canonical JSON has sorted keys, no whitespace, non-ASCII kept as is
(UTF-8), and `at` as an aware UTC timestamp in ISO format with microseconds
(`2026-12-07T01:02:03.000004+00:00`).

Appending: the one-row `journal_head` is updated first (seq + n for n entries), which takes the
row lock on PostgreSQL and the write lock on SQLite, so concurrent appenders — other sessions,
other processes — queue there; the appender then has the previous hash from the head, inserts
the entries and stores the last one's hash in the head. Within a process, appends in their own
transaction are grouped: one transaction writes all those waiting (see `Journal.__init__`). The lock is held until the transaction ends: an append
joined to a caller's unit of work (`session=`) commits or rolls back with the caller's change
(a note and its entry together) and holds other appenders until then, so callers append last,
just before they commit. This relies on PostgreSQL's default READ COMMITTED isolation (a
blocked update proceeds on the row the other transaction committed) and on SQLite starting the
transaction at the first write (pysqlite's default).

seq has no gaps (a rolled-back append rolls back the head with it), so `verify` checks both the
seq sequence and the prev_hash links: it names a deleted entry by its missing seq, an altered
one by its own seq, an entry written around the journal (not through `append`) by its seq, and
a deleted last entry by comparing the chain's end with the head.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
import logging
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, NamedTuple, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.clock import Clock, utc_now
from storage.journal_rows import GENESIS_HASH, HEAD_ID, JournalHeadRow, JournalRow
from storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

ExportFormat = Literal["jsonl", "csv"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("jsonl", "csv")
FIELDS = ("seq", "at", "actor", "kind", "subject", "body", "prev_hash", "hash")
LIMITS = {"actor": 64, "kind": 40, "subject": 200}
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection). A cell
# starting with the guard itself (') is guarded too, so reading an export back is exact.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
GUARDED_STARTS = (*FORMULA_STARTS, "'")
# `Journal.record` (the bot's message hooks) writes what it queued this long after the first
# entry of a burst, all in one transaction; a full batch is written at once. Under 20 busy
# managers an immediate write per entry cost /note and /ask ~15 ms at the median (each write
# takes SQLite's one write lock, which a note's own transaction then waits for); a crash loses
# at most this window (a clean stop flushes).
RECORD_DELAY_SECONDS = 0.25
RECORD_BATCH_MAX = 500


class JournalError(RuntimeError):
    """The journal cannot be appended to (its head row is missing)."""


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, non-ASCII as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def timestamp(at: datetime) -> str:
    """An aware datetime as ISO 8601 in UTC with microseconds."""
    if at.tzinfo is None:
        raise ValueError("naive datetime refused: pass an aware datetime")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def entry_hash(
    prev_hash: str, seq: int, at: datetime, actor: str, kind: str, subject: str, body: str
) -> str:
    """sha256(prev_hash + canonical JSON of the other fields), hex."""
    fields = {
        "seq": seq,
        "at": timestamp(at),
        "actor": actor,
        "kind": kind,
        "subject": subject,
        "body": body,
    }
    return hashlib.sha256((prev_hash + canonical_json(fields)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Entry:
    seq: int
    at: datetime
    actor: str
    kind: str
    subject: str
    body: str
    prev_hash: str
    hash: str

    def as_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": timestamp(self.at),
            "actor": self.actor,
            "kind": self.kind,
            "subject": self.subject,
            "body": self.body,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Entry:
        """An entry from `as_json` (an exported line); numbers may come as strings (CSV)."""
        return cls(
            seq=int(data["seq"]),
            at=datetime.fromisoformat(str(data["at"])),
            actor=str(data["actor"]),
            kind=str(data["kind"]),
            subject=str(data["subject"]),
            body=str(data["body"]),
            prev_hash=str(data["prev_hash"]),
            hash=str(data["hash"]),
        )

    @property
    def computed_hash(self) -> str:
        return entry_hash(
            self.prev_hash, self.seq, self.at, self.actor, self.kind, self.subject, self.body
        )


class _Record(NamedTuple):
    actor: str
    kind: str
    subject: str
    body: str


@dataclass(frozen=True)
class Verification:
    """The outcome of `verify`: how many entries hold, and the first bad seq if any."""

    count: int
    head_hash: str
    bad_seq: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.bad_seq is None


class ChainCheck:
    """Checks entries fed in seq order; keeps only the last seq and hash (constant memory)."""

    def __init__(self, *, first_seq: int = 1, prev_hash: str | None = GENESIS_HASH) -> None:
        # prev_hash None: start from whatever the first entry links to (an exported range).
        self.expected_seq = first_seq
        self.prev_hash = prev_hash
        self.count = 0
        self.bad_seq: int | None = None
        self.reason = ""

    def feed(self, entry: Entry) -> bool:
        """False (and bad_seq, reason set) at the first entry that breaks the chain."""
        if entry.seq != self.expected_seq:
            if entry.seq > self.expected_seq:
                return self._bad(self.expected_seq, "missing (deleted?)")
            return self._bad(entry.seq, f"out of sequence (expected seq {self.expected_seq})")
        if self.prev_hash is not None and entry.prev_hash != self.prev_hash:
            return self._bad(entry.seq, "does not link to the entry before it")
        if entry.computed_hash != entry.hash:
            return self._bad(entry.seq, "does not match its hash (altered?)")
        self.prev_hash = entry.hash
        self.expected_seq += 1
        self.count += 1
        return True

    def _bad(self, seq: int, reason: str) -> bool:
        self.bad_seq, self.reason = seq, reason
        return False


def check_entries(entries: Iterable[Entry], **start: Any) -> ChainCheck:
    """Run a ChainCheck over entries (an export read back, a test)."""
    check = ChainCheck(**start)
    for entry in entries:
        if not check.feed(entry):
            break
    return check


def _entry(row: Any) -> Entry:
    return Entry(
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        kind=row.kind,
        subject=row.subject,
        body=row.body,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


_COLUMNS = tuple(getattr(JournalRow, name) for name in FIELDS)
_JOURNAL = cast(Table, JournalRow.__table__)
_HEAD = cast(Table, JournalHeadRow.__table__)


class Journal:
    """Append-only, hash-chained journal of DESIGN §9 (see the module docstring)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        *,
        clock: Clock = utc_now,
        record_delay: float = RECORD_DELAY_SECONDS,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._record_delay = record_delay
        # Appends in their own transaction are written together (group commit): whoever takes
        # the lock writes every entry queued so far in one transaction, and the others find
        # theirs written. One writer per process also keeps SQLite's busy handler out of it
        # (writers waiting for its write lock sleep 1, 2, 5, … 100 ms: with 20 concurrent
        # appenders a 5 ms append had a p95 of 160 ms). Joined appends do not queue: their
        # transaction may already hold the database's write lock, which this lock's holder
        # would then wait for (a deadlock until the busy timeout).
        self._own = asyncio.Lock()
        self._queued: list[tuple[_Record, asyncio.Future[Entry] | None]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._flusher_sleeps = False

    @staticmethod
    def _record(actor: str, kind: str, subject: str, body: str | Mapping[str, Any]) -> _Record:
        text = body if isinstance(body, str) else canonical_json(dict(body))
        for name, value in (("actor", actor), ("kind", kind), ("subject", subject)):
            if len(value) > LIMITS[name]:
                raise ValueError(f"journal {name} longer than {LIMITS[name]}: {value[:40]!r}…")
        return _Record(actor, kind, subject, text)

    async def append(
        self,
        actor: str,
        kind: str,
        subject: str,
        body: str | Mapping[str, Any] = "",
        *,
        session: AsyncSession | None = None,
    ) -> Entry:
        """Append one entry. With `session`, inside the caller's transaction (the caller
        commits, and should append last: the journal stays locked until then); without, in a
        transaction of its own (shared with other appends queued at the same moment), committed
        before this returns. A mapping body is stored as canonical JSON."""
        record = self._record(actor, kind, subject, body)
        if session is not None:
            return (await self._write(session, [record]))[0]
        mine: asyncio.Future[Entry] = asyncio.get_running_loop().create_future()
        self._queued.append((record, mine))
        async with self._own:
            if not mine.done():
                try:
                    await self._write_queued()
                except BaseException:
                    if mine.done() and not mine.cancelled():
                        mine.exception()  # raised below as it was, not as the followers' error
                    raise
        return mine.result()

    def record(
        self, actor: str, kind: str, subject: str, body: str | Mapping[str, Any] = ""
    ) -> None:
        """Queue an entry and return at once; a task writes it `record_delay` seconds later
        (RECORD_DELAY_SECONDS), with everything queued meanwhile, in one transaction (the bot's
        hooks: a message in or out waits for no disk, and a burst of them costs one write).
        `flush()` writes everything queued now; a failure is logged."""
        self._queued.append((self._record(actor, kind, subject, body), None))
        if len(self._queued) >= RECORD_BATCH_MAX:
            self._start_flusher(0.0)
        elif self._flusher is None or self._flusher.done():
            self._start_flusher(self._record_delay)

    def _start_flusher(self, delay: float) -> None:
        if self._flusher is not None and not self._flusher.done():
            if delay > 0 or not self._flusher_sleeps:
                return  # the running one writes what is queued when it wakes or next
            self._flusher.cancel()  # a full batch does not wait for the sleeping one
        self._flusher_sleeps = delay > 0
        self._flusher = asyncio.get_running_loop().create_task(self._flush_in_background(delay))

    async def flush(self) -> None:
        """Write everything queued by `record` (at shutdown, and in tests)."""
        flusher = self._flusher
        if flusher is not None and self._flusher_sleeps and not flusher.done():
            flusher.cancel()  # asleep: nothing will be left for it to write
        async with self._own:
            if self._queued:
                await self._write_queued()

    async def _flush_in_background(self, delay: float) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        self._flusher_sleeps = False  # from here on it writes: never cancelled
        try:
            await self.flush()
        except Exception:
            log.exception("journal: queued entries were not written")
        if self._queued:  # queued while this one was writing
            full = len(self._queued) >= RECORD_BATCH_MAX
            self._flusher_sleeps = not full
            self._flusher = asyncio.get_running_loop().create_task(
                self._flush_in_background(0.0 if full else self._record_delay)
            )

    async def _write_queued(self) -> None:
        """Write every queued entry in one transaction (the caller holds `_own`)."""
        batch, self._queued = self._queued, []
        try:
            async with self._uow() as work:
                entries = await self._write(work.session, [r for r, _ in batch])
                await work.commit()
        except BaseException as exc:
            for _, future in batch:
                if future is not None and not future.done():
                    future.set_exception(JournalError(f"append failed: {exc!r}"))
            raise
        for (_, future), entry in zip(batch, entries, strict=True):
            if future is not None and not future.done():
                future.set_result(entry)

    async def _write(self, session: AsyncSession, records: list[_Record]) -> list[Entry]:
        # Core statements on the session's connection (the ORM adds nothing here and costs
        # more than the statements). The write to the head comes first: it is what serialises
        # appenders across sessions and processes.
        connection = await session.connection()
        head = (
            await connection.execute(
                update(_HEAD)
                .where(_HEAD.c.id == HEAD_ID)
                .values(seq=_HEAD.c.seq + len(records))
                .returning(_HEAD.c.seq, _HEAD.c.hash)
            )
        ).one_or_none()
        if head is None:
            raise JournalError("the journal head row is missing (run `ambot db upgrade`)")
        seq, prev_hash = int(head.seq) - len(records), str(head.hash)
        entries = []
        for record in records:
            seq += 1
            at = self._clock()
            digest = entry_hash(prev_hash, seq, at, *record)
            entries.append(Entry(seq, at, *record, prev_hash, digest))
            prev_hash = digest
        await connection.execute(
            insert(_JOURNAL),
            [{name: getattr(entry, name) for name in FIELDS} for entry in entries],
        )
        await connection.execute(update(_HEAD).where(_HEAD.c.id == HEAD_ID).values(hash=prev_hash))
        return entries

    async def _head(self, session: AsyncSession) -> tuple[int, str] | None:
        row = (
            await session.execute(
                select(JournalHeadRow.seq, JournalHeadRow.hash).where(JournalHeadRow.id == HEAD_ID)
            )
        ).one_or_none()
        return None if row is None else (int(row.seq), str(row.hash))

    async def verify(self, *, batch_size: int = 1000) -> Verification:
        """Walk the whole journal in seq order, `batch_size` rows at a time (memory does not
        grow with the journal), and compare its end with the head, read before and after the
        walk (entries appended meanwhile are checked too, and are not mistaken for tampering)."""
        async with self._uow() as work:
            session = work.session
            before = await self._head(session)
            check = ChainCheck()
            last_hash = GENESIS_HASH
            hash_at_head: str | None = GENESIS_HASH if before and before[0] == 0 else None
            result = await session.stream(
                select(*_COLUMNS).order_by(JournalRow.seq).execution_options(yield_per=batch_size)
            )
            broken = False
            async for rows in result.partitions(batch_size):
                for row in rows:
                    entry = _entry(row)
                    if not check.feed(entry):
                        broken = True
                        break
                    last_hash = entry.hash
                    if before is not None and entry.seq == before[0]:
                        hash_at_head = entry.hash
                if broken:
                    break
            await result.close()
            if broken:
                return Verification(check.count, last_hash, check.bad_seq, check.reason)
            after = await self._head(session)
        if before is None or after is None:
            return Verification(check.count, last_hash, check.count + 1, "the head row is missing")
        if check.count < before[0]:
            return Verification(
                check.count, last_hash, check.count + 1, "missing (deleted at the end?)"
            )
        if hash_at_head != before[1]:
            return Verification(
                check.count, last_hash, before[0], "does not match the journal's head (altered?)"
            )
        if check.count > after[0]:
            return Verification(
                check.count, last_hash, after[0] + 1, "was not appended through the journal"
            )
        return Verification(check.count, last_hash)

    async def entries(
        self, since: datetime, until: datetime | None = None, *, batch_size: int = 1000
    ) -> AsyncIterator[Entry]:
        """Entries with since ≤ at < until, in seq order, streamed."""
        query = select(*_COLUMNS).where(JournalRow.at >= since)
        if until is not None:
            query = query.where(JournalRow.at < until)
        async with self._uow() as work:
            result = await work.session.stream(
                query.order_by(JournalRow.seq).execution_options(yield_per=batch_size)
            )
            try:
                async for rows in result.partitions(batch_size):
                    for row in rows:
                        yield _entry(row)
            finally:
                await result.close()

    async def export(
        self, since: datetime, until: datetime | None = None, fmt: ExportFormat = "jsonl"
    ) -> AsyncIterator[str]:
        """The entries as text, a line at a time: JSON lines, or CSV with a header row and the
        formula guard (a cell starting with = + - @ gets a leading ', see `guard_formula`)."""
        if fmt not in EXPORT_FORMATS:
            raise ValueError(f"unknown export format {fmt!r}: jsonl or csv")
        if fmt == "csv":
            yield csv_line(FIELDS)
        async for entry in self.entries(since, until):
            if fmt == "jsonl":
                yield canonical_json(entry.as_json()) + "\n"
            else:
                data = entry.as_json()
                yield csv_line(guard_formula(str(data[name])) for name in FIELDS)


def guard_formula(cell: str) -> str:
    """A cell a spreadsheet would run as a formula, made text with a leading ' (and a cell
    that starts with ' gets one more, so `unguard` is exact)."""
    return "'" + cell if cell.startswith(GUARDED_STARTS) else cell


def unguard(cell: str) -> str:
    return cell[1:] if cell.startswith("'") else cell


def csv_line(cells: Iterable[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(list(cells))
    return buffer.getvalue()


def read_csv_export(text: str) -> list[Entry]:
    """Entries back from a CSV export (the formula guard undone on the guarded cells)."""
    rows = csv.DictReader(io.StringIO(text, newline=""))
    entries = []
    for row in rows:
        entries.append(Entry.from_json({name: unguard(value) for name, value in row.items()}))
    return entries
