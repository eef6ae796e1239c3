"""Silent warning (DESIGN §4.2): 30 days without a trade → P3 call task, once per silent spell.

The last trade's local date is ≥ 30 calendar days before as_of (exactly 30 days is a hit); a
client who never traded counts from the opening date. The dedupe key holds the last trade's
date ('never' before the first trade), so a trade ends the spell and the next spell alerts
again. Reads rules_activity (crm/rules/activity.py): `quiet_since` keeps the clients this rule
may hit in that table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import Field
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.rules.activity import ACTIVITY
from crm.rules.explanation import AlertKey, Reason, chunks
from crm.rules.registry import AlertRule, AnySelect, with_dedupe
from crm.rules.results import AlertHit, DataDates
from crm.rules.schema import AlertRuleConfig, Priority, RulesConfig
from crm.rules.sql import Dialect, concat, text
from storage.rows import ClientRow, TradeRow


class SilentWarningConfig(AlertRuleConfig):
    priority: Priority = "P3"
    days: int = Field(default=30, ge=1, le=3660)


@dataclass(frozen=True)
class SilenceFacts:
    """Days since the last trade (`last`)."""

    days: int
    last: date


def quiet_since(dates: DataDates, config: RulesConfig) -> datetime:
    """A last trade before this instant (local date ≤ as_of − days) is a silent warning."""
    days = RULE.settings(config).days
    return dates.start_utc(dates.as_of - timedelta(days=days - 1))


def query(dates: DataDates, config: RulesConfig, d: Dialect) -> AnySelect:
    days = RULE.settings(config).days
    latest_allowed = dates.as_of - timedelta(days=days)  # the last trade must be on or before
    c, a = ClientRow, ACTIVITY.c
    last_date = d.local_date_text(a.last_traded_at, dates.timezone, dates.end_utc)
    key = concat("silent_warning:", c.client_id, ":", func.coalesce(last_date, text("never")))
    query = (
        select(c.client_id, c.manager_id, d.date_text(c.opened_on).label("opened_on"), last_date)
        .select_from(ACTIVITY)
        .join(c, c.client_id == a.client_id)
        .where(
            c.opened_on <= latest_allowed,
            or_(
                a.last_traded_at.is_(None),
                a.last_traded_at < quiet_since(dates, config),
            ),
        )
    )
    return with_dedupe(query, key)


def hits(rows: Sequence[Any], dates: DataDates, config: RulesConfig) -> list[AlertHit]:
    rule = RULE.settings(config)
    as_of, data_date, days = dates.as_of, dates.as_of.isoformat(), rule.days
    hits = []
    for client_id, manager_id, opened_on, last, key, stored in rows:
        since = last or opened_on
        hits.append(
            AlertHit(
                "silent_warning",
                client_id,
                manager_id,
                rule.priority,
                key,
                {
                    "data_date": data_date,
                    "last_trade_date": last,
                    "opened_on": opened_on,
                    "silent_since": since,
                    "days_without_trade": (as_of - date.fromisoformat(since)).days,
                    "at_least_days": days,
                },
                not stored,
            )
        )
    return hits


async def explain(
    session: AsyncSession, alerts: Sequence[AlertKey], today: date
) -> dict[int, Reason]:
    """Days since the client's last trade as of today ('never traded' without one)."""
    out: dict[int, Reason] = {}
    for part in chunks(alerts):
        ids = [a.client_id for a in part]
        last = dict(
            (
                await session.execute(
                    select(TradeRow.client_id, func.max(TradeRow.traded_at))
                    .where(TradeRow.client_id.in_(ids))
                    .group_by(TradeRow.client_id)
                )
            ).all()
        )
        for alert in part:
            traded = last.get(alert.client_id)
            if traded is None:
                out[alert.alert_id] = Reason("silent_warning_never")
                continue
            if isinstance(traded, str):  # SQLite's max() bypasses the column type
                traded = datetime.fromisoformat(traded)
            days = (today - traded.date()).days
            out[alert.alert_id] = Reason("silent_warning", SilenceFacts(days, traded.date()))
    return out


RULE = AlertRule(
    name="silent_warning",
    order=30,
    config=SilentWarningConfig,
    query=query,
    hits=hits,
    explain=explain,
    reasons=("silent_warning", "silent_warning_never"),
    quiet_since=quiet_since,
)
