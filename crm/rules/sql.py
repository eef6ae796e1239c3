"""Small SQL expressions that behave the same on SQLite and PostgreSQL.

Money is compared in whole cents with integer arithmetic only: SQLite stores NUMERIC values as
REAL or INTEGER and divides integers by truncation, so ratios are never computed, they are
cross-multiplied (`outflow * 10 > previous * 3` for "> 30 %"). Divisions appear only in display
text (percentages in reasons), never in a comparison.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Integer, String, cast, func, literal
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.elements import literal_column

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

    def money_text(self, cents: Expr, *, grouped: bool = True) -> ColumnElement[str]:
        """Cents as yuan text with two decimals: '6,250,000.12' (grouped) or '6250000.12'."""
        if self.is_sqlite:
            pattern = "%,d.%02d" if grouped else "%d.%02d"
            return func.printf(
                pattern, cents.op("/")(literal_column("100")), cents.op("%")(literal_column("100"))
            )
        pattern = "FM999,999,999,999,999,990.00" if grouped else "FM9999999999999999990.00"
        return func.to_char(cents.op("/")(literal_column("100.0")), pattern)

    def percent_text(self, part: Expr, whole: Expr) -> ColumnElement[str]:
        """part / whole as a percentage with one decimal ('42.0'), for display only."""
        if self.is_sqlite:
            return func.printf("%.1f", literal_column("100.0") * part / whole)
        return func.to_char(literal_column("100.0") * part / whole, "FM9999990.0")

    def int_text(self, value: Expr) -> ColumnElement[str]:
        return cast(value, String)

    def date_text(self, value: Expr) -> ColumnElement[str]:
        """A DATE column as 'YYYY-MM-DD' (SQLite already stores it that way)."""
        if self.is_sqlite:
            return cast(value, String)
        return func.to_char(value, "YYYY-MM-DD")

    def month_day(self, value: Expr) -> ColumnElement[str]:
        """A DATE column's 'MM-DD'."""
        if self.is_sqlite:
            return func.strftime("%m-%d", value)
        return func.to_char(value, "MM-DD")


def text(value: str) -> ColumnElement[str]:
    """A string constant as a typed bind parameter (PostgreSQL needs the type)."""
    return literal(value, String)


def concat(*parts: str | ColumnElement[Any]) -> ColumnElement[str]:
    """Concatenate string constants and string expressions with ||."""
    exprs = [text(p) if isinstance(p, str) else p for p in parts]
    result = exprs[0]
    for expr in exprs[1:]:
        result = result.concat(expr)
    return result


def json_object(
    constants: Mapping[str, Any],
    strings: Mapping[str, ColumnElement[str]] | None = None,
    numbers: Mapping[str, ColumnElement[Any]] | None = None,
) -> ColumnElement[str]:
    """A JSON object as text, built by concatenation so both databases spell it the same.

    `constants` are encoded here; `strings` are SQL text values that need no escaping (dates,
    formatted numbers); `numbers` are SQL integers, written bare.
    """
    members: list[list[str | ColumnElement[Any]]] = [
        [f"{json.dumps(key)}:{json.dumps(value, ensure_ascii=False)}"]
        for key, value in constants.items()
    ]
    members += [[f'{json.dumps(key)}:"', expr, '"'] for key, expr in (strings or {}).items()]
    members += [
        [f"{json.dumps(key)}:", cast(expr, String)] for key, expr in (numbers or {}).items()
    ]
    parts: list[str | ColumnElement[Any]] = ["{"]
    for index, member in enumerate(members):
        if index:
            parts.append(",")
        parts.extend(member)
    parts.append("}")
    merged: list[str | ColumnElement[Any]] = []
    for part in parts:  # adjacent constants become one bind parameter
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] = merged[-1] + part
        else:
            merged.append(part)
    return concat(*merged)


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


def count_int(value: Expr) -> ColumnElement[int]:
    return cast(value, Integer)
