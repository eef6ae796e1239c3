"""Who is who in the demo book: the fixed staff and the clients planned to hit (or just miss)
each alert rule and tag of DESIGN.md §4 on the as_of date. Every other client is "regular":
far from every threshold, so the expected hits are exactly the planned ones.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction

from demo.market import NEGATIVE_TODAY
from demo.portfolio import Shape
from demo.trades import Pattern


@dataclass(frozen=True)
class StaffMember:
    staff_id: str
    name: str
    role: str
    supervisor_id: str = ""
    language: str = "zh"
    briefing_time: str = "08:30"


STAFF: tuple[StaffMember, ...] = (
    StaffMember("A001", "韩雪", "admin"),
    StaffMember("C001", "沈静怡", "compliance"),
    StaffMember("S001", "周建国", "supervisor"),
    StaffMember("S002", "孙丽华", "supervisor"),
    StaffMember("M001", "李明", "manager", "S001"),
    StaffMember("M002", "王芳", "manager", "S001", briefing_time="08:15"),
    StaffMember("M003", "陈志强", "manager", "S001"),
    StaffMember("M004", "刘婷", "manager", "S002"),
    StaffMember("M005", "杨帆", "manager", "S002"),
    StaffMember("M006", "林嘉欣", "manager", "S002", language="en"),
)
MANAGERS: tuple[str, ...] = tuple(s.staff_id for s in STAFF if s.role == "manager")
DEFAULT_MANAGER = "M001"  # the console demo's user: planned hits of every kind are in this book
DUPLICATE_NAME = "张伟"
MIN_CLIENTS = 60


@dataclass(frozen=True)
class Role:
    label: str
    manager_id: str
    total: tuple[int, int] | None = None  # as_of total assets in yuan (log-uniform) if set
    outflow: Fraction | None = None  # as_of outflow as a share of the previous day's total
    exact_outflow: bool = False
    shape: Shape = field(default_factory=Shape)
    pattern: Pattern = field(default_factory=lambda: Pattern("active"))
    birthday_in_days: int | None = None  # 0: as_of's month-day; 1: the day after
    anniversary_years: int | None = None
    opened_days_ago: int | None = None  # new accounts
    name: str | None = None
    min_age: int = 22
    planned: bool = True


def planned_roles(clients: int, offsets: frozenset[int], leap_day: bool) -> list[Role]:
    """The planned clients for a book of `clients`; `offsets` are the calendar-day distances
    from as_of of the window's trading days; `leap_day` when as_of is 29 February."""

    def scaled(rate: float, least: int) -> int:
        return max(least, round(clients * rate))

    roles: list[Role] = []
    add = roles.append
    hnw, big = (6_000_000, 25_000_000), (7_000_000, 20_000_000)
    # 1. HNW outflow > 30 % of the previous day's total (both supervisors get a ping).
    for manager, share in (("M001", Fraction(42, 100)), ("M004", Fraction(36, 100))):
        add(Role("hnw_outflow", manager, hnw, share))
    add(Role("hnw_outflow", "M002", hnw, Fraction(58, 100)))
    add(Role("hnw_outflow_exactly_30pct", "M001", big, Fraction(3, 10), exact_outflow=True))
    add(Role("hnw_outflow_25pct", "M005", big, Fraction(1, 4)))
    add(Role("wealth_outflow_50pct", "M003", (1_100_000, 2_200_000), Fraction(1, 2)))
    # 3. Today's negative major events on 300750 and 600036, held heavily.
    heavy_a, heavy_b = NEGATIVE_TODAY
    for manager, weight in (("M001", 0.45), ("M001", 0.30), ("M001", 0.25), ("M004", 0.60)):
        add(Role("heavy_holder", manager, (1_500_000, 8_000_000), shape=Shape(heavy_a, weight)))
    for manager, weight in (("M003", 0.33), ("M006", 0.26)):
        add(Role("heavy_holder", manager, (1_500_000, 8_000_000), shape=Shape(heavy_b, weight)))
    exact = Shape(heavy_b, exact_fifth=True)
    add(Role("heavy_holder_exactly_20pct", "M003", (2_000_000, 4_000_000), shape=exact))
    near = Shape(heavy_a, 0.16, near_miss=True)
    add(Role("holder_below_20pct", "M002", (1_500_000, 4_000_000), shape=near))
    # 2. Silent warning (30 days without a trade) and the silent tag (90 days).
    for manager in _managers(scaled(0.02, 3)):
        add(Role("silent_warning", manager, pattern=Pattern("last", lo=31, hi=60)))
    if 30 in offsets:
        add(Role("silent_exactly_30_days", "M001", pattern=Pattern("last", lo=30, hi=30)))
    below = next((k for k in (29, 28, 27, 26, 25) if k in offsets), None)
    if below is not None:
        add(Role("last_trade_under_30_days", "M001", pattern=Pattern("last", lo=below, hi=below)))
    for i, manager in enumerate(_managers(scaled(0.02, 3))):
        add(Role("silent", manager, pattern=Pattern("none" if i % 2 else "old")))
    # Tags: high_frequency (> 10 trades in 30 days), tech_preference, new.
    for i, manager in enumerate(_managers(scaled(0.015, 3))):
        add(Role("high_frequency", manager, pattern=Pattern("frequent", count=13 + (3 * i) % 10)))
    add(Role("high_frequency_exactly_11", "M001", pattern=Pattern("frequent", count=11)))
    add(Role("trades_exactly_10", "M002", pattern=Pattern("frequent", count=10)))
    for manager in _managers(scaled(0.015, 3)):
        add(Role("tech_preference", manager, (300_000, 3_000_000), shape=Shape(tech=True)))
    for i, manager in enumerate(_managers(scaled(0.01, 2), start=0)):
        add(Role("new", manager, opened_days_ago=(5, 12, 19, 26, 8, 15, 22)[i % 7]))
    # 4. Birthdays and account anniversaries today.
    for manager in _managers(max(3, round(clients / 365))):
        add(Role("birthday", manager, birthday_in_days=0))
    add(Role("birthday_tomorrow", "M001", birthday_in_days=1))
    years = (4, 8, 12, 16, 20) if leap_day else (1, 5, 10, 3, 8, 15, 2, 12)
    for i, manager in enumerate(_managers(max(3, round(clients / 365)), start=0)):
        add(Role("anniversary", manager, anniversary_years=years[i % len(years)], min_age=42))
    # Two clients share the most common name, to exercise disambiguation.
    add(Role("duplicate_name", "M001", name=DUPLICATE_NAME))
    add(Role("duplicate_name", "M005", name=DUPLICATE_NAME))
    if len(roles) + 10 > clients:
        raise ValueError(f"the demo book needs at least {MIN_CLIENTS} clients")
    return roles


def _managers(count: int, start: int = 0) -> Iterator[str]:
    """`count` managers in turn, beginning with the default manager."""
    return itertools.islice(itertools.cycle(MANAGERS[start:] + MANAGERS[:start]), count)
