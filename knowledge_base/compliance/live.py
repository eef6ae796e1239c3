"""The lexicon in force, the same in every process on the database (DESIGN §5).

A compliance officer loads a lexicon file with `ambot kb lexicon FILE --by STAFF`: it is
validated, stored in `kb_lexicons` and journaled, and the knowledge-base generation is bumped in
the same transaction. The newest stored lexicon is in force (the shipped or configured file
until there is one). `LiveChecker` is the checker every service holds: the process that loaded
the lexicon uses it at once (`use`), any other process within `check_every` seconds — each
`check` looks at the generation when a check interval has passed (a worker thread waits for the
read on the event loop; on the loop itself the read is scheduled and the next check has it).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from audit import Journal
from knowledge_base.compliance.checker import CheckResult, ComplianceChecker
from knowledge_base.compliance.lexicon import Lexicon, LexiconError, parse_lexicon
from knowledge_base.curation import CHECK_EVERY, bump_generation, read_generation
from knowledge_base.errors import NotAuthorizedError, UsageError
from storage.clock import Clock, utc_now
from storage.kb_rows import KbLexiconRow
from storage.rows import StaffRow
from storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)
WAIT_FOR_READ = 5.0  # seconds a worker thread waits for the generation read on the loop


class LexiconStore:
    """Lexicon versions in the database: load one (compliance only), read the newest."""

    def __init__(
        self, uow: UnitOfWorkFactory, *, clock: Clock | None = None, journal: Journal | None = None
    ) -> None:
        self._uow = uow
        self._clock = clock or utc_now
        self._journal = journal if journal is not None else Journal(uow, clock=self._clock)

    async def load(self, path: Path, *, by: str) -> tuple[int, Lexicon]:
        """Validate the file and put it in force everywhere; returns (stored id, lexicon)."""
        try:
            text = await asyncio.to_thread(path.read_text, encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"{path}: cannot read the lexicon ({exc})") from None
        try:
            lexicon = parse_lexicon(text, source=str(path))
        except LexiconError as exc:
            raise UsageError(str(exc)) from None
        async with self._uow() as uow:
            staff = await uow.session.get(StaffRow, by)
            if staff is None or not staff.active or staff.role != "compliance":
                raise NotAuthorizedError(f"{by} is not an active compliance officer")
            row = KbLexiconRow(
                text=text, source=str(path)[:300], loaded_by=by, loaded_at=self._clock()
            )
            uow.session.add(row)
            await uow.session.flush()
            await bump_generation(uow.session)
            await self._journal.append(
                by,
                "kb.lexicon",
                f"lexicon:{row.id}",
                {"source": str(path), "entries": len(lexicon.entries), "version": lexicon.version},
                session=uow.session,
            )
            await uow.commit()
            return row.id, lexicon

    async def generation(self) -> int:
        async with self._uow() as uow:
            return await read_generation(uow.session)

    async def newest(self) -> tuple[int, Lexicon] | None:
        """The lexicon in force from the database (None: none stored yet)."""
        async with self._uow() as uow:
            row = (
                await uow.session.scalars(
                    select(KbLexiconRow).order_by(KbLexiconRow.id.desc()).limit(1)
                )
            ).first()
            if row is None:
                return None
            return row.id, parse_lexicon(row.text, source=f"{row.source} (stored #{row.id})")


class LiveChecker(ComplianceChecker):
    """A ComplianceChecker that follows the lexicon in force (see the module docstring)."""

    def __init__(
        self,
        checker: ComplianceChecker,
        store: LexiconStore | None = None,
        *,
        loaded: int | None = None,
        check_every: float = CHECK_EVERY,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        # No super().__init__: every check is delegated to the current checker.
        self._current = checker
        self.lexicon = checker.lexicon
        self.semantic = checker.semantic
        self._store = store
        self._loaded = loaded  # id of the stored lexicon in use (None: the file)
        self._generation: int | None = None
        self._checked_at: float | None = None
        self.check_every = check_every
        self.monotonic = monotonic
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: asyncio.Task[bool] | None = None
        self._lock = asyncio.Lock()

    @classmethod
    async def start(
        cls,
        store: LexiconStore,
        fallback: ComplianceChecker,
        *,
        check_every: float = CHECK_EVERY,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> LiveChecker:
        """The checker for this process: the newest stored lexicon, else `fallback` (the
        file's). A database without the lexicon table yet (not migrated) keeps the fallback."""
        live = cls(fallback, store, check_every=check_every, monotonic=monotonic)
        live._loop = asyncio.get_running_loop()
        try:
            live._generation = await store.generation()
            newest = await store.newest()
        except SQLAlchemyError:
            log.warning("lexicon: the database has no stored lexicon table; using the file")
            return live
        except LexiconError:
            log.exception("lexicon: the stored lexicon is invalid; using the file")
            return live
        if newest is not None:
            live.use(newest[1], loaded=newest[0])
        return live

    def use(self, lexicon: Lexicon, *, loaded: int | None = None) -> None:
        """Check against `lexicon` from now on (the process that loaded it: at once)."""
        self._current = ComplianceChecker(lexicon, self._current.semantic)
        self.lexicon = lexicon
        self._loaded = loaded

    def check(self, text: str) -> CheckResult:
        if self._due():
            self._refresh_soon()
        return self._current.check(text)

    def _due(self) -> bool:
        return self._store is not None and (
            self._checked_at is None or self.monotonic() - self._checked_at >= self.check_every
        )

    def _refresh_soon(self) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:  # on the loop: cannot wait here; the next check has it
            if self._pending is None or self._pending.done():
                self._pending = loop.create_task(self.refresh())
            return
        if running is not None:
            return  # another loop's thread: nothing safe to do
        future = asyncio.run_coroutine_threadsafe(self.refresh(), loop)
        try:
            future.result(timeout=WAIT_FOR_READ)
        except FutureTimeout:
            future.cancel()
        except Exception:  # a failed read keeps the lexicon in use; it is retried later
            log.exception("lexicon: checking for a new lexicon failed")

    async def refresh(self) -> bool:
        """At most every `check_every` seconds: read the generation, and when it moved, put
        the newest stored lexicon in force. True when the lexicon changed."""
        if self._store is None or not self._due():
            return False
        async with self._lock:
            if not self._due():
                return False
            self._checked_at = self.monotonic()
            self._loop = asyncio.get_running_loop()
            generation = await self._store.generation()
            if generation == self._generation:
                return False
            newest = await self._store.newest()
            self._generation = generation
            if newest is None or newest[0] == self._loaded:
                return False
            self.use(newest[1], loaded=newest[0])
            log.info("lexicon: stored lexicon #%s in force", newest[0])
            return True
