"""The four alert rules of DESIGN §4, each one set-based SELECT over the whole book.

Each rule returns its hits for as_of as AlertHit values with a dedupe key, the owner (the
client's manager at evaluation time) and the inputs as facts. Readings of the manual:

- hnw_outflow: "HNW" is judged on the previous trading day's total assets (a 40 % outflow can
  drop a client below the HNW line on the very day it should alert). The previous trading day
  is the book's latest snapshot date before as_of; a client without a snapshot that day gets no
  alert. "> 30 %" is strict: exactly 30 % is no hit. One alert per client and day.
- silent_warning: the last trade's local date is ≥ 30 calendar days before as_of (exactly 30
  days is a hit); a client who never traded counts from the opening date. One alert per silent
  spell: the dedupe key holds the last trade's date ('never' before the first trade), so a
  trade ends the spell and the next spell alerts again.
- negative_event: a negative major event dated as_of on a symbol worth ≥ 20 % of the client's
  holdings on the book's latest holdings date ≤ as_of (the sum of that day's holdings). One
  alert per client and event. The research link is the event's url; approved talking points
  live in the knowledge base, which crm may not import: the delivery layer looks them up by
  the symbol and event title stored in the facts.
- birthday / anniversary: month-day equals as_of's; 29 February is greeted on 28 February in
  common years. Anniversaries need at least one whole year. One greeting per client and year.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from crm.rules.activity import ACTIVITY, silent_warning_start
from crm.rules.config import RulesConfig, as_fraction, to_cents
from crm.rules.results import AlertHit, DataDates, add_years, observed_month_days, yuan
from crm.rules.sql import Dialect, concat, share_above, share_at_least, text
from storage.alert_rows import AlertRow
from storage.rows import ClientRow, EventRow, HoldingRow, SnapshotRow


def percent(part: int, whole: int) -> str:
    """part / whole as a percentage with two decimals, rounded half up, exact (integers only)."""
    sign = "-" if (part < 0) != (whole < 0) and part != 0 else ""
    part, whole = abs(part), abs(whole)
    hundredths = (part * 20000 + whole) // (2 * whole)  # floor(part * 10^4 / whole + 1/2)
    return f"{sign}{hundredths // 100}.{hundredths % 100:02d}"


AnySelect = Select[*tuple[Any, ...]]


def _with_dedupe(query: AnySelect, key: ColumnElement[str]) -> AnySelect:
    """Add the hit's dedupe key and whether an alert with that key is stored already.

    One unique-index probe per hit row, as a correlated EXISTS in the select list: a LEFT JOIN
    to alerts instead let PostgreSQL's planner start from that join (every client's key
    against the stored alerts) and probe the snapshots for a million clients, not the hits.
    """
    stored = aliased(AlertRow)
    already = exists().where(stored.dedupe_key == key)
    return query.add_columns(key.label("dedupe_key"), already.label("stored"))


def only_new(query: AnySelect | None) -> AnySelect | None:
    """The query's hits that no stored alert has yet (the scheduler needs no others)."""
    if query is None:
        return None
    hits = query.subquery()
    return select(*hits.c).where(hits.c.stored.is_(False))


# --- 1. HNW outflow --------------------------------------------------------------------------


def hnw_outflow_query(dates: DataDates, config: RulesConfig, d: Dialect) -> AnySelect | None:
    if dates.previous_date is None:
        return None
    rule = config.alerts.hnw_outflow
    today, before, c = aliased(SnapshotRow), aliased(SnapshotRow), ClientRow
    outflow, previous = d.cents(today.outflow), d.cents(before.total_assets)
    key = concat("hnw_outflow:", c.client_id, f":{dates.as_of.isoformat()}")
    query = (
        select(
            c.client_id,
            c.manager_id,
            outflow.label("outflow"),
            previous.label("previous_total"),
            d.cents(today.total_assets).label("total"),
        )
        .select_from(today)
        .join(before, and_(before.client_id == today.client_id, before.date == dates.previous_date))
        .join(c, c.client_id == today.client_id)
        .where(
            today.date == dates.as_of,
            previous > to_cents(config.tiers.hnw_above),
            share_above(outflow, previous, as_fraction(rule.more_than_pct)),
        )
    )
    return _with_dedupe(query, key)


def hnw_outflow_hits(rows: Sequence[Any], dates: DataDates, config: RulesConfig) -> list[AlertHit]:
    rule = config.alerts.hnw_outflow
    day = dates.as_of.isoformat()
    return [
        AlertHit(
            rule="hnw_outflow",
            client_id=r.client_id,
            manager_id=r.manager_id,
            priority=rule.priority,
            dedupe_key=r.dedupe_key,
            facts={
                "data_date": day,
                "previous_date": dates.previous_date.isoformat() if dates.previous_date else None,
                "previous_total_assets": yuan(r.previous_total),
                "outflow": yuan(r.outflow),
                "outflow_share_pct": percent(r.outflow, r.previous_total),
                "more_than_pct": str(rule.more_than_pct),
                "total_assets": yuan(r.total),
                "hnw_above": yuan(to_cents(config.tiers.hnw_above)),
                "tier_basis": "previous_day_total_assets",
            },
            new=not r.stored,
        )
        for r in rows
    ]


