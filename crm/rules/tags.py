"""Tiers and tags (DESIGN §4) as INSERT … SELECT statements over the whole book.

Each statement writes client_tags rows for as_of holding only what differs per client (the
total assets, the trade count, …) as JSON facts. What every tag of a family shares on that
date (the rule, the data date, thresholds and windows) is stored once per evaluation
(`tag_inputs` → rule_evaluations.inputs), and the readable Chinese reason is rendered from both
when a tag is shown (crm.rules.reasons). A million rows stay narrow.

The families that read the trading activity (high_frequency, silent) are selected on the
evaluation's second session, in parallel with the writer's statements, and reach client_tags
as one JSON parameter (client id and facts per row): a few hundred thousand small tuples cost
far less than computing the activity on the writer's critical path.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    Insert,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    insert,
    literal,
    or_,
)
from sqlalchemy import select as sql_select

from crm.rules.activity import ACTIVITY, REFERENCE, silent_tag_start
from crm.rules.results import DataDates, add_years, yuan
from crm.rules.schema import RulesConfig, as_fraction, to_cents
from crm.rules.sql import Dialect, share_at_least
from storage.alert_rows import ClientTagRow
from storage.rows import ClientRow, HoldingRow, SnapshotRow

TAG_COLUMNS = ("as_of", "client_id", "tag", "rule_version", "facts")


def family(tag: str) -> str:
    """The rule behind a tag: 'tier:hnw' → 'tier'."""
    return tag.split(":", 1)[0]


def tag_inputs(dates: DataDates, config: RulesConfig) -> dict[str, dict[str, Any]]:
    """Rule family → the facts all of its tags share on dates.as_of (stored once)."""
    day = dates.as_of.isoformat()
    tags = config.tags
    hf, silent, loyal = tags.high_frequency, tags.silent, tags.loyal
    inputs: dict[str, dict[str, Any]] = {
        "tier": {
            "rule": "tier",
            "data_date": day,
            "hnw_above": yuan(to_cents(config.tiers.hnw_above)),
            "wealth_from": yuan(to_cents(config.tiers.wealth_from)),
        },
        "high_frequency": {
            "rule": "high_frequency",
            "data_date": day,
            "window_from": (dates.as_of - timedelta(days=hf.window_days - 1)).isoformat(),
            "window_days": hf.window_days,
            "more_than": hf.more_than,
        },
        "silent": {
            "rule": "silent",
            "data_date": day,
            "window_from": (dates.as_of - timedelta(days=silent.days - 1)).isoformat(),
            "days": silent.days,
            "trades": 0,
        },
        "new": {"rule": "new", "data_date": day, "days": tags.new.days},
    }
    if dates.holdings_date is not None:
        inputs["tech_preference"] = {
            "rule": "tech_preference",
            "data_date": day,
            "holdings_date": dates.holdings_date.isoformat(),
            "sectors": list(tags.tech_preference.sectors),
            "min_share_pct": str(tags.tech_preference.min_share_pct),
        }
    if dates.reference_date is not None:
        target = dates.as_of - timedelta(days=loyal.lookback_days)
        inputs["loyal"] = {
            "rule": "loyal",
            "data_date": day,
            "years": loyal.years,
            "target_date": target.isoformat(),
            "reference_date": dates.reference_date.isoformat(),
            "reference_is_approximate": abs((dates.reference_date - target).days) > 7,
        }
    return inputs


def tag_statements(
    dates: DataDates, config: RulesConfig, dialect: Dialect
) -> list[tuple[str, Insert]]:
    """(tag family, INSERT … SELECT) per family the writing session computes, in a fixed order.

    The families that read rules_activity are computed on the reading session instead
    (`activity_tag_queries`) and stored with `insert_tag_rows`."""
    statements = [
        ("tier", _tiers(dates, config, dialect)),
        ("new", _new(dates, config, dialect)),
    ]
    if dates.holdings_date is not None:
        statements.append(("tech_preference", _tech_preference(dates, config, dialect)))
    if dates.reference_date is not None:
        statements.append(("loyal", _loyal(dates, config, dialect)))
    return statements


def activity_tag_queries(
    dates: DataDates, config: RulesConfig, dialect: Dialect
) -> list[tuple[str, Select[str, str]]]:
    """(tag family, SELECT client_id, facts) for the families that read rules_activity."""
    return [
        ("high_frequency", _high_frequency(config, dialect)),
        ("silent", _silent(dates, config)),
    ]


def insert_tag_rows(
    dates: DataDates, config: RulesConfig, dialect: Dialect, tag: str, rows: list[tuple[str, str]]
) -> Insert:
    """INSERT the (client_id, facts) rows of one tag for as_of, all in one JSON parameter."""
    items = dialect.json_rows(json.dumps(rows, ensure_ascii=False, separators=(",", ":")))
    as_of, version = _constants(dates, config)
    query = sql_select(
        as_of,
        dialect.json_item(items.c.value, 0),
        literal(tag, String),
        version,
        dialect.json_item(items.c.value, 1),
    ).select_from(items)
    return _insert(query)


def tier_counts(dates: DataDates, config: RulesConfig, d: Dialect) -> Select[str, int]:
    """How many clients are in each tier on as_of (what the tier statement stored)."""
    s = SnapshotRow
    tag = _tier_of(d.cents(s.total_assets), config)
    return sql_select(tag, func.count()).where(s.date == dates.as_of).group_by(tag)


def _tier_of(total: Any, config: RulesConfig) -> Any:
    hnw, wealth = to_cents(config.tiers.hnw_above), to_cents(config.tiers.wealth_from)
    return case((total > hnw, "tier:hnw"), (total >= wealth, "tier:wealth"), else_="tier:mass")


def _insert(query: Any) -> Insert:
    return insert(ClientTagRow).from_select(list(TAG_COLUMNS), query)


def _constants(dates: DataDates, config: RulesConfig) -> tuple[Any, Any]:
    return literal(dates.as_of, Date), literal(config.version, String)


def _tiers(dates: DataDates, config: RulesConfig, d: Dialect) -> Insert:
    s = SnapshotRow
    total = d.cents(s.total_assets)
    tag = _tier_of(total, config)
    facts = d.facts(total_assets_cents=total)
    as_of, version = _constants(dates, config)
    query = sql_select(as_of, s.client_id, tag, version, facts).where(s.date == dates.as_of)
    return _insert(query)


def _high_frequency(config: RulesConfig, d: Dialect) -> Select[str, str]:
    a = ACTIVITY.c
    query = sql_select(a.client_id, d.facts(trades=a.window_trades))
    return query.where(a.window_trades > config.tags.high_frequency.more_than)


def _silent(dates: DataDates, config: RulesConfig) -> Select[str, str]:
    days = config.tags.silent.days
    c, a = ClientRow, ACTIVITY.c
    return (
        sql_select(a.client_id, literal("{}", String))
        .select_from(ACTIVITY)
        .join(c, c.client_id == a.client_id)
        .where(
            c.opened_on <= dates.as_of - timedelta(days=days),
            or_(a.last_traded_at.is_(None), a.last_traded_at < silent_tag_start(dates, config)),
        )
    )


def _tech_preference(dates: DataDates, config: RulesConfig, d: Dialect) -> Insert:
    rule = config.tags.tech_preference
    h = HoldingRow
    value = d.cents(h.market_value)
    per_client = (
        sql_select(
            h.client_id,
            d.sum_cents(h.market_value).label("whole"),
            cast(func.sum(case((h.sector.in_(rule.sectors), value), else_=0)), BigInteger).label(
                "tech"
            ),
        )
        .where(h.date == dates.holdings_date)
        .group_by(h.client_id)
        .subquery()
    )
    whole, tech = per_client.c.whole, per_client.c.tech
    facts = d.facts(tech_value_cents=tech, market_value_cents=whole)
    as_of, version = _constants(dates, config)
    query = sql_select(
        as_of, per_client.c.client_id, literal("tech_preference", String), version, facts
    ).where(whole > 0, share_at_least(tech, whole, as_fraction(rule.min_share_pct)))
    return _insert(query)


def _new(dates: DataDates, config: RulesConfig, d: Dialect) -> Insert:
    days = config.tags.new.days
    c = ClientRow
    since = dates.as_of - timedelta(days=days)
    facts = d.facts(opened_on=d.date_text(c.opened_on))
    as_of, version = _constants(dates, config)
    query = sql_select(as_of, c.client_id, literal("new", String), version, facts).where(
        c.opened_on > since, c.opened_on <= dates.as_of
    )
    return _insert(query)


def _loyal(dates: DataDates, config: RulesConfig, d: Dialect) -> Insert:
    """Reads the reference date's totals from rules_reference (filled when reference_date is
    known, which is the only time this statement runs)."""
    rule = config.tags.loyal
    c, s, then = ClientRow, SnapshotRow, REFERENCE.c
    now_total, then_total = d.cents(s.total_assets), then.total_cents
    opened_before = add_years(dates.as_of, -rule.years)
    facts = d.facts(
        opened_on=d.date_text(c.opened_on),
        total_assets_cents=now_total,
        reference_total_assets_cents=then_total,
    )
    as_of, version = _constants(dates, config)
    query = (
        sql_select(as_of, c.client_id, literal("loyal", String), version, facts)
        .select_from(c)
        .join(s, and_(s.client_id == c.client_id, s.date == dates.as_of))
        .join(REFERENCE, then.client_id == c.client_id)
        .where(c.opened_on < opened_before, now_total > then_total)
    )
    return _insert(query)
