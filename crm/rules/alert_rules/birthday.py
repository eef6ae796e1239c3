"""Birthday (DESIGN §4.4) → P4 greeting task with an approved greeting template.

Month-day equals as_of's; 29 February is greeted on 28 February in common years. One
greeting per client and year.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.rules.explanation import AlertKey, Reason, client_dates
from crm.rules.registry import AlertRule, AnySelect, with_dedupe
from crm.rules.results import AlertHit, DataDates, observed_month_days
from crm.rules.schema import AlertRuleConfig, Priority, RulesConfig
from crm.rules.sql import Dialect, concat
from storage.rows import ClientRow


class BirthdayConfig(AlertRuleConfig):
    priority: Priority = "P4"


@dataclass(frozen=True)
class BirthdayFacts:
    """The birthday's month and day; `today` (1 or 0): it is the day the reason is read."""

    today: int
    month: int
    day: int


def query(dates: DataDates, config: RulesConfig, d: Dialect) -> AnySelect:
    c = ClientRow
    query = select(c.client_id, c.manager_id, c.birthday).where(
        c.birthday.is_not(None),
        c.birthday < dates.as_of,
        d.month_day(c.birthday).in_(observed_month_days(dates.as_of)),
    )
    return with_dedupe(query, concat("birthday:", c.client_id, f":{dates.as_of.year}"))


def hits(rows: Sequence[Any], dates: DataDates, config: RulesConfig) -> list[AlertHit]:
    rule = RULE.settings(config)
    return [
        AlertHit(
            rule="birthday",
            client_id=r.client_id,
            manager_id=r.manager_id,
            priority=rule.priority,
            dedupe_key=r.dedupe_key,
            facts={
                "data_date": dates.as_of.isoformat(),
                "month_day": r.birthday.strftime("%m-%d"),
                "observed_on": dates.as_of.isoformat(),
                "leap_day_observed_on_28_february": (r.birthday.month, r.birthday.day) == (2, 29)
                and dates.as_of.day == 28,
            },
            new=not r.stored,
        )
        for r in rows
    ]


async def explain(
    session: AsyncSession, alerts: Sequence[AlertKey], today: date
) -> dict[int, Reason]:
    """'Birthday today', or the birthday's date when the greeting is shown another day."""
    out: dict[int, Reason] = {}
    birthdays = await client_dates(session, alerts, ClientRow.birthday)
    for alert in alerts:
        birthday = birthdays.get(alert.client_id)
        if birthday is None:
            continue
        is_today = (birthday.month, birthday.day) == (today.month, today.day)
        facts = BirthdayFacts(int(is_today), birthday.month, birthday.day)
        out[alert.alert_id] = Reason("birthday_today" if is_today else "birthday", facts)
    return out


RULE = AlertRule(
    name="birthday",
    order=40,
    config=BirthdayConfig,
    query=query,
    hits=hits,
    explain=explain,
    reasons=("birthday", "birthday_today"),
)
