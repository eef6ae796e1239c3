"""The set-based half of an import: a temporary staging table holding the file's valid rows
(with their line numbers), checks that need the database or the whole file (duplicate keys,
unknown references, already-bound Telegram accounts), and the merge into the real table.

Everything runs on one connection inside one transaction, so the caller decides at the end
whether the merge is committed (import) or rolled back (dry run, or any bad row).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Dialect,
    Index,
    Integer,
    MetaData,
    Row,
    Select,
    Table,
    and_,
    case,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.schema import CreateIndex, CreateTable

from importing.kinds import KindSpec
from importing.report import ErrorCollector, RowError

LINE = "_line"


class Staging:
    """A TEMPORARY table shaped like the kind's columns plus the source line number."""

    def __init__(self, spec: KindSpec) -> None:
        self.spec = spec
        self.name = f"ambot_import_{spec.name}"
        columns = [Column(LINE, Integer)] + [
            Column(name, spec.table.c[name].type) for name in spec.columns
        ]
        self.table = Table(self.name, MetaData(), *columns, prefixes=["TEMPORARY"])
        self._insert_sql: str | None = None
        self._key_index = Index(f"{self.name}_key", *(self.table.c[k] for k in spec.key))

    async def create(self, conn: AsyncConnection) -> None:
        await self.drop(conn)
        await conn.execute(CreateTable(self.table))  # without the index: see index()

    async def index(self, conn: AsyncConnection) -> None:
        """Index the key once loaded (cheaper than maintaining it row by row)."""
        await conn.execute(CreateIndex(self._key_index))

    async def drop(self, conn: AsyncConnection) -> None:
        await conn.execute(text(f"DROP TABLE IF EXISTS {self.name}"))

    def encoder(self, dialect: Dialect) -> Callable[[list[dict[str, Any]]], list[tuple[Any, ...]]]:
        """Turn parsed rows into driver parameters with the columns' own bind processing.

        Done in the parsing thread so that loading is a plain executemany on the driver.
        """
        processors = [
            (column.key, column.type.dialect_impl(dialect).bind_processor(dialect))
            for column in self.table.c
        ]

        def encode(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
            return [
                tuple(
                    row[key] if process is None or row[key] is None else process(row[key])
                    for key, process in processors
                )
                for row in rows
            ]

        return encode

    async def load(self, conn: AsyncConnection, params: list[tuple[Any, ...]]) -> None:
        if not params:
            return
        if self._insert_sql is None:
            compiled = insert(self.table).compile(dialect=conn.dialect)
            if compiled.positiontup != [c.key for c in self.table.c]:
                raise RuntimeError("staging insert needs a positional parameter style")
            self._insert_sql = str(compiled)
        await conn.exec_driver_sql(self._insert_sql, params)


async def check(conn: AsyncConnection, staging: Staging, errors: ErrorCollector) -> None:
    """Record every staged row that breaks a whole-file or database rule."""
    spec, s = staging.spec, staging.table
    await _duplicates(conn, s, spec.key, errors)
    for column in spec.unique:
        if column in spec.private:
            await _shared_private_value(conn, staging, column, errors)
            continue
        await _duplicates(conn, s, (column,), errors, where=s.c[column].is_not(None))
        await _already_taken(conn, staging, column, errors)
    for ref in spec.references:
        conditions: list[ColumnElement[bool]] = [
            s.c[ref.column].is_not(None),
            ~exists().where(ref.table.c[ref.target] == s.c[ref.column]),
        ]
        where = f"not in {ref.table.name}"
        if ref.in_file:
            other = s.alias("other")
            conditions.append(~exists().where(other.c[ref.target] == s.c[ref.column]))
            where = f"neither in {ref.table.name} nor in this file"
        stmt = select(s.c[LINE].label("line"), s.c[ref.column].label("value")).where(*conditions)
        await _collect(conn, stmt, ref.column, _unknown_reason(ref.column, where), errors)


def _unknown_reason(column: str, where: str) -> Callable[[Row[Any]], str]:
    def reason(row: Row[Any]) -> str:
        return f"unknown {column} {row.value!r} ({where})"

    return reason


async def _duplicates(
    conn: AsyncConnection,
    s: Table,
    key: Sequence[str],
    errors: ErrorCollector,
    where: ColumnElement[bool] | None = None,
) -> None:
    first = func.min(s.c[LINE]).over(partition_by=[s.c[k] for k in key])
    inner = select(s.c[LINE].label("line"), first.label("first"), *(s.c[k] for k in key))
    if where is not None:
        inner = inner.where(where)
    ranked = inner.subquery()
    stmt = select(ranked).where(ranked.c.line > ranked.c.first)
    names = "/".join(key)

    def reason(row: Row[Any]) -> str:
        values = ", ".join(str(getattr(row, k)) for k in key)
        return f"duplicate {names} ({values}): same as line {row.first}"

    await _collect(conn, stmt, key[0], reason, errors)


async def _already_taken(
    conn: AsyncConnection, staging: Staging, column: str, errors: ErrorCollector
) -> None:
    spec, s, t = staging.spec, staging.table, staging.spec.table
    (key,) = spec.key
    stmt = select(s.c[LINE].label("line"), t.c[key].label("holder")).join(
        t, and_(t.c[column] == s.c[column], t.c[key] != s.c[key])
    )
    await _collect(
        conn, stmt, column, lambda r: f"{column} already bound to {key} {r.holder}", errors
    )


async def _shared_private_value(
    conn: AsyncConnection, staging: Staging, column: str, errors: ErrorCollector
) -> None:
    """A value that identifies one person (an ID number) on two rows: name both rows' keys,
    never the value (error messages do not repeat ID numbers)."""
    spec, s, t = staging.spec, staging.table, staging.spec.table
    (key,) = spec.key
    first_line = func.min(s.c[LINE]).over(partition_by=s.c[column])
    first_key = func.first_value(s.c[key]).over(partition_by=s.c[column], order_by=s.c[LINE])
    inner = select(
        s.c[LINE].label("line"),
        s.c[key].label("holder"),
        first_line.label("first"),
        first_key.label("first_holder"),
    ).where(s.c[column].is_not(None))
    ranked = inner.subquery()
    in_file = select(ranked).where(
        ranked.c.line > ranked.c.first, ranked.c.holder != ranked.c.first_holder
    )
    await _collect(
        conn,
        in_file,
        column,
        lambda r: (
            f"{key} {r.holder} has the same {column} as line {r.first} ({key} {r.first_holder});"
            f" one {column} belongs to one {key}"
        ),
        errors,
    )
    stored = select(
        s.c[LINE].label("line"), s.c[key].label("holder"), t.c[key].label("other")
    ).join(t, and_(t.c[column] == s.c[column], t.c[key] != s.c[key]))
    await _collect(
        conn,
        stored,
        column,
        lambda r: (
            f"{key} {r.holder} has the same {column} as {key} {r.other}, already stored;"
            f" one {column} belongs to one {key}"
        ),
        errors,
    )


async def _collect(
    conn: AsyncConnection,
    stmt: Select[Any],
    column: str | None,
    reason: Callable[[Row[Any]], str],
    errors: ErrorCollector,
) -> None:
    cap = errors.cap
    ordered = stmt.subquery()
    rows = (await conn.execute(select(ordered).order_by(ordered.c.line).limit(cap + 1))).all()
    total = len(rows)
    if total > cap:  # more than are kept: count them all, and mark every bad line
        total = 0
        async for (line,) in await conn.stream(select(ordered.c.line)):
            total += 1
            errors.bad_lines.add(line)
    errors.extend([RowError(r.line, column, reason(r)) for r in rows[:cap]], total)


async def merge(conn: AsyncConnection, staging: Staging) -> tuple[int, int]:
    """Insert new keys, then update changed ones; return (inserted, updated).

    New rows go first so an updated row may point at a row that is new in the same file.
    Columns in `keep_if_empty` keep their stored value when the cell was empty; columns in
    `kept_if_chosen` keep it whenever the row's flag says the staff member chose it herself.
    """
    spec, s, t = staging.spec, staging.table, staging.spec.table
    key_match = and_(*(t.c[k] == s.c[k] for k in spec.key))

    columns: list[str] = []
    values: list[ColumnElement[Any]] = []
    for name in spec.columns:
        columns.append(name)
        if name in spec.insert_defaults:
            default = literal(spec.insert_defaults[name], t.c[name].type)
            values.append(func.coalesce(s.c[name], default))
        elif name in spec.derived_defaults:
            values.append(func.coalesce(s.c[name], spec.derived_defaults[name](s)))
        else:
            values.append(s.c[name])
    for name, default_value in spec.insert_defaults.items():
        if name not in spec.columns:
            columns.append(name)
            values.append(literal(default_value, t.c[name].type))
    new_rows = (
        select(*values).where(~exists().where(key_match)).order_by(*(s.c[k] for k in spec.key))
    )
    inserted = (await conn.execute(insert(t).from_select(columns, new_rows))).rowcount

    changes: dict[str, ColumnElement[Any]] = {
        name: func.coalesce(s.c[name], t.c[name]) if name in spec.keep_if_empty else s.c[name]
        for name in spec.columns
        if name not in spec.key
    }
    for name, flag in spec.kept_if_chosen.items():
        changes[name] = case((t.c[flag].is_(True), t.c[name]), else_=changes[name])
    changed = or_(*(t.c[name].is_distinct_from(value) for name, value in changes.items()))
    updated = (
        await conn.execute(update(t).where(key_match).where(changed).values(changes))
    ).rowcount
    return inserted, updated
