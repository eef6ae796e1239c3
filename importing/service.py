"""ImportService: stream one CSV file into its table, all rows or none.

Rows are parsed and validated in a worker thread a batch at a time and written to a temporary
staging table; whole-file checks and the merge then run as SQL. Any bad row, or a dry run,
rolls the single transaction back, so the database is either fully updated or untouched.
A committed import is journaled (`import.<kind>`: file name, rows read, inserted, updated, and
who ran it) in that same transaction (DESIGN §9).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from audit import Journal
from importing.fields import FieldError, zone
from importing.kinds import KINDS, KindSpec, RowParser, build_specs
from importing.report import ErrorCollector, ImportFileError, ImportReport
from importing.source import CsvSource
from importing.staging import Staging, check, merge
from storage.engine import session_factory
from storage.uow import UnitOfWorkFactory

Progress = Callable[[int, int], None]

DEFAULT_BATCH_SIZE = 5000


class ImportService:
    """Imports the bank's CSV files (see DESIGN.md §3) into the database."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        default_timezone: str = "Asia/Shanghai",
        batch_size: int = DEFAULT_BATCH_SIZE,
        journal: Journal | None = None,
    ) -> None:
        try:
            tz = zone(default_timezone)
        except FieldError as exc:
            raise ValueError(exc.reason) from None
        self._engine = engine
        self._specs = build_specs(tz, tz.key)
        self._batch_size = batch_size
        self._journal = journal or Journal(UnitOfWorkFactory(session_factory(engine)))

    async def import_file(
        self,
        kind: str,
        path: Path,
        *,
        dry_run: bool = False,
        progress: Progress | None = None,
        by: str = "system",
    ) -> ImportReport:
        """Validate and upsert `path` as `kind`; progress(bytes_done, bytes_total) per batch.
        `by`: who ran it (a staff id, or "system" for the bank's feed), for the journal.

        Raises ImportFileError when the file as a whole is unusable; row problems are returned
        in the report (and then nothing is changed).
        """
        spec = self._specs.get(kind)
        if spec is None:
            raise ImportFileError(f"unknown kind {kind!r} (expected one of: {', '.join(KINDS)})")
        path = Path(path)
        source = await asyncio.to_thread(CsvSource, path)
        try:
            parser = RowParser(spec, source.header)
            async with self._engine.connect() as conn:
                return await self._run(conn, spec, source, parser, dry_run, progress, by)
        finally:
            source.close()

    async def _run(
        self,
        conn: AsyncConnection,
        spec: KindSpec,
        source: CsvSource,
        parser: RowParser,
        dry_run: bool,
        progress: Progress | None,
        by: str = "system",
    ) -> ImportReport:
        staging = Staging(spec)
        errors = ErrorCollector()
        records = source.records()
        rows_read = 0
        committed = False
        inserted = updated = 0
        await staging.create(conn)
        encode = staging.encoder(conn.dialect)
        try:
            while True:
                rows, read, done = await asyncio.to_thread(
                    _parse_batch, parser, records, self._batch_size, errors, encode
                )
                rows_read += read
                await staging.load(conn, rows)
                if progress is not None:
                    progress(min(source.bytes_done, source.bytes_total), source.bytes_total)
                if done:
                    break
            await staging.index(conn)
            await check(conn, staging, errors)
            if errors.count == 0:
                try:
                    inserted, updated = await merge(conn, staging)
                except DBAPIError as exc:
                    raise ImportFileError(
                        f"the database refused the rows: {str(exc.orig).splitlines()[0]}"
                    ) from exc
            if errors.count == 0 and not dry_run:
                await self._journal_import(conn, spec, source, by, rows_read, inserted, updated)
                await conn.commit()
                committed = True
            else:
                await conn.rollback()
        finally:
            if not committed and conn.in_transaction():
                await conn.rollback()
            await staging.drop(conn)
            await conn.commit()
        ok = errors.count == 0
        return ImportReport(
            kind=spec.name,
            file=source.path,
            encoding=source.encoding,
            rows_read=rows_read,
            inserted=inserted if ok else 0,
            updated=updated if ok else 0,
            unchanged=rows_read - inserted - updated if ok else 0,
            errors=errors.result(),
            error_count=errors.count,
            bad_rows=errors.bad_rows,
            dry_run=dry_run,
            committed=committed,
        )

    async def _journal_import(
        self,
        conn: AsyncConnection,
        spec: KindSpec,
        source: CsvSource,
        by: str,
        rows: int,
        inserted: int,
        updated: int,
    ) -> None:
        """One entry for the import, in its transaction (a session joined to the connection's
        transaction: the commit below commits both, a rollback drops both)."""
        session = AsyncSession(bind=conn)  # joins the open transaction; close() leaves it
        try:
            await self._journal.append(
                by,
                f"import.{spec.name}",
                f"file:{source.path.name}"[:200],
                {"rows": rows, "inserted": inserted, "updated": updated},
                session=session,
            )
        finally:
            await session.close()


def _parse_batch(
    parser: RowParser,
    records: Any,
    size: int,
    errors: ErrorCollector,
    encode: Callable[[list[dict[str, Any]]], list[tuple[Any, ...]]],
) -> tuple[list[tuple[Any, ...]], int, bool]:
    """Parse up to `size` records; return (valid rows encoded, records read, end reached)."""
    rows: list[dict[str, Any]] = []
    read = 0
    parse = parser.parse
    for line, cells in records:
        read += 1
        row = parse(line, cells, errors)
        if row is not None:
            rows.append(row)
        if read >= size:
            return encode(rows), read, False
    return encode(rows), read, True
