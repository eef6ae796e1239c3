"""Every alert rule and tag of DESIGN.md §4 has real hits on as_of, recomputed from the CSVs,
and expected.json lists exactly those hits (boundary cases apart)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from demo import generate_demo_book
from tests.unit.demo.csvbook import NEVER, CsvBook


def planned(book: CsvBook, label: str) -> list[str]:
    return book.expected["planned"].get(label, [])


def check_hnw_outflow(book: CsvBook) -> None:
    hits = book.hnw_outflow_hits()
    expected = book.expected["rules"]["hnw_outflow"]
    assert hits == {h["client_id"] for h in expected["hits"]}
    assert len(hits) >= 2
    assert {book.manager_of()[c] for c in hits} >= {"M001", "M004"}  # both supervisors' teams
    snap = book.snapshots_by_key
    previous = book.dates[-2]
    (exactly,) = planned(book, "hnw_outflow_exactly_30pct")
    before = snap[(exactly, previous)]["total_assets"]
    assert before > Decimal(5_000_000)
    assert snap[(exactly, book.as_of)]["outflow"] == Decimal("0.3") * before
    for label in ("hnw_outflow_exactly_30pct", "hnw_outflow_25pct", "wealth_outflow_50pct"):
        assert not set(planned(book, label)) & hits, label


def check_silent_warning(book: CsvBook) -> None:
    gaps = book.days_since_last_trade()
    expected = book.expected["rules"]["silent_warning"]
    hits = {c for c, gap in gaps.items() if gap >= 31}
    assert hits == {h["client_id"] for h in expected["hits"]}
    assert sum(1 for c in hits if gaps[c] <= 60) >= 3
    assert sum(1 for c in hits if gaps[c] >= 90) >= 3
    assert sum(1 for c in hits if gaps[c] == NEVER) >= 1
    assert {c for c, gap in gaps.items() if gap == 30} == set(expected["boundary_exactly_30_days"])
    for client_id in expected["not_hits"]:
        assert 25 <= gaps[client_id] <= 29


def check_negative_event(book: CsvBook) -> None:
    hits = book.negative_event_hits()
    expected = book.expected["rules"]["negative_event"]
    assert hits == {(h["client_id"], h["symbol"]) for h in expected["hits"]}
    per_symbol = Counter(symbol for _, symbol in hits)
    assert per_symbol.most_common(1)[0][1] >= 3
    assert len(per_symbol) >= 2
    managers = book.manager_of()
    assert len({managers[c] for c, _ in hits}) >= 2
    assert Counter(managers[c] for c, s in hits if s == "300750")["M001"] >= 3
    assert not {c for c, _ in hits} & set(expected["not_hits"])
    (exact,) = [h for h in expected["hits"] if h["exactly_20pct"]]
    whole = book.snapshots_by_key[(exact["client_id"], book.as_of)]["market_value"]
    held = [h for h in book.holdings_today()[exact["client_id"]] if h["symbol"] == exact["symbol"]]
    assert Decimal(held[0]["market_value"]) * 5 == whole


def check_birthdays(book: CsvBook) -> None:
    rules = book.expected["rules"]
    assert book.birthday_hits() == set(rules["birthday"]["hits"])
    assert len(book.birthday_hits()) >= 3
    assert not book.birthday_hits() & set(rules["birthday"]["not_hits"])
    anniversaries = book.anniversary_hits()
    assert anniversaries == {h["client_id"]: h["years"] for h in rules["anniversary"]["hits"]}
    assert len(anniversaries) >= 3
    assert min(anniversaries.values()) >= 1


def check_tags(book: CsvBook) -> None:
    tags = book.expected["tags"]
    in_30, in_25, in_35 = book.trades_within(30), book.trades_within(25), book.trades_within(35)
    frequent = {c for c, n in in_30.items() if n > 10}
    assert frequent == set(tags["high_frequency"])
    assert len(frequent) >= 3
    # Nobody sits on the edge of the 30-day window: 25- and 35-day windows agree.
    assert (
        frequent
        == {c for c, n in in_25.items() if n > 10}
        == {c for c, n in in_35.items() if n > 10}
    )
    assert all(in_30[c] == 10 for c in tags["high_frequency_not_hits"])
    in_90 = book.trades_within(90)
    silent = {c["client_id"] for c in book.clients if in_90.get(c["client_id"], 0) == 0}
    assert silent == set(tags["silent"])
    assert len(silent) >= 3
    assert book.tech_preference() == set(tags["tech_preference"])
    assert len(book.tech_preference()) >= 3
    assert book.new_clients() == set(tags["new"])
    assert len(book.new_clients()) >= 2
    assert book.loyal_candidates() == set(tags["loyal_candidates"])
    assert len(book.loyal_candidates()) >= 5


def check_default_manager_book(book: CsvBook) -> None:
    """The console demo's manager sees every kind of alert in their own book."""
    mine = {c["client_id"] for c in book.clients if c["manager_id"] == "M001"}
    rules = book.expected["rules"]
    assert book.hnw_outflow_hits() & mine
    assert {h["client_id"] for h in rules["silent_warning"]["hits"]} & mine
    assert {c for c, _ in book.negative_event_hits()} & mine
    assert book.birthday_hits() & mine
    assert set(book.anniversary_hits()) & mine
    assert {t["client_id"] for t in book.tickets} & mine


CHECKS = (
    check_hnw_outflow,
    check_silent_warning,
    check_negative_event,
    check_birthdays,
    check_tags,
    check_default_manager_book,
)


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_default_book_has_the_planned_hits(book: CsvBook, check) -> None:
    check(book)


def test_default_book_has_a_last_trade_exactly_30_days_ago(book: CsvBook) -> None:
    gaps = book.days_since_last_trade()
    boundary = book.expected["rules"]["silent_warning"]["boundary_exactly_30_days"]
    assert boundary == planned(book, "silent_exactly_30_days")
    assert [gaps[c] for c in boundary] == [30]


@pytest.mark.parametrize(
    "as_of",
    [
        date(2026, 10, 9),  # first trading day after the National Day week
        date(2026, 2, 24),  # right after the Spring Festival closure
        date(2028, 2, 29),  # a leap day, beyond the holiday table (weekdays only)
        date(2027, 3, 1),  # window half in a year the holiday table does not know
    ],
)
def test_planned_hits_hold_for_other_dates_and_the_smallest_book(
    tmp_path: Path, as_of: date
) -> None:
    generate_demo_book(tmp_path, clients=60, as_of=as_of, seed=7)
    book = CsvBook.load(tmp_path)
    for check in CHECKS:
        check(book)
