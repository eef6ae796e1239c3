"""What each kind of file contains: its columns, how each cell is parsed, its natural key,
the references checked against the database, and how an update treats empty cells."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import time, tzinfo
from decimal import Decimal
from functools import partial
from typing import Any

from sqlalchemy import ColumnElement, Table, select

from importing.fields import (
    FieldError,
    clean_field,
    nfkc,
    parse_choice,
    parse_clock,
    parse_code,
    parse_date,
    parse_datetime,
    parse_decimal,
    parse_id,
    parse_id_number,
    parse_phone,
    parse_positive_int,
    parse_timezone,
    parse_url,
    shorten,
)
from importing.report import ErrorCollector, ImportFileError
from storage.rows import (
    LANGUAGES,
    RISK_LEVELS,
    SENTIMENTS,
    SEVERITIES,
    STAFF_ROLES,
    TICKET_CATEGORIES,
    TICKET_STATUSES,
    TRADE_SIDES,
    ClientRow,
    EventRow,
    HoldingRow,
    SnapshotRow,
    StaffRow,
    TicketRow,
    TradeRow,
)

KINDS: tuple[str, ...] = (
    "staff",
    "clients",
    "snapshots",
    "holdings",
    "trades",
    "events",
    "tickets",
)

MAX_SUMMARY_LENGTH = 10_000
CONSISTENCY_TOLERANCE = Decimal("0.01")

Problems = list[tuple[str | None, str]]


@dataclass(frozen=True)
class Field:
    name: str
    parse: Callable[[str], Any]
    required: bool = True


@dataclass(frozen=True)
class Reference:
    """`column` must name an existing `table.target` (or, if `in_file`, a row of this file)."""

    column: str
    table: Table
    target: str
    in_file: bool = False


@dataclass(frozen=True)
class KindSpec:
    name: str
    table: Table
    key: tuple[str, ...]
    fields: tuple[Field, ...]
    references: tuple[Reference, ...] = ()
    unique: tuple[str, ...] = ()
    # Unique columns whose value identifies a person: errors name the rows, never the value.
    private: frozenset[str] = frozenset()
    keep_if_empty: frozenset[str] = frozenset()
    # column → a boolean column of the table: when that flag is set on the stored row (the
    # staff member chose the value herself in /settings), an update keeps the stored value.
    kept_if_chosen: Mapping[str, str] = field(default_factory=dict)
    insert_defaults: Mapping[str, Any] = field(default_factory=dict)
    # column → an SQL expression over the staging table for a new row whose cell is empty (a
    # ticket without a manager goes to its client's manager).
    derived_defaults: Mapping[str, Callable[[Table], ColumnElement[Any]]] = field(
        default_factory=dict
    )
    row_check: Callable[[dict[str, Any]], Problems] | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


def _length(table: Table, column: str) -> int:
    length = getattr(table.c[column].type, "length", None)
    if not isinstance(length, int):
        raise TypeError(f"{table.name}.{column} has no length")
    return length


def _code(table: Table, column: str, *, upper: bool = False) -> Callable[[str], str]:
    return partial(parse_code, max_length=_length(table, column), upper=upper)


def _id(table: Table, column: str) -> Callable[[str], str]:
    """An id column: the rule of fields.parse_id, at most the column's width."""
    return partial(parse_id, max_length=_length(table, column))


def _text(table: Table, column: str) -> Callable[[str], str]:
    return partial(clean_field, max_length=_length(table, column))


def _choice(choices: tuple[str, ...]) -> Callable[[str], str]:
    return partial(parse_choice, choices=choices)


_FLAGS = {"true": True, "1": True, "是": True, "false": False, "0": False, "否": False}


def _flag(raw: str) -> bool:
    """The staff file's `active`: true/false, 1/0 or 是/否 (any case); empty keeps what is stored."""
    text = nfkc(raw).strip().lower()
    if text not in _FLAGS:
        raise FieldError(f"{shorten(text)!r} is not one of: true, false, 1, 0, 是, 否")
    return _FLAGS[text]


_money = parse_decimal
_quantity = partial(parse_decimal, places=4)


def _check_snapshot(row: dict[str, Any]) -> Problems:
    total, cash, market = row["total_assets"], row["cash"], row["market_value"]
    if abs(total - (cash + market)) > CONSISTENCY_TOLERANCE:
        return [
            (
                "total_assets",
                f"total_assets {total} ≠ cash {cash} + market_value {market}",
            )
        ]
    return []


def _check_staff(row: dict[str, Any]) -> Problems:
    if row["supervisor_id"] is not None and row["supervisor_id"] == row["staff_id"]:
        return [("supervisor_id", "a staff member cannot be their own supervisor")]
    return []


