"""Tiers and tags (DESIGN §4) as INSERT … SELECT statements over the whole book.

Each statement writes client_tags rows for as_of with a Chinese reason that names the rule, its
inputs and the data date, and the same inputs as JSON facts. The reason and facts are built in
SQL, so a million clients never become a million Python objects.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    Insert,
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
from sqlalchemy.orm import aliased

from crm.rules.activity import ACTIVITY
from crm.rules.config import RulesConfig, as_fraction, to_cents
from crm.rules.results import DataDates, add_years, yuan, yuan_grouped
from crm.rules.sql import Dialect, concat, json_object, share_at_least
from storage.alert_rows import ClientTagRow
from storage.rows import ClientRow, HoldingRow, SnapshotRow

TAG_COLUMNS = ("client_id", "tag", "as_of", "rule_version", "reason", "facts")
TAGS = ("tier", "high_frequency", "silent", "tech_preference", "new", "loyal")


def tag_statements(dates: DataDates, config: RulesConfig, dialect: Dialect) -> list[Insert]:
    """One INSERT … SELECT per tag family, in a fixed order."""
    statements = [
        _tiers(dates, config, dialect),
        _high_frequency(dates, config),
        _silent(dates, config),
        _new(dates, config, dialect),
    ]
    if dates.holdings_date is not None:
        statements.append(_tech_preference(dates, config, dialect))
    if dates.reference_date is not None:
        statements.append(_loyal(dates, config, dialect))
    return statements


def _insert(query: Any) -> Insert:
    return insert(ClientTagRow).from_select(list(TAG_COLUMNS), query)


def _constants(tag: str, dates: DataDates, config: RulesConfig) -> tuple[Any, Any, Any]:
    return (
        literal(tag, String),
        literal(dates.as_of, Date),
        literal(config.version, String),
    )


def _tiers(dates: DataDates, config: RulesConfig, d: Dialect) -> Insert:
    s = SnapshotRow
    total = d.cents(s.total_assets)
    hnw, wealth = to_cents(config.tiers.hnw_above), to_cents(config.tiers.wealth_from)
    money = d.money_text(total)
    day = dates.as_of.isoformat()
    tag = case((total > hnw, "tier:hnw"), (total >= wealth, "tier:wealth"), else_="tier:mass")
    reason = case(
        (
            total > hnw,
            concat("高净值：总资产 ", money, f" 元 > {yuan_grouped(hnw)} 元（数据日 {day}）"),
        ),
        (
            total >= wealth,
            concat(
                "财富：总资产 ",
                money,
                f" 元，在 {yuan_grouped(wealth)}–{yuan_grouped(hnw)} 元之间（数据日 {day}）",
            ),
        ),
        else_=concat("大众：总资产 ", money, f" 元 < {yuan_grouped(wealth)} 元（数据日 {day}）"),
    )
    facts = json_object(
        {"rule": "tier", "data_date": day, "hnw_above": yuan(hnw), "wealth_from": yuan(wealth)},
        strings={"total_assets": d.money_text(total, grouped=False)},
    )
    _, as_of, version = _constants("", dates, config)
    query = sql_select(s.client_id, tag, as_of, version, reason, facts).where(s.date == dates.as_of)
    return _insert(query)


def _high_frequency(dates: DataDates, config: RulesConfig) -> Insert:
    rule = config.tags.high_frequency
    first = dates.as_of - timedelta(days=rule.window_days - 1)
    a = ACTIVITY.c
    span = f"{first.isoformat()} 至 {dates.as_of.isoformat()}"
    reason = concat(
        f"高频交易：{span}（{rule.window_days} 天）共 ",
        cast(a.window_trades, String),
        f" 笔交易，多于 {rule.more_than} 笔（数据日 {dates.as_of.isoformat()}）",
    )
    facts = json_object(
        {
            "rule": "high_frequency",
            "data_date": dates.as_of.isoformat(),
            "window_from": first.isoformat(),
            "window_days": rule.window_days,
            "more_than": rule.more_than,
        },
        numbers={"trades": a.window_trades},
    )
    tag, as_of, version = _constants("high_frequency", dates, config)
    query = sql_select(a.client_id, tag, as_of, version, reason, facts).where(
        a.window_trades > rule.more_than
    )
    return _insert(query)


def _silent(dates: DataDates, config: RulesConfig) -> Insert:
    days = config.tags.silent.days
    first = dates.as_of - timedelta(days=days - 1)
    c, a = ClientRow, ACTIVITY.c
    reason = (
        f"沉默客户：{first.isoformat()} 至 {dates.as_of.isoformat()} 的 {days} 天内没有交易"
        f"（开户满 {days} 天；数据日 {dates.as_of.isoformat()}）"
    )
    facts = json_object(
        {
            "rule": "silent",
            "data_date": dates.as_of.isoformat(),
            "window_from": first.isoformat(),
            "days": days,
            "trades": 0,
        }
    )
    tag, as_of, version = _constants("silent", dates, config)
    query = (
        sql_select(c.client_id, tag, as_of, version, literal(reason, String), facts)
        .select_from(c)
        .outerjoin(ACTIVITY, a.client_id == c.client_id)
        .where(
            c.opened_on <= dates.as_of - timedelta(days=days),
            or_(a.last_traded_at.is_(None), a.last_traded_at < dates.start_utc(first)),
        )
    )
    return _insert(query)


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
    held_on = dates.holdings_date.isoformat() if dates.holdings_date else ""
    sectors = "、".join(rule.sectors)
    reason = concat(
        f"科技偏好：{sectors}板块市值 ",
        d.money_text(tech),
        " 元，占持仓市值 ",
        d.money_text(whole),
        " 元的 ",
        d.percent_text(tech, whole),
        f"% ≥ {rule.min_share_pct}%（持仓日 {held_on}）",
    )
    facts = json_object(
        {
            "rule": "tech_preference",
            "data_date": dates.as_of.isoformat(),
            "holdings_date": held_on,
            "sectors": list(rule.sectors),
            "min_share_pct": str(rule.min_share_pct),
        },
        strings={
            "tech_value": d.money_text(tech, grouped=False),
            "market_value": d.money_text(whole, grouped=False),
        },
    )
    tag, as_of, version = _constants("tech_preference", dates, config)
    query = sql_select(per_client.c.client_id, tag, as_of, version, reason, facts).where(
        whole > 0, share_at_least(tech, whole, as_fraction(rule.min_share_pct))
    )
    return _insert(query)


def _new(dates: DataDates, config: RulesConfig, d: Dialect) -> Insert:
    days = config.tags.new.days
    c = ClientRow
    since = dates.as_of - timedelta(days=days)
    reason = concat(
        "新开户：开户日 ",
        d.date_text(c.opened_on),
        f"，在数据日 {dates.as_of.isoformat()} 前 {days} 天内（晚于 {since.isoformat()}）",
    )
    facts = json_object(
        {"rule": "new", "data_date": dates.as_of.isoformat(), "days": days},
        strings={"opened_on": d.date_text(c.opened_on)},
    )
    tag, as_of, version = _constants("new", dates, config)
    query = sql_select(c.client_id, tag, as_of, version, reason, facts).where(
        c.opened_on > since, c.opened_on <= dates.as_of
    )
    return _insert(query)


def _loyal(dates: DataDates, config: RulesConfig, d: Dialect) -> Insert:
    rule = config.tags.loyal
    assert dates.reference_date is not None
    c = ClientRow
    today, before = aliased(SnapshotRow), aliased(SnapshotRow)
    now_total, then_total = d.cents(today.total_assets), d.cents(before.total_assets)
    opened_before = add_years(dates.as_of, -rule.years)
    target = dates.as_of - timedelta(days=rule.lookback_days)
    reference = dates.reference_date
    note = _reference_note(reference, target)
    reason = concat(
        "忠诚客户：开户日 ",
        d.date_text(c.opened_on),
        f" 早于 {opened_before.isoformat()}（开户超过 {rule.years} 年），总资产 ",
        d.money_text(now_total),
        f" 元（{dates.as_of.isoformat()}）高于参考日 {reference.isoformat()} 的 ",
        d.money_text(then_total),
        f" 元（{note}）",
    )
    facts = json_object(
        {
            "rule": "loyal",
            "data_date": dates.as_of.isoformat(),
            "years": rule.years,
            "target_date": target.isoformat(),
            "reference_date": reference.isoformat(),
            "reference_is_approximate": abs((reference - target).days) > 7,
        },
        strings={
            "opened_on": d.date_text(c.opened_on),
            "total_assets": d.money_text(now_total, grouped=False),
            "reference_total_assets": d.money_text(then_total, grouped=False),
        },
    )
    tag, as_of, version = _constants("loyal", dates, config)
    query = (
        sql_select(c.client_id, tag, as_of, version, reason, facts)
        .select_from(c)
        .join(today, and_(today.client_id == c.client_id, today.date == dates.as_of))
        .join(before, and_(before.client_id == c.client_id, before.date == reference))
        .where(c.opened_on < opened_before, now_total > then_total)
    )
    return _insert(query)


def _reference_note(reference: date, target: date) -> str:
    """Says how "a year ago" was read: the exact day, the nearest snapshot, or the earliest one."""
    gap = (reference - target).days
    if gap == 0:
        return f"一年前 {target.isoformat()} 的快照"
    if abs(gap) <= 7:
        return f"最接近一年前 {target.isoformat()} 的快照"
    return (
        f"数据中没有一年前 {target.isoformat()} 附近的快照，以最接近的快照日 "
        f"{reference.isoformat()} 代替"
    )
