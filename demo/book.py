"""generate_demo_book: a deterministic, realistic demo book written as the bank's CSV files.

Same arguments → byte-identical files: one `random.Random(seed)` drives everything, iteration
is over sequences only, and the date comes from the caller (never the clock).
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from crm.trading_days import is_trading_day
from demo.clients import DemoClient, People, asset_levels, make_client
from demo.events import Event, Ticket, make_events, make_tickets
from demo.expected import expected_hits
from demo.market import closing_prices
from demo.plan import (
    DEFAULT_MANAGER,
    MANAGERS,
    MIN_CLIENTS,
    STAFF,
    Role,
    planned_roles,
)
from demo.trades import Market

TRADING_DAYS = 120
IMPORT_ORDER = ("staff", "clients", "snapshots", "holdings", "trades", "events", "tickets")
HEADERS: dict[str, tuple[str, ...]] = {
    "staff": ("staff_id", "name", "role", "supervisor_id", "telegram_user_id", "timezone",
              "language", "briefing_time"),
    "clients": ("client_id", "name", "manager_id", "phone", "id_number", "birthday",
                "opened_on", "risk_level"),
    "snapshots": ("date", "client_id", "total_assets", "cash", "market_value", "inflow",
                  "outflow"),
    "holdings": ("date", "client_id", "symbol", "name", "sector", "quantity", "market_value"),
    "trades": ("trade_id", "client_id", "traded_at", "symbol", "side", "quantity", "price",
               "amount"),
    "events": ("event_id", "symbol", "date", "title", "sentiment", "severity", "url"),
    "tickets": ("ticket_id", "client_id", "category", "opened_at", "summary", "status",
                "first_response_at", "closed_at", "manager_id"),
}  # fmt: skip
EXPECTED_FILE = "expected.json"


@dataclass(frozen=True)
class DemoFile:
    kind: str
    path: Path
    rows: int


@dataclass(frozen=True)
class DemoBook:
    """What generate_demo_book wrote; `files` are in import order."""

    out_dir: Path
    as_of: date
    seed: int
    files: tuple[DemoFile, ...]
    expected_path: Path
    default_manager_id: str
    manager_ids: tuple[str, ...]
    supervisor_ids: tuple[str, ...]
    compliance_id: str
    admin_id: str

    def path(self, kind: str) -> Path:
        return next(f.path for f in self.files if f.kind == kind)

    @property
    def counts(self) -> dict[str, int]:
        return {f.kind: f.rows for f in self.files}


def trading_days_ending(as_of: date, count: int) -> list[date]:
    """The `count` trading days up to and including as_of, oldest first."""
    if not is_trading_day(as_of):
        raise ValueError(f"{as_of.isoformat()} is not a Shanghai/Shenzhen trading day")
    days: list[date] = []
    day = as_of
    while len(days) < count:
        if is_trading_day(day):
            days.append(day)
        day -= timedelta(days=1)
    return days[::-1]


def generate_demo_book(
    out_dir: Path, *, clients: int = 300, as_of: date, seed: int = 20261121
) -> DemoBook:
    """Write the seven CSV files and expected.json for a book of `clients` clients."""
    if clients < MIN_CLIENTS:
        raise ValueError(f"the demo book needs at least {MIN_CLIENTS} clients, not {clients}")
    rng = random.Random(seed)
    days = trading_days_ending(as_of, TRADING_DAYS)
    market = Market(days, closing_prices(rng, TRADING_DAYS))
    offsets = frozenset((as_of - d).days for d in days)
    roles: list[Role] = planned_roles(clients, offsets, (as_of.month, as_of.day) == (2, 29))
    roles += [
        Role("regular", rng.choice(MANAGERS), planned=False) for _ in range(clients - len(roles))
    ]
    rng.shuffle(roles)
    totals = asset_levels(rng, roles)
    people = People(rng)
    book = [
        make_client(random.Random(rng.getrandbits(64)), f"31{i:08d}", role, total, people, market)
        for i, (role, total) in enumerate(zip(roles, totals, strict=True), start=1)
    ]
    heavy = _heavily_held(book)
    events = make_events(rng, days, heavy)
    settled = [c.client_id for c in book if (as_of - c.opened_on).days >= 30]
    known = set(settled)
    mine = [c for c in book if c.manager_id == DEFAULT_MANAGER and c.client_id in known]
    urgent = min(mine, key=lambda c: (c.role.planned, c.client_id)).client_id
    owners = {c.client_id: c.manager_id for c in book}
    tickets = make_tickets(rng, as_of, settled, urgent, owners)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = tuple(
        DemoFile(kind, out_dir / f"{kind}.csv", _write(out_dir / f"{kind}.csv", kind, rows))
        for kind, rows in (
            ("staff", _staff_rows()),
            ("clients", _client_rows(book)),
            ("snapshots", _snapshot_rows(book, days)),
            ("holdings", _holding_rows(book, as_of)),
            ("trades", _trade_rows(book)),
            ("events", _event_rows(events)),
            ("tickets", _ticket_rows(tickets)),
        )
    )
    expected = expected_hits(book, days, events, tickets, seed=seed)
    expected_path = out_dir / EXPECTED_FILE
    expected_path.write_text(
        json.dumps(expected, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return DemoBook(
        out_dir=out_dir,
        as_of=as_of,
        seed=seed,
        files=files,
        expected_path=expected_path,
        default_manager_id=DEFAULT_MANAGER,
        manager_ids=MANAGERS,
        supervisor_ids=tuple(s.staff_id for s in STAFF if s.role == "supervisor"),
        compliance_id=next(s.staff_id for s in STAFF if s.role == "compliance"),
        admin_id=next(s.staff_id for s in STAFF if s.role == "admin"),
    )


def _heavily_held(book: Iterable[DemoClient]) -> list[str]:
    """Symbols that are ≥ 20 % of some client's market value today, most holders first."""
    holders: dict[str, int] = {}
    for client in book:
        whole = sum(p.market_value for p in client.positions)
        for p in client.positions:
            if whole and p.market_value * 5 >= whole:
                holders[p.symbol.code] = holders.get(p.symbol.code, 0) + 1
    return sorted(holders, key=lambda code: (-holders[code], code))


