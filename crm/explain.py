"""Why a client is on a list, in values a manager understands (amounts, days, the news item).

Reasons are computed from the book itself (snapshots, trades, holdings, events), set-based for
many alerts at once, so they do not depend on how the rules engine spelled its facts. The
wording lives in the views (handlers/render); here there are only kinds and plain values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.rows import ClientRow, EventRow, HoldingRow, SnapshotRow, TradeRow

CHUNK = 900  # bound IN-lists (SQLite's variable limit, plan sizes)


@dataclass(frozen=True)
class Reason:
    """kind ∈ outflow, silent, silent_never, negative_event, birthday, anniversary,
    followup_overdue, followup_today, ticket_sla, alert; values are str/int for the views."""

    kind: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AlertKey:
    alert_id: int
    rule: str
    client_id: str
    as_of: date


def chunks(values: Sequence[Any], size: int = CHUNK) -> list[Sequence[Any]]:
    return [values[i : i + size] for i in range(0, len(values), size)] or [[]]


def yuan(value: Decimal | None) -> int:
    return int((value or Decimal(0)).quantize(Decimal(1)))


def percent(part: Decimal | None, whole: Decimal | None) -> int:
    if not whole or part is None:
        return 0
    return int((Decimal(100) * part / whole).quantize(Decimal(1)))


async def explain_alerts(
    session: AsyncSession, alerts: Sequence[AlertKey], today: date
) -> dict[int, Reason]:
    """A reason per alert id; an alert whose inputs vanished gets a generic reason."""
    reasons: dict[int, Reason] = {}
    by_rule: dict[str, list[AlertKey]] = {}
    for alert in alerts:
        by_rule.setdefault(alert.rule, []).append(alert)
    if "hnw_outflow" in by_rule:
        reasons.update(await _outflows(session, by_rule["hnw_outflow"]))
    if "silent_warning" in by_rule:
        reasons.update(await _silences(session, by_rule["silent_warning"], today))
    if "negative_event" in by_rule:
        reasons.update(await _negative_events(session, by_rule["negative_event"]))
    greetings = by_rule.get("birthday", []) + by_rule.get("anniversary", [])
    if greetings:
        reasons.update(await _greetings(session, greetings, today))
    for alert in alerts:
        reasons.setdefault(alert.alert_id, Reason("alert", {"rule": alert.rule}))
    return reasons


async def _outflows(session: AsyncSession, alerts: list[AlertKey]) -> dict[int, Reason]:
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
                "outflow",
                {
                    "day": alert.as_of.isoformat(),
                    "amount": yuan(outflow),
                    "previous_total": yuan(previous),
                    "share": percent(outflow, previous),
                },
            )
    return out


async def _silences(
    session: AsyncSession, alerts: list[AlertKey], today: date
) -> dict[int, Reason]:
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
                out[alert.alert_id] = Reason("silent_never")
                continue
            if isinstance(traded, str):  # SQLite's max() bypasses the column type
                traded = datetime.fromisoformat(traded)
            days = (today - traded.date()).days
            out[alert.alert_id] = Reason(
                "silent", {"days": days, "last": traded.date().isoformat()}
            )
    return out


async def _negative_events(session: AsyncSession, alerts: list[AlertKey]) -> dict[int, Reason]:
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
            share = percent(held, total_mv)
            key = (client_id, day)
            if share > shares.get(key, -1):
                shares[key] = share
                best[key] = Reason(
                    "negative_event",
                    {
                        "stock": name,
                        "symbol": symbol,
                        "share": share,
                        "title": title,
                        "url": url or "",
                        "day": day.isoformat(),
                    },
                )
        for alert in part:
            reason = best.get((alert.client_id, alert.as_of))
            if reason is not None:
                out[alert.alert_id] = reason
    return out


async def _greetings(
    session: AsyncSession, alerts: list[AlertKey], today: date
) -> dict[int, Reason]:
    out: dict[int, Reason] = {}
    for part in chunks(alerts):
        ids = [a.client_id for a in part]
        rows = {
            r.client_id: r
            for r in (
                await session.execute(
                    select(ClientRow.client_id, ClientRow.birthday, ClientRow.opened_on).where(
                        ClientRow.client_id.in_(ids)
                    )
                )
            ).all()
        }
        for alert in part:
            row = rows.get(alert.client_id)
            if row is None:
                continue
            if alert.rule == "birthday" and row.birthday is not None:
                is_today = (row.birthday.month, row.birthday.day) == (today.month, today.day)
                out[alert.alert_id] = Reason(
                    "birthday",
                    {"today": int(is_today), "month": row.birthday.month, "day": row.birthday.day},
                )
            elif alert.rule == "anniversary":
                years = alert.as_of.year - row.opened_on.year
                out[alert.alert_id] = Reason(
                    "anniversary",
                    {"years": years, "month": row.opened_on.month, "day": row.opened_on.day},
                )
    return out


def day_bounds(day: date, tz: Any) -> tuple[datetime, datetime]:
    """[start, end) of a local calendar day as aware UTC datetimes."""
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return start, end
