"""Date and money helpers the rules rely on: leap days, the nearest reference snapshot, exact
percentages."""

from __future__ import annotations

from datetime import date

import pytest

from crm.rules.registry import percent
from crm.rules.results import add_years, observed_month_days, yuan, yuan_grouped
from crm.rules.service import closest


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        (date(2026, 3, 10), -5, date(2021, 3, 10)),
        (date(2024, 2, 29), 1, date(2025, 2, 28)),
        (date(2028, 2, 29), -4, date(2024, 2, 29)),
    ],
)
def test_add_years(day: date, years: int, expected: date) -> None:
    assert add_years(day, years) == expected


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (date(2027, 2, 28), ("02-28", "02-29")),  # common year: 29 February is greeted today
        (date(2028, 2, 28), ("02-28",)),
        (date(2028, 2, 29), ("02-29",)),
        (date(2026, 11, 20), ("11-20",)),
    ],
)
def test_observed_month_days(as_of: date, expected: tuple[str, ...]) -> None:
    assert observed_month_days(as_of) == expected


def test_closest_reference_date_prefers_the_nearest_then_the_earlier() -> None:
    target = date(2025, 11, 20)
    assert closest(target, None, date(2026, 5, 28)) == date(2026, 5, 28)  # only later data
    assert closest(target, date(2025, 11, 19), date(2025, 11, 24)) == date(2025, 11, 19)
    assert closest(target, date(2025, 11, 10), date(2025, 11, 21)) == date(2025, 11, 21)
    assert closest(target, date(2025, 11, 18), date(2025, 11, 22)) == date(2025, 11, 18)
    assert closest(target, None, None) is None


def test_percent_and_money_text_are_exact() -> None:
    assert percent(300_000_001, 1_000_000_000) == "30.00"
    assert percent(1, 3) == "33.33"
    assert percent(2, 3) == "66.67"
    assert yuan(625_000_012) == "6250000.12"
    assert yuan_grouped(625_000_012) == "6,250,000.12"
    assert yuan(5) == "0.05"
