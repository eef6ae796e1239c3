"""Small SQL expressions that behave the same on SQLite and PostgreSQL.

Money is compared in whole cents with integer arithmetic only: SQLite stores NUMERIC values as
REAL or INTEGER and divides integers by truncation, so ratios are never computed, they are
cross-multiplied (`outflow * 10 > previous * 3` for "> 30 %"). Divisions appear only in display
text (percentages in reasons), never in a comparison.
"""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, BigInteger, ColumnElement, String, case, cast, func, literal
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.elements import literal_column
from sqlalchemy.sql.expression import TableValuedAlias

from storage.types import UTCDateTime

# A column of a mapped row class or any SQL expression.
Expr = ColumnElement[Any] | QueryableAttribute[Any]

SQLITE = "sqlite"


class Dialect:
    """Builds the few expressions whose spelling differs between SQLite and PostgreSQL."""

    def __init__(self, name: str) -> None:
        self.name = name

    @property
    def is_sqlite(self) -> bool:
        return self.name == SQLITE

    def cents(self, money: Expr) -> ColumnElement[int]:
        """A NUMERIC(18, 2) yuan value as an exact integer number of cents."""
        return cast(func.round(money * literal_column("100")), BigInteger)

    def sum_cents(self, money: Expr) -> ColumnElement[int]:
        """SUM of cents as an integer (PostgreSQL would otherwise return NUMERIC)."""
        return cast(func.sum(self.cents(money)), BigInteger)

    def facts(self, **values: Expr) -> ColumnElement[str]:
        """A JSON object of SQL values as text (numbers stay numbers, dates become strings),
        built by the database's own JSON function: one call per row, no string pasting."""
        args: list[Any] = []
        for key, value in values.items():
            args += [literal(key, String), value]
        if self.is_sqlite:
            return func.json_object(*args)
        return cast(func.json_build_object(*args), String)

    def date_text(self, value: Expr) -> ColumnElement[str]:
        """A DATE column as 'YYYY-MM-DD' (SQLite already stores it that way)."""
        if self.is_sqlite:
            return cast(value, String)
        return func.to_char(value, "YYYY-MM-DD")

    def local_date_text(self, instant: Expr, zone: ZoneInfo, until: datetime) -> ColumnElement[str]:
        """A UTC timestamp column's calendar date in `zone` as 'YYYY-MM-DD' (instants < until).

        PostgreSQL converts with its own time zone data. SQLite has none, so the zone's UTC
        offsets from 1970 to `until` become a CASE over the instants where the offset changed
        (a single branch for zones without transitions, such as Asia/Shanghai since 1991).
        """
        if not self.is_sqlite:
            return func.to_char(func.timezone(zone.key, instant), "YYYY-MM-DD")
        segments = utc_offsets(zone, until)
        shifted = [func.date(instant, text(f"{offset:+d} seconds")) for _, offset in segments]
        if len(segments) == 1:
            return shifted[0]
        # Newest period first: recent instants (the common case) match the first branch.
        whens = [
            (instant >= literal(start, UTCDateTime), shifted[i])
            for i, (start, _) in reversed(list(enumerate(segments)))
            if i
        ]
        return case(*whens, else_=shifted[0])

    def json_rows(self, payload: str) -> TableValuedAlias:
        """A JSON array of arrays, passed as one text parameter, as rows with a `value`
        column (one inner array each): many rows computed elsewhere enter an INSERT … SELECT
        in one statement instead of one parameter set per row."""
        if self.is_sqlite:
            return func.json_each(literal(payload, String)).table_valued("value").alias("rows")
        elements = func.json_array_elements(cast(literal(payload, String), JSON))
        return elements.table_valued("value").alias("rows")

    def json_item(self, value: Expr, index: int) -> ColumnElement[Any]:
        """Item `index` of a JSON array from json_rows, as text or a number as stored."""
        if self.is_sqlite:
            return func.json_extract(value, f"$[{index}]")
        return value.op("->>")(literal_column(str(index)))

    def month_day(self, value: Expr) -> ColumnElement[str]:
        """A DATE column's 'MM-DD'."""
        if self.is_sqlite:  # stored as 'YYYY-MM-DD' text: a substring, no date parsing
            return func.substr(value, 6, 5)
        return func.to_char(value, "MM-DD")


def text(value: str) -> ColumnElement[str]:
    """A string constant as a typed bind parameter (PostgreSQL needs the type)."""
    return literal(value, String)


def concat(*parts: str | Expr) -> ColumnElement[str]:
    """Concatenate string constants and string expressions with ||."""
    exprs: list[ColumnElement[Any]] = [
        text(p) if isinstance(p, str) else p.expression for p in parts
    ]
    result = exprs[0]
    for expr in exprs[1:]:
        result = result.concat(expr)
    return result


def share_at_least(part: Expr, whole: Expr, share: Fraction) -> ColumnElement[bool]:
    """part ≥ share × whole, in integers: part × denominator ≥ whole × numerator."""
    return part * literal_column(str(share.denominator)) >= whole * literal_column(
        str(share.numerator)
    )


def share_above(part: Expr, whole: Expr, share: Fraction) -> ColumnElement[bool]:
    """part > share × whole, in integers."""
    return part * literal_column(str(share.denominator)) > whole * literal_column(
        str(share.numerator)
    )


@lru_cache(maxsize=16)
def utc_offsets(zone: ZoneInfo, until: datetime) -> tuple[tuple[datetime, int], ...]:
    """(first UTC instant, UTC offset in seconds) of each offset period of zone, 1970 → until."""

    def offset(at: datetime) -> int:
        delta = at.astimezone(zone).utcoffset()
        return int(delta.total_seconds()) if delta is not None else 0

    day = 86_400
    at, end = 0, int(until.timestamp())  # POSIX seconds from 1970-01-01 UTC
    segments = [(datetime.fromtimestamp(0, UTC), offset(datetime.fromtimestamp(0, UTC)))]
    while at < end:
        after = min(at + day, end)
        if offset(datetime.fromtimestamp(after, UTC)) != segments[-1][1]:
            low, high = at, after  # the change happens in (low, high]: bisect to the second
            while high - low > 1:
                middle = (low + high) // 2
                if offset(datetime.fromtimestamp(middle, UTC)) == segments[-1][1]:
                    low = middle
                else:
                    high = middle
            changed = datetime.fromtimestamp(high, UTC)
            segments.append((changed, offset(changed)))
        at = after
    return tuple(segments)