# --- 2. Silent warning -----------------------------------------------------------------------


def silent_warning_query(dates: DataDates, config: RulesConfig, d: Dialect) -> AnySelect:
    days = config.alerts.silent_warning.days
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
                a.last_traded_at < silent_warning_start(dates, config),
            ),
        )
    )
    return _with_dedupe(query, key)


def silent_warning_hits(
    rows: Sequence[Any], dates: DataDates, config: RulesConfig
) -> list[AlertHit]:
    rule = config.alerts.silent_warning
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


# --- 3. Negative event on a heavy holding ----------------------------------------------------


def negative_event_query(dates: DataDates, config: RulesConfig, d: Dialect) -> AnySelect | None:
    if dates.holdings_date is None:
        return None
    rule = config.alerts.negative_event
    e, c = EventRow, ClientRow
    held, every = aliased(HoldingRow), aliased(HoldingRow)
    whole = (
        select(d.sum_cents(every.market_value))
        .where(every.client_id == held.client_id, every.date == dates.holdings_date)
        .scalar_subquery()
    )
    holders = (
        select(
            e.event_id,
            e.symbol,
            e.title,
            e.url,
            held.client_id,
            held.name.label("symbol_name"),
            d.cents(held.market_value).label("held"),
            whole.label("whole"),
        )
        .select_from(e)
        .join(held, and_(held.symbol == e.symbol, held.date == dates.holdings_date))
        .where(
            e.date == dates.as_of,
            e.sentiment == rule.sentiment,
            e.severity == rule.severity,
        )
        .subquery()
    )
    query = (
        select(holders, c.manager_id)
        .join(c, c.client_id == holders.c.client_id)
        .where(
            holders.c.whole > 0,
            share_at_least(holders.c.held, holders.c.whole, as_fraction(rule.min_share_pct)),
        )
    )
    key = concat("negative_event:", holders.c.client_id, ":", holders.c.event_id)
    return _with_dedupe(query, key)


def negative_event_hits(
    rows: Sequence[Any], dates: DataDates, config: RulesConfig
) -> list[AlertHit]:
    rule = config.alerts.negative_event
    return [
        AlertHit(
            rule="negative_event",
            client_id=r.client_id,
            manager_id=r.manager_id,
            priority=rule.priority,
            dedupe_key=r.dedupe_key,
            facts={
                "data_date": dates.as_of.isoformat(),
                "event_id": r.event_id,
                "event_title": r.title,
                "research_url": r.url,
                "symbol": r.symbol,
                "symbol_name": r.symbol_name,
                "holdings_date": dates.holdings_date.isoformat() if dates.holdings_date else None,
                "holding_value": yuan(int(r.held)),
                "market_value": yuan(int(r.whole)),
                "share_pct": percent(int(r.held), int(r.whole)),
                "min_share_pct": str(rule.min_share_pct),
                "talking_points": "knowledge_base: look up approved scripts by symbol at delivery",
            },
            new=not r.stored,
        )
        for r in rows
    ]


# --- 4. Birthday and account anniversary -----------------------------------------------------


def birthday_query(dates: DataDates, d: Dialect) -> AnySelect:
    c = ClientRow
    query = select(c.client_id, c.manager_id, c.birthday).where(
        c.birthday.is_not(None),
        c.birthday < dates.as_of,
        d.month_day(c.birthday).in_(observed_month_days(dates.as_of)),
    )
    return _with_dedupe(query, concat("birthday:", c.client_id, f":{dates.as_of.year}"))


def birthday_hits(rows: Sequence[Any], dates: DataDates, config: RulesConfig) -> list[AlertHit]:
    rule = config.alerts.birthday
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


def anniversary_query(dates: DataDates, config: RulesConfig, d: Dialect) -> AnySelect:
    c = ClientRow
    years = config.alerts.anniversary.min_years
    query = select(c.client_id, c.manager_id, c.opened_on).where(
        c.opened_on <= add_years(dates.as_of, -years),
        d.month_day(c.opened_on).in_(observed_month_days(dates.as_of)),
    )
    return _with_dedupe(query, concat("anniversary:", c.client_id, f":{dates.as_of.year}"))


def anniversary_hits(rows: Sequence[Any], dates: DataDates, config: RulesConfig) -> list[AlertHit]:
    rule = config.alerts.anniversary
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
