"""Plain results of a rules evaluation, and the dates an evaluation reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class AlertHit:
    """One alert a rule raises for as_of; `new` when this evaluation stored it first."""

    rule: str
    client_id: str
    manager_id: str
    priority: str
    dedupe_key: str
    facts: dict[str, Any]
    new: bool = False

    def as_json(self) -> dict[str, Any]:
        """The `rules evaluate --json` shape (DESIGN §2)."""
        return {
            "rule": self.rule,
            "client_id": self.client_id,
            "manager_id": self.manager_id,
            "priority": self.priority,
            "dedupe_key": self.dedupe_key,
            "facts": self.facts,
        }


@dataclass(frozen=True)
class TagHit:
    """A tier (tag 'tier:hnw' | 'tier:wealth' | 'tier:mass') or tag of a client on as_of."""

    client_id: str
    tag: str
    reason: str

    def as_json(self) -> dict[str, str]:
        return {"client_id": self.client_id, "tag": self.tag, "reason": self.reason}


@dataclass(frozen=True)
class Evaluation:
    """Everything a date's evaluation found; stored alerts are included, new ones flagged."""

    date: date
    rule_version: str
    alerts: list[AlertHit]
    tags: list[TagHit]
    new_alert_ids: list[int]
    tag_counts: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The stable `ambot rules evaluate --json` contract (DESIGN §2)."""
        return {
            "date": self.date.isoformat(),
            "alerts": [a.as_json() for a in self.alerts],
            "tags": [t.as_json() for t in self.tags],
        }


@dataclass(frozen=True)
class DataDates:
    """The data an evaluation of as_of reads, resolved once from the book.

    previous_date: the book's latest snapshot date before as_of (the previous trading day);
    holdings_date: the book's latest holdings date on or before as_of;
    reference_date: the snapshot date closest to as_of − lookback (ties: the earlier one),
    used as "a year ago" by the loyal tag.
    """

    as_of: date
    previous_date: date | None
    holdings_date: date | None
    reference_date: date | None
    timezone: ZoneInfo

    def start_utc(self, day: date) -> datetime:
        """The instant the book's local calendar day begins, in UTC."""
        return datetime.combine(day, time(0), tzinfo=self.timezone).astimezone(UTC)

    @property
    def end_utc(self) -> datetime:
        """The end of as_of (exclusive): later trades are ignored, so past dates re-evaluate alike."""
        return self.start_utc(self.as_of + timedelta(days=1))

    def local_date(self, instant: datetime) -> date:
        return instant.astimezone(self.timezone).date()


def add_years(day: date, years: int) -> date:
    """The same month-day `years` later (earlier when negative); 29 February → 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return day.replace(year=day.year + years, day=28)


def observed_month_days(as_of: date) -> tuple[str, ...]:
    """The 'MM-DD' dates greeted on as_of: 29 February dates are greeted on 28 February in
    common years (the last day of February the person or account actually has)."""
    md = f"{as_of.month:02d}-{as_of.day:02d}"
    if md == "02-28" and not _is_leap(as_of.year):
        return (md, "02-29")
    return (md,)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def yuan(cents: int) -> str:
    """Cents as exact yuan text with two decimals: 625000012 → '6250000.12'."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole}.{frac:02d}"


def yuan_grouped(cents: int) -> str:
    """Cents as grouped yuan text: 625000012 → '6,250,000.12'."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole:,}.{frac:02d}"
