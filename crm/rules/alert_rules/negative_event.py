"""Negative event on a heavy holding (DESIGN §4.3): a negative major event on a symbol that is
≥ 20 % of a client's market value → P2 task for each holder's manager.

The event is dated as_of; the share is of the client's holdings on the book's latest holdings
date ≤ as_of (the sum of that day's holdings). One alert per client and event. The research
link is the event's url; approved talking points live in the knowledge base, which crm may not
import: the delivery layer looks them up by the symbol and event title stored in the facts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field
from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from crm.rules.explanation import AlertKey, Reason, chunks, text_field, whole_percent
from crm.rules.registry import AlertRule, AnySelect, percent, with_dedupe
from crm.rules.results import AlertHit, DataDates, yuan
from crm.rules.schema import AlertRuleConfig, Priority, RulesConfig, as_fraction
from crm.rules.sql import Dialect, concat, share_at_least
from storage.rows import ClientRow, EventRow, HoldingRow, SnapshotRow


class NegativeEventConfig(AlertRuleConfig):
    priority: Priority = "P2"
    min_share_pct: Decimal = Field(default=Decimal(20), gt=0, le=100)
    sentiment: Literal["negative", "neutral", "positive"] = "negative"
    severity: Literal["major", "minor"] = "major"


@dataclass(frozen=True)
class NegativeEventFacts:
    """The holding (`stock`, its share of market value) and the news of `day`."""

    stock: str
    symbol: str
    share: int
    day: date
    title: str = text_field(clip=80)
    url: str = ""


def query(dates: DataDates, config: RulesConfig, d: Dialect) -> AnySelect | None:
    if dates.holdings_date is None:
        return None
    rule = RULE.settings(config)
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
    return with_dedupe(query, key)


def hits(rows: Sequence[Any], dates: DataDates, config: RulesConfig) -> list[AlertHit]:
    rule = RULE.settings(config)
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


async def explain(
    session: AsyncSession, alerts: Sequence[AlertKey], today: date
) -> dict[int, Reason]:
    """The client's largest holding hit by a negative major event on the alert's day."""
    out: dict[int, Reason] = {}
    for part in chunks(alerts):
        ids = [a.client_id for a in part]
        days = sorted({a.as_of for a in part})
        rows = (
            await session.execute(
                select(
                    HoldingRow.client_id,
                    HoldingRow.date,
                    HoldingRow.symbol,
                    HoldingRow.name,
                    HoldingRow.market_value,
                    SnapshotRow.market_value,
                    EventRow.title,
                    EventRow.url,
                )
                .join(
                    SnapshotRow,
                    and_(
                        SnapshotRow.client_id == HoldingRow.client_id,
                        SnapshotRow.date == HoldingRow.date,
                    ),
                )
                .join(
                    EventRow,
                    and_(EventRow.symbol == HoldingRow.symbol, EventRow.date == HoldingRow.date),
                )
                .where(HoldingRow.client_id.in_(ids), HoldingRow.date.in_(days))
                .where(EventRow.sentiment == "negative", EventRow.severity == "major")
            )
        ).all()
        best: dict[tuple[str, date], Reason] = {}
        shares: dict[tuple[str, date], int] = {}
        for client_id, day, symbol, name, held, total_mv, title, url in rows:
            share = whole_percent(held, total_mv)
            key = (client_id, day)
            if share > shares.get(key, -1):
                shares[key] = share
                best[key] = Reason(
                    "negative_event",
                    NegativeEventFacts(
                        stock=name, symbol=symbol, share=share, day=day, title=title, url=url or ""
                    ),
                )
        for alert in part:
            reason = best.get((alert.client_id, alert.as_of))
            if reason is not None:
                out[alert.alert_id] = reason
    return out


RULE = AlertRule(
    name="negative_event",
    order=20,
    config=NegativeEventConfig,
    query=query,
    hits=hits,
    explain=explain,
)