# --- CSV ------------------------------------------------------------------------------------


def _write(path: Path, kind: str, rows: Iterable[Sequence[str]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADERS[kind])
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def _money(cents: int) -> str:
    # Exact: below 2**53 / 100 the nearest double to cents/100 rounds back to the same cents.
    return f"{cents / 100:.2f}"


def _staff_rows() -> Iterable[Sequence[str]]:
    for s in STAFF:
        yield (s.staff_id, s.name, s.role, s.supervisor_id, "", "Asia/Shanghai", s.language,
               s.briefing_time)  # fmt: skip


def _client_rows(book: Sequence[DemoClient]) -> Iterable[Sequence[str]]:
    for c in book:
        yield (c.client_id, c.name, c.manager_id, c.phone, c.id_number, c.birthday.isoformat(),
               c.opened_on.isoformat(), c.risk_level)  # fmt: skip


def _snapshot_rows(book: Sequence[DemoClient], days: Sequence[date]) -> Iterable[Sequence[str]]:
    for index, day in enumerate(days):
        text = day.isoformat()
        for c in book:
            if index < c.first_day:
                continue
            t = index - c.first_day
            b = c.balances
            yield (text, c.client_id, _money(b.cash[t] + b.market_value[t]), _money(b.cash[t]),
                   _money(b.market_value[t]), _money(b.inflow[t]), _money(b.outflow[t]))  # fmt: skip


def _holding_rows(book: Sequence[DemoClient], as_of: date) -> Iterable[Sequence[str]]:
    text = as_of.isoformat()
    for c in book:
        for p in c.positions:
            yield (text, c.client_id, p.symbol.code, p.symbol.name, p.symbol.sector,
                   str(p.quantity), _money(p.market_value))  # fmt: skip


def _trade_rows(book: Sequence[DemoClient]) -> Iterable[Sequence[str]]:
    every = sorted(
        ((t, c.client_id) for c in book for t in c.trades),
        key=lambda pair: (pair[0].traded_at, pair[1], pair[0].symbol.code, pair[0].side),
    )
    serial: dict[date, int] = {}
    for trade, client_id in every:
        day = trade.traded_at.date()
        serial[day] = serial.get(day, 0) + 1
        yield (f"T{day:%Y%m%d}{serial[day]:05d}", client_id, trade.traded_at.isoformat(),
               trade.symbol.code, trade.side, str(trade.quantity), _money(trade.price),
               _money(trade.amount))  # fmt: skip


def _event_rows(events: Sequence[Event]) -> Iterable[Sequence[str]]:
    for e in events:
        yield (e.event_id, e.symbol.code, e.day.isoformat(), e.title, e.sentiment, e.severity,
               e.url)  # fmt: skip


def _ticket_rows(tickets: Sequence[Ticket]) -> Iterable[Sequence[str]]:
    def when(at: datetime | None) -> str:
        return at.isoformat() if at is not None else ""

    for t in tickets:
        yield (t.ticket_id, t.client_id, t.category, t.opened_at.isoformat(), t.summary,
               t.status or "", when(t.first_response_at), when(t.closed_at),
               t.manager_id or "")  # fmt: skip
