"""Account anniversary (DESIGN §4.4) → P4 greeting task with an approved greeting template.

Month-day of the opening date equals as_of's (29 February greeted on 28 February in common
years); at least `min_years` whole years. One greeting per client and year.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.rules.explanation import AlertKey, Reason, client_dates
from crm.rules.registry import AlertRule, AnySelect, with_dedupe
from crm.rules.results import AlertHit, DataDates, add_years, observed_month_days
from crm.rules.schema import AlertRuleConfig, Priority, RulesConfig
from crm.rules.sql import Dialect, concat
from storage.rows import ClientRow


class AnniversaryConfig(AlertRuleConfig):
    priority: Priority = "P4"
    min_years: int = Field(default=1, ge=1, le=100)


@dataclass(frozen=True)
class AnniversaryFacts:
    years: int
    month: int
    day: int


def query(dates: DataDates, config: RulesConfig, d: Dialect) -> AnySelect:
    c = ClientRow
    years = RULE.settings(config).min_years
    query = select(c.client_id, c.manager_id, c.opened_on).where(
        c.opened_on <= add_years(dates.as_of, -years),
        d.month_day(c.opened_on).in_(observed_month_days(dates.as_of)),
    )
    return with_dedupe(query, concat("anniversary:", c.client_id, f":{dates.as_of.year}"))


def hits(rows: Sequence[Any], dates: DataDates, config: RulesConfig) -> list[AlertHit]:
    rule = RULE.settings(config)
    return [
        AlertHit(
            rule="anniversary",
            client_id=r.client_id,
            manager_id=r.manager_id,
            priority=rule.priority,
            dedupe_key=r.dedupe_key,
            facts={
                "data_date": dates.as_of.isoformat(),
                "opened_on": r.opened_on.isoformat(),
                "years": dates.as_of.year - r.opened_on.year,
                "leap_day_observed_on_28_february": (r.opened_on.month, r.opened_on.day) == (2, 29)
                and dates.as_of.day == 28,
            },
            new=not r.stored,
        )
        for r in rows
    ]


async def explain(
    session: AsyncSession, alerts: Sequence[AlertKey], today: date
) -> dict[int, Reason]:
    """The whole years since opening, as of the alert's year, and the opening date."""
    out: dict[int, Reason] = {}
    opened = await client_dates(session, alerts, ClientRow.opened_on)
    for alert in alerts:
        day = opened.get(alert.client_id)
        if day is None:
            continue
        facts = AnniversaryFacts(alert.as_of.year - day.year, day.month, day.day)
        out[alert.alert_id] = Reason("anniversary", facts)
    return out


RULE = AlertRule(
    name="anniversary",
    order=50,
    config=AnniversaryConfig,
    query=query,
    hits=hits,
    explain=explain,
)
