"""The demo book's CSV files: exact formats of DESIGN.md §3, determinism, internal consistency."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from demo import IMPORT_ORDER, MIN_CLIENTS, DemoBook, generate_demo_book, trading_days_ending
from demo.idcard import is_valid_id_number
from tests.unit.demo.conftest import AS_OF
from tests.unit.demo.csvbook import CsvBook, read

HEADERS = {
    "staff": "staff_id,name,role,supervisor_id,telegram_user_id,timezone,language,briefing_time",
    "clients": "client_id,name,manager_id,phone,id_number,birthday,opened_on,risk_level",
    "snapshots": "date,client_id,total_assets,cash,market_value,inflow,outflow",
    "holdings": "date,client_id,symbol,name,sector,quantity,market_value",
    "trades": "trade_id,client_id,traded_at,symbol,side,quantity,price,amount",
    "events": "event_id,symbol,date,title,sentiment,severity,url",
    "tickets": "ticket_id,client_id,category,opened_at,summary,status,first_response_at,closed_at,manager_id",
}
MONEY = re.compile(r"^\d+\.\d{2}$")
CJK_NAME = re.compile(r"^[\u4e00-\u9fff]{2,3}$")


def test_same_arguments_give_byte_identical_files(demo: DemoBook, tmp_path: Path) -> None:
    again = generate_demo_book(tmp_path, as_of=demo.as_of, seed=demo.seed)
    for first, second in zip(demo.files, again.files, strict=True):
        assert first.path.read_bytes() == second.path.read_bytes(), first.kind
    assert demo.expected_path.read_bytes() == again.expected_path.read_bytes()


def test_another_seed_gives_another_book(demo: DemoBook, tmp_path: Path) -> None:
    other = generate_demo_book(tmp_path, clients=60, as_of=demo.as_of, seed=demo.seed + 1)
    assert other.path("clients").read_bytes() != demo.path("clients").read_bytes()


def test_files_have_the_documented_headers_in_import_order(demo: DemoBook) -> None:
    assert [f.kind for f in demo.files] == list(IMPORT_ORDER)
    for f in demo.files:
        text = f.path.read_text(encoding="utf-8")
        assert not text.startswith("\ufeff")
        assert text.split("\n", 1)[0] == HEADERS[f.kind]
        assert len(read(f.path)) == f.rows


def test_counts(demo: DemoBook, book: CsvBook) -> None:
    assert demo.counts["staff"] == 10
    assert demo.counts["clients"] == 300
    assert len(book.dates) == 120 and book.dates[-1] == AS_OF
    opened = {c["client_id"]: date.fromisoformat(c["opened_on"]) for c in book.clients}
    per_client = Counter(r["client_id"] for r in book.snapshots)
    for client_id, day in opened.items():  # one row per trading day the account existed
        assert per_client[client_id] == sum(1 for d in book.dates if d >= day)
    assert sum(1 for n in per_client.values() if n == 120) > 250
    assert 8 <= demo.counts["tickets"] <= 12


def test_staff_roster(book: CsvBook, demo: DemoBook) -> None:
    roles = Counter(s["role"] for s in book.staff)
    assert roles == {"admin": 1, "compliance": 1, "supervisor": 2, "manager": 6}
    by_id = {s["staff_id"]: s for s in book.staff}
    for s in book.staff:
        assert s["telegram_user_id"] == ""
        assert s["timezone"] == "Asia/Shanghai"
        assert re.fullmatch(r"\d\d:\d\d", s["briefing_time"])
        assert CJK_NAME.match(s["name"])
        if s["role"] == "manager":
            assert by_id[s["supervisor_id"]]["role"] == "supervisor"
    managers = [s for s in book.staff if s["role"] == "manager"]
    assert Counter(s["supervisor_id"] for s in managers) == {"S001": 3, "S002": 3}
    assert [s["language"] for s in managers].count("en") == 1
    assert [s["briefing_time"] for s in managers].count("08:15") == 1
    assert demo.default_manager_id in {s["staff_id"] for s in managers}
    assert by_id[demo.compliance_id]["role"] == "compliance"


def test_clients_are_realistic(book: CsvBook) -> None:
    managers = {s["staff_id"] for s in book.staff if s["role"] == "manager"}
    phones: set[str] = set()
    names: Counter[str] = Counter()
    for c in book.clients:
        assert c["manager_id"] in managers
        assert CJK_NAME.match(c["name"])
        assert re.fullmatch(r"1[3-9]\d{9}", c["phone"])
        assert is_valid_id_number(c["id_number"])
        birthday = date.fromisoformat(c["birthday"])
        assert c["id_number"][6:14] == f"{birthday:%Y%m%d}"
        opened = date.fromisoformat(c["opened_on"])
        assert date(2008, 1, 1) <= opened <= AS_OF
        assert opened - birthday > timedelta(days=18 * 365)  # adults only
        phones.add(c["phone"])
        names[c["name"]] += 1
    assert len(phones) == len(book.clients)
    assert [n for n in names.values() if n > 1] == [2]  # one planned pair of namesakes
    risks = Counter(c["risk_level"] for c in book.clients)
    assert set(risks) == {"C1", "C2", "C3", "C4", "C5"}
    assert risks.most_common(1)[0][0] == "C3"
    tenure = [(AS_OF - date.fromisoformat(c["opened_on"])).days for c in book.clients]
    assert sum(1 for d in tenure if d > 5 * 365) > len(tenure) / 3
    assert Counter(c["manager_id"] for c in book.clients).most_common()[-1][1] > 30


def test_tiers_are_spread_like_a_real_book(book: CsvBook) -> None:
    today = [v["total_assets"] for (_, d), v in book.snapshots_by_key.items() if d == AS_OF]
    hnw = sum(1 for v in today if v > 5_000_000) / len(today)
    wealth = sum(1 for v in today if 1_000_000 <= v <= 5_000_000) / len(today)
    assert 0.05 <= hnw <= 0.12
    assert 0.22 <= wealth <= 0.38


def test_snapshots_add_up_day_to_day(book: CsvBook) -> None:
    previous: dict[str, Decimal] = {}
    for r in book.snapshots:  # rows come date by date
        values = {k: r[k] for k in ("total_assets", "cash", "market_value", "inflow", "outflow")}
        assert all(MONEY.match(v) for v in values.values()), r
        total, cash, mv = (Decimal(values[k]) for k in ("total_assets", "cash", "market_value"))
        assert total == cash + mv
        flow = Decimal(values["inflow"]) - Decimal(values["outflow"])
        before = previous.get(r["client_id"])
        if before is None:
            assert flow in (0, total)  # an account opened in the window starts with its deposit
        else:  # total_t ≈ total_{t-1} × (1 + return) + inflow − outflow
            assert abs((total - flow) / before - 1) < Decimal("0.09"), r
        previous[r["client_id"]] = total


def test_transfers_are_occasional(book: CsvBook) -> None:
    moving = [r for r in book.snapshots if r["inflow"] != "0.00" or r["outflow"] != "0.00"]
    assert 0.002 < len(moving) / len(book.snapshots) < 0.05


def test_holdings_are_todays_and_add_up_to_market_value(book: CsvBook) -> None:
    snap = book.snapshots_by_key
    today = book.holdings_today()
    assert {r["date"] for r in book.holdings} == {AS_OF.isoformat()}
    assert set(today) == {c["client_id"] for c in book.clients}
    for client_id, rows in today.items():
        assert 1 <= len(rows) <= 6
        total = sum(Decimal(h["market_value"]) for h in rows)
        assert total == snap[(client_id, AS_OF)]["market_value"]
        for h in rows:
            assert int(h["quantity"]) % 100 == 0 and int(h["quantity"]) > 0
            assert CJK_NAME.match(h["name"]) or len(h["name"]) == 4
    assert "科技" in {h["sector"] for h in book.holdings}


def test_trades_are_well_formed(book: CsvBook) -> None:
    opened = {c["client_id"]: date.fromisoformat(c["opened_on"]) for c in book.clients}
    window = set(book.dates)
    ids = set()
    for t in book.trades:
        ids.add(t["trade_id"])
        at = datetime.fromisoformat(t["traded_at"])
        assert at.utcoffset() == timedelta(hours=8) and t["traded_at"].endswith("+08:00")
        assert time(9, 30) <= at.time() < time(11, 30) or time(13) <= at.time() < time(15)
        assert at.date() in window and at.date() >= opened[t["client_id"]]
        assert t["side"] in ("buy", "sell")
        quantity, price = int(t["quantity"]), Decimal(t["price"])
        assert quantity > 0 and quantity % 100 == 0 and price > 0
        assert Decimal(t["amount"]) == quantity * price
    assert len(ids) == len(book.trades)
    recent = book.trades_within(30)
    assert sum(1 for n in recent.values() if n > 0) > len(book.clients) / 2


def test_events_and_tickets(book: CsvBook) -> None:
    for e in book.events:
        assert e["sentiment"] in ("negative", "neutral", "positive")
        assert e["severity"] in ("major", "minor")
        assert e["url"] == f"https://research.example-broker.com/notes/{e['event_id']}"
        assert date.fromisoformat(e["date"]) in set(book.dates)
    today = [e for e in book.events if e["date"] == AS_OF.isoformat()]
    assert {(e["sentiment"], e["severity"]) for e in today} >= {
        ("negative", "major"),
        ("negative", "minor"),
        ("positive", "major"),
    }
    clients = {c["client_id"] for c in book.clients}
    start_of_day = datetime.combine(AS_OF, time(), tzinfo=timezone(timedelta(hours=8)))
    for t in book.tickets:
        assert t["client_id"] in clients and t["summary"]
        assert datetime.fromisoformat(t["opened_at"]) < start_of_day
    assert {t["category"] for t in book.tickets} == {"inquiry", "account", "trading", "complaint"}
    (urgent,) = book.expected["tickets"]["complaint_near_sla"]
    ticket = next(t for t in book.tickets if t["ticket_id"] == urgent)
    assert ticket["category"] == "complaint"
    assert start_of_day - datetime.fromisoformat(ticket["opened_at"]) < timedelta(days=2)


def test_window_skips_holidays_and_weekend_make_up_days() -> None:
    days = trading_days_ending(date(2026, 10, 16), 10)
    assert date(2026, 10, 9) in days
    assert date(2026, 10, 10) not in days  # a Saturday working day: exchanges stay closed
    assert not [d for d in days if date(2026, 10, 1) <= d <= date(2026, 10, 8) and d.day != 8]
    assert days[-1] == date(2026, 10, 16) and len(days) == 10


def test_window_beyond_the_holiday_table_is_weekdays() -> None:
    days = trading_days_ending(date(2031, 1, 10), 10)
    assert all(d.weekday() < 5 for d in days) and len(days) == 10
    assert date(2031, 1, 1) in days  # unknown holidays are treated as trading days


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a Shanghai/Shenzhen trading day"):
        generate_demo_book(tmp_path, as_of=date(2026, 10, 1))
    with pytest.raises(ValueError, match="at least"):
        generate_demo_book(tmp_path, clients=MIN_CLIENTS - 1, as_of=AS_OF)


def test_some_tickets_carry_the_optional_columns(book: CsvBook) -> None:
    """DESIGN §8's optional columns, so the console shows clocks of both kinds: answered
    tickets (the resolution clock), closed ones (not shown), owners named, and one complaint of
    the default manager's answered yesterday whose resolution clock still runs on as_of."""
    answered = [t for t in book.tickets if t["first_response_at"]]
    closed = [t for t in book.tickets if t["status"] == "closed"]
    assert answered and closed and all(t["manager_id"] for t in answered)
    for t in answered:
        assert datetime.fromisoformat(t["first_response_at"]) > datetime.fromisoformat(
            t["opened_at"]
        )
    for t in closed:
        assert t["closed_at"] and t["category"] != "complaint"
    unanswered = [t for t in book.tickets if not t["first_response_at"]]
    assert unanswered and not any(t["status"] or t["manager_id"] for t in unanswered)
    assert book.expected["tickets"]["open"] == len(book.tickets) - len(closed)
    start_of_day = datetime.combine(AS_OF, time(), tzinfo=timezone(timedelta(hours=8)))
    running = [
        t
        for t in answered
        if t["category"] == "complaint"
        and t["status"] == "open"
        and datetime.fromisoformat(t["first_response_at"]) + timedelta(hours=72)
        > start_of_day + timedelta(days=1)
    ]
    assert [t["manager_id"] for t in running] == ["M001"]
