"""HNW outflow (DESIGN §4.1): an HNW client's outflow in one day > 30 % of the previous day's
total assets → P1 to the manager (the delivery layer pings the supervisor and escalates).

"HNW" is judged on the previous trading day's total assets (a 40 % outflow can drop a client
below the HNW line on the very day it should alert). The previous trading day is the book's
latest snapshot date before as_of; a client without a snapshot that day gets no alert.
"> 30 %" is strict: exactly 30 % is no hit. One alert per client and day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from pydantic import Field
from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from crm.rules.explanation import AlertKey, Reason, Yuan, chunks, whole_percent, whole_yuan
from crm.rules.registry import AlertRule, AnySelect, percent, with_dedupe
from crm.rules.results import AlertHit, DataDates, yuan
from crm.rules.schema import AlertRuleConfig, Priority, RulesConfig, as_fraction, to_cents
from crm.rules.sql import Dialect, concat, share_above
from storage.rows import ClientRow, SnapshotRow


class HnwOutflowConfig(AlertRuleConfig):
    priority: Priority = "P1"
    more_than_pct: Decimal = Field(default=Decimal(30), ge=0, le=100)


@dataclass(frozen=True)
class OutflowFacts:
    """The outflow on `day`, and its share of the previous trading day's total assets."""

    day: date
    amount: Yuan
    previous_total: Yuan
    share: int


def query(dates: DataDates, config: RulesConfig, d: Dialect) -> AnySelect | None:
    if dates.previous_date is None:
        return None
    rule = RULE.settings(config)
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
    return with_dedupe(query, key)


def hits(rows: Sequence[Any], dates: DataDates, config: RulesConfig) -> list[AlertHit]:
    rule = RULE.settings(config)
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


async def explain(
    session: AsyncSession, alerts: Sequence[AlertKey], today: date
) -> dict[int, Reason]:
    """The outflow of the alert's day against the total assets of the snapshot before it."""
    out: dict[int, Reason] = {}
    for part in chunks(alerts):
        ids = [a.client_id for a in part]
        rows = (
            await session.execute(
                select(
                    SnapshotRow.client_id,
                    SnapshotRow.date,
                    SnapshotRow.outflow,
                    SnapshotRow.total_assets,
                )
                .where(SnapshotRow.client_id.in_(ids))
                .where(SnapshotRow.date <= max(a.as_of for a in part))
                .where(SnapshotRow.date >= min(a.as_of for a in part) - timedelta(days=15))
            )
        ).all()
        series: dict[str, list[tuple[date, Decimal, Decimal]]] = {}
        for client_id, day, outflow, total in rows:
            series.setdefault(client_id, []).append((day, outflow, total))
        for alert in part:
            points = sorted(p for p in series.get(alert.client_id, []) if p[0] <= alert.as_of)
            if not points or points[-1][0] != alert.as_of:
                continue
            outflow = points[-1][1]
            previous = points[-2][2] if len(points) > 1 else None
            out[alert.alert_id] = Reason(
                "hnw_outflow",
                OutflowFacts(
                    day=alert.as_of,
                    amount=whole_yuan(outflow),
                    previous_total=whole_yuan(previous),
                    share=whole_percent(outflow, previous),
                ),
            )
    return out


RULE = AlertRule(
    name="hnw_outflow",
    order=10,
    config=HnwOutflowConfig,
    query=query,
    hits=hits,
    explain=explain,
)