def _check_ticket(row: dict[str, Any]) -> Problems:
    """A closing time means the ticket is closed (status may then be left empty); a response
    or closing before the opening is a mistake in the file."""
    problems: Problems = []
    opened, responded, closed = row["opened_at"], row["first_response_at"], row["closed_at"]
    if closed is not None and row["status"] is None:
        row["status"] = "closed"
    if closed is not None and row["status"] == "open":
        problems.append(("closed_at", "an open ticket cannot have a closed_at"))
    if responded is not None and responded < opened:
        problems.append(("first_response_at", "first response before the ticket was opened"))
    if closed is not None and closed < opened:
        problems.append(("closed_at", "closed before the ticket was opened"))
    return problems


def _client_manager(clients: Table) -> Callable[[Table], ColumnElement[Any]]:
    def manager_of(staged: Table) -> ColumnElement[Any]:
        return (
            select(clients.c.manager_id)
            .where(clients.c.client_id == staged.c.client_id)
            .scalar_subquery()
        )

    return manager_of


def build_specs(default_tz: tzinfo, default_tz_name: str) -> dict[str, KindSpec]:
    """The seven kinds; naive date-times are read in default_tz, new staff get its name."""
    staff, clients = StaffRow.__table__, ClientRow.__table__
    snapshots, holdings = SnapshotRow.__table__, HoldingRow.__table__
    trades, events, tickets = TradeRow.__table__, EventRow.__table__, TicketRow.__table__
    assert isinstance(staff, Table) and isinstance(clients, Table)
    assert isinstance(snapshots, Table) and isinstance(holdings, Table)
    assert isinstance(trades, Table) and isinstance(events, Table)
    assert isinstance(tickets, Table)
    when = partial(parse_datetime, default_tz=default_tz)
    client_ref = Reference("client_id", clients, "client_id")
    specs = [
        KindSpec(
            "staff",
            staff,
            key=("staff_id",),
            fields=(
                Field("staff_id", _id(staff, "staff_id")),
                Field("name", _text(staff, "name")),
                Field("role", _choice(STAFF_ROLES)),
                Field("supervisor_id", _id(staff, "supervisor_id"), required=False),
                Field("telegram_user_id", parse_positive_int, required=False),
                Field("timezone", parse_timezone, required=False),
                Field("language", _choice(LANGUAGES), required=False),
                Field("briefing_time", parse_clock, required=False),
                Field("active", _flag, required=False),
            ),
            references=(Reference("supervisor_id", staff, "staff_id", in_file=True),),
            unique=("telegram_user_id",),
            keep_if_empty=frozenset(
                {"telegram_user_id", "timezone", "language", "briefing_time", "active"}
            ),
            kept_if_chosen={
                "timezone": "timezone_chosen",
                "language": "language_chosen",
                "briefing_time": "briefing_time_chosen",
            },
            insert_defaults={
                "timezone": default_tz_name,
                "language": "zh",
                "briefing_time": time(8, 30),
                "active": True,
            },
            row_check=_check_staff,
        ),
        KindSpec(
            "clients",
            clients,
            key=("client_id",),
            fields=(
                Field("client_id", _id(clients, "client_id")),
                Field("name", _text(clients, "name")),
                Field("manager_id", _id(clients, "manager_id")),
                Field("phone", parse_phone, required=False),
                Field("id_number", parse_id_number, required=False),
                Field("birthday", partial(parse_date, echo=False), required=False),
                Field("opened_on", parse_date),
                Field("risk_level", _choice(RISK_LEVELS)),
            ),
            references=(Reference("manager_id", staff, "staff_id"),),
            unique=("id_number",),
            private=frozenset({"id_number"}),
        ),
        KindSpec(
            "snapshots",
            snapshots,
            key=("client_id", "date"),
            fields=(
                Field("date", parse_date),
                Field("client_id", _id(snapshots, "client_id")),
                Field("total_assets", _money),
                Field("cash", _money),
                Field("market_value", _money),
                Field("inflow", _money),
                Field("outflow", _money),
            ),
            references=(client_ref,),
            row_check=_check_snapshot,
        ),
        KindSpec(
            "holdings",
            holdings,
            key=("client_id", "date", "symbol"),
            fields=(
                Field("date", parse_date),
                Field("client_id", _id(holdings, "client_id")),
                Field("symbol", _code(holdings, "symbol", upper=True)),
                Field("name", _text(holdings, "name")),
                Field("sector", _text(holdings, "sector"), required=False),
                Field("quantity", _quantity),
                Field("market_value", _money),
            ),
            references=(client_ref,),
        ),
        KindSpec(
            "trades",
            trades,
            key=("trade_id",),
            fields=(
                Field("trade_id", _id(trades, "trade_id")),
                Field("client_id", _id(trades, "client_id")),
                Field("traded_at", when),
                Field("symbol", _code(trades, "symbol", upper=True)),
                Field("side", _choice(TRADE_SIDES)),
                Field("quantity", partial(parse_decimal, places=4, positive=True)),
                Field("price", partial(parse_decimal, places=4)),
                Field("amount", _money),
            ),
            references=(client_ref,),
        ),
        KindSpec(
            "events",
            events,
            key=("event_id",),
            fields=(
                Field("event_id", _id(events, "event_id")),
                Field("symbol", _code(events, "symbol", upper=True)),
                Field("date", parse_date),
                Field("title", _text(events, "title")),
                Field("sentiment", _choice(SENTIMENTS)),
                Field("severity", _choice(SEVERITIES)),
                Field("url", partial(parse_url, max_length=_length(events, "url")), required=False),
            ),
        ),
        KindSpec(
            "tickets",
            tickets,
            key=("ticket_id",),
            fields=(
                Field("ticket_id", _id(tickets, "ticket_id")),
                Field("client_id", _id(tickets, "client_id")),
                Field("category", _choice(TICKET_CATEGORIES)),
                Field("opened_at", when),
                Field(
                    "summary",
                    partial(clean_field, max_length=MAX_SUMMARY_LENGTH, multiline=True),
                ),
                # DESIGN §8's optional columns; an empty cell keeps what we have (the bank's
                # next file does not undo a response or a resolution recorded in chat).
                Field("status", _choice(TICKET_STATUSES), required=False),
                Field("first_response_at", when, required=False),
                Field("closed_at", when, required=False),
                Field("manager_id", _id(tickets, "manager_id"), required=False),
            ),
            references=(client_ref, Reference("manager_id", staff, "staff_id")),
            keep_if_empty=frozenset({"status", "first_response_at", "closed_at", "manager_id"}),
            insert_defaults={"status": "open"},
            derived_defaults={"manager_id": _client_manager(clients)},
            row_check=_check_ticket,
        ),
    ]
    return {spec.name: spec for spec in specs}


