"""expected.json: which clients the demo book makes hit each rule and tag on as_of.

Computed from the generated data with the plain definitions of DESIGN.md §4, in exact integer
arithmetic (cents), next to the planned roles. Boundary cases are listed apart from the hits so
the rules engine's tests can pin its reading of "> 30 %", "≥ 20 %" and "30 days".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from demo.events import Event, Ticket
from demo.market import TECH_CODES
from demo.plan import STAFF

if TYPE_CHECKING:
    from demo.clients import DemoClient

HNW_ABOVE = 500_000_000  # cents
WEALTH_FROM = 100_000_000

DEFINITIONS = {
    "tiers": "as_of total_assets: hnw > 5,000,000; wealth 1,000,000–5,000,000; mass below",
    "hnw_outflow": "outflow on as_of > 30 % of the previous trading day's total_assets, for a "
    "client whose previous-day total_assets > 5,000,000 (also HNW on as_of)",
    "silent_warning": "hits: last trade ≥ 31 calendar days before as_of, or no trade at all; "
    "boundary: last trade exactly 30 days before; not_hits: last trade 25–29 days before",
    "negative_event": "negative major event dated as_of on a symbol whose holding is ≥ 20 % of "
    "the client's as_of market_value (holdings of as_of)",
    "birthday": "birthday month-day == as_of month-day",
    "anniversary": "opened_on month-day == as_of month-day, ≥ 1 whole year ago",
    "high_frequency": "> 10 trades in the last 30 days (every client is clear of the window edges:"
    " counts are the same for any window of 25–35 days)",
    "silent": "no trade in the last 90 days (none between 60 and 95 days either way)",
    "tech_preference": "sector 科技 ≥ 60 % of as_of market_value",
    "new": "opened_on < 30 days before as_of",
    "loyal_candidates": "opened > 5 years before as_of (no one within 10 days of that line) and "
    "as_of total_assets above the first snapshot of the window (a year ago is not in the data)",
}


def expected_hits(
    book: Sequence[DemoClient],
    days: Sequence[date],
    events: Sequence[Event],
    tickets: Sequence[Ticket],
    *,
    seed: int,
) -> dict[str, Any]:
    """The JSON-ready summary of planned and actual hits for as_of."""
    as_of = days[-1]
    supervisor = {s.staff_id: s.supervisor_id for s in STAFF}
    totals = {c.client_id: c.balances.total(-1) for c in book}
    planned: dict[str, list[str]] = {}
    for c in book:
        if c.role.planned:
            planned.setdefault(c.role.label, []).append(c.client_id)

    outflow_hits, outflow_rows = [], {}
    for c in book:
        b = c.balances
        if len(b.cash) < 2:
            continue
        previous, out = b.total(-2), b.outflow[-1]
        row = {
            "client_id": c.client_id,
            "manager_id": c.manager_id,
            "supervisor_id": supervisor[c.manager_id],
            "previous_total": _yuan(previous),
            "outflow": _yuan(out),
            "share_of_previous": f"{out / previous:.4f}",
        }
        outflow_rows[c.client_id] = row
        if previous > HNW_ABOVE and out * 10 > previous * 3:
            outflow_hits.append(row)
    outflow_misses = [
        outflow_rows[cid] | {"why": label}
        for label in ("hnw_outflow_exactly_30pct", "hnw_outflow_25pct", "wealth_outflow_50pct")
        for cid in planned.get(label, [])
    ]

    last_trade = {
        c.client_id: (as_of - max(t.traded_at.date() for t in c.trades)).days if c.trades else None
        for c in book
    }
    silent_hits = [
        {"client_id": c.client_id, "manager_id": c.manager_id, "days": gap}
        for c in book
        if (gap := last_trade[c.client_id]) is None or gap >= 31
    ]

    negative_today = [
        e for e in events if e.day == as_of and (e.sentiment, e.severity) == ("negative", "major")
    ]
    event_hits = []
    for c in book:
        whole = sum(p.market_value for p in c.positions)
        for e in negative_today:
            held = sum(p.market_value for p in c.positions if p.symbol.code == e.symbol.code)
            if whole and held * 5 >= whole:
                event_hits.append(
                    {
                        "client_id": c.client_id,
                        "manager_id": c.manager_id,
                        "symbol": e.symbol.code,
                        "event_id": e.event_id,
                        "share_of_market_value": f"{held / whole:.4f}",
                        "exactly_20pct": held * 5 == whole,
                    }
                )

    def recent_trades(c: DemoClient, within: int) -> int:
        return sum(1 for t in c.trades if (as_of - t.traded_at.date()).days < within)

    def tech_share_at_least_60(c: DemoClient) -> bool:
        whole = sum(p.market_value for p in c.positions)
        tech = sum(p.market_value for p in c.positions if p.symbol.code in TECH_CODES)
        return whole > 0 and tech * 10 >= whole * 6

    def ids(keep: Any) -> list[str]:
        return [c.client_id for c in book if keep(c)]

    md = (as_of.month, as_of.day)
    return {
        "as_of": as_of.isoformat(),
        "seed": seed,
        "clients": len(book),
        "trading_days": [days[0].isoformat(), days[-1].isoformat(), len(days)],
        "definitions": DEFINITIONS,
        "tiers": {
            "hnw": ids(lambda c: totals[c.client_id] > HNW_ABOVE),
            "wealth_count": sum(1 for v in totals.values() if WEALTH_FROM <= v <= HNW_ABOVE),
            "mass_count": sum(1 for v in totals.values() if v < WEALTH_FROM),
        },
        "planned": {label: planned[label] for label in sorted(planned)},
        "rules": {
            "hnw_outflow": {"hits": outflow_hits, "not_hits": outflow_misses},
            "silent_warning": {
                "hits": silent_hits,
                "boundary_exactly_30_days": ids(lambda c: last_trade[c.client_id] == 30),
                "not_hits": planned.get("last_trade_under_30_days", []),
            },
            "negative_event": {
                "events": [e.event_id for e in negative_today],
                "hits": event_hits,
                "decoys": [
                    {"event_id": e.event_id, "symbol": e.symbol.code, "why": e.note}
                    for e in events
                    if e.note.startswith("not")
                ],
                "not_hits": planned.get("holder_below_20pct", []),
            },
            "birthday": {
                "hits": ids(lambda c: (c.birthday.month, c.birthday.day) == md),
                "not_hits": planned.get("birthday_tomorrow", []),
            },
            "anniversary": {
                "hits": [
                    {"client_id": c.client_id, "years": as_of.year - c.opened_on.year}
                    for c in book
                    if (c.opened_on.month, c.opened_on.day) == md and c.opened_on < as_of
                ],
            },
        },
        "tags": {
            "high_frequency": ids(lambda c: recent_trades(c, 30) > 10),
            "high_frequency_not_hits": planned.get("trades_exactly_10", []),
            "silent": ids(lambda c: recent_trades(c, 90) == 0),
            "tech_preference": ids(tech_share_at_least_60),
            "new": ids(lambda c: (as_of - c.opened_on).days < 30),
            "loyal_candidates": ids(
                lambda c: (
                    (as_of - c.opened_on).days > 5 * 365
                    and c.balances.total(-1) > c.balances.total(0)
                )
            ),
        },
        "duplicate_names": planned.get("duplicate_name", []),
        "tickets": {
            "open": len(tickets),
            "complaint_near_sla": [t.ticket_id for t in tickets if t.urgent],
        },
    }


def _yuan(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"