def _header_name(raw: str) -> str:
    return nfkc(raw).strip().strip("\ufeff").strip().lower()


def resolve_header(spec: KindSpec, header: list[str]) -> dict[str, int]:
    """Map each known column to its position; refuse unknown, duplicate or missing columns."""
    names = [_header_name(cell) for cell in header]
    problems: list[str] = []
    blanks = [str(i) for i, name in enumerate(names, start=1) if not name]
    if blanks:
        problems.append(f"empty column name(s) in the header at position {', '.join(blanks)}")
    seen: set[str] = set()
    duplicates: list[str] = []
    for name in names:
        if name and name in seen:
            duplicates.append(name)
        seen.add(name)
    if duplicates:
        problems.append(f"duplicate column(s): {', '.join(dict.fromkeys(duplicates))}")
    known = set(spec.columns)
    unknown = [n for n in dict.fromkeys(names) if n and n not in known]
    if unknown:
        problems.append(
            f"unknown column(s): {', '.join(unknown)} (expected: {', '.join(spec.columns)})"
        )
    missing = [f.name for f in spec.fields if f.required and f.name not in seen]
    if missing:
        problems.append(f"missing column(s): {', '.join(missing)}")
    if problems:
        raise ImportFileError("; ".join(problems))
    return {name: position for position, name in enumerate(names)}


class RowParser:
    """Turns one CSV record into a dict of clean values, or records why it cannot."""

    def __init__(self, spec: KindSpec, header: list[str]) -> None:
        positions = resolve_header(spec, header)
        self.spec = spec
        self.width = len(header)
        self._plan = tuple(
            (f.name, positions.get(f.name), f.parse, f.required) for f in spec.fields
        )

    def parse(self, line: int, cells: list[str], errors: ErrorCollector) -> dict[str, Any] | None:
        if len(cells) != self.width:
            errors.add(line, None, f"{len(cells)} fields but the header has {self.width}")
            return None
        row: dict[str, Any] = {"_line": line}
        ok = True
        for name, position, parse, required in self._plan:
            raw = cells[position].strip() if position is not None else ""
            if not raw:
                if required:
                    errors.add(line, name, "required value is empty")
                    ok = False
                row[name] = None
                continue
            try:
                row[name] = parse(raw)
            except FieldError as exc:
                errors.add(line, name, exc.reason)
                ok = False
        if not ok:
            return None
        check = self.spec.row_check
        if check is not None:
            problems = check(row)
            for column, reason in problems:
                errors.add(line, column, reason)
            if problems:
                return None
        return row
