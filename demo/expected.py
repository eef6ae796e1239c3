"""expected.json: which clients the demo book makes hit each rule and tag on as_of.

Computed from the generated data with the plain definitions of DESIGN.md §4, in exact integer
arithmetic (cents), next to the planned roles. Boundary cases are listed apart from the hits so
the rules engine's tests can pin its reading of "> 30 %", "≥ 20 %" and "30 days".

The oracle stays a second, independent reading of each alert rule (plain Python over the
generated book, not the engine's SQL), but what it covers derives from the alert-rule
registry: the rules section lists the registered rules in their order, with the thresholds of
the shipped rules file (each rule's config section); `ORACLES` holds the reading per rule. A
registered rule without one is listed under "unchecked_rules".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from crm.rules import ALERT_RULES, RulesConfig, load_rules_config
from crm.rules.config import as_fraction, to_cents
from demo.events import Event, Ticket
from demo.market import TECH_CODES
from demo.plan import STAFF

if TYPE_CHECKING:
    from demo.clients import DemoClient


@dataclass(frozen=True)
class OracleBook:
    """What an alert rule's oracle reads: the generated book on as_of."""

    book: Sequence[DemoClient]
    as_of: date
    events: Sequence[Event]
    planned: dict[str, list[str]]
    supervisor: dict[str, str | None]
    last_trade: dict[str, int | None]  # days since the last trade (None: never traded)
    config: RulesConfig


Oracle = Callable[[OracleBook, Any], dict[str, Any]]


def _hnw_outflow(b: OracleBook, rule: Any) -> dict[str, Any]:
    hnw_above = to_cents(b.config.tiers.hnw_above)
    share = as_fraction(rule.more_than_pct)
    hits, rows = [], {}
    for c in b.book:
        balances = c.balances
        if len(balances.cash) < 2:
            continue
        previous, out = balances.total(-2), balances.outflow[-1]
        row = {
            "client_id": c.client_id,
            "manager_id": c.manager_id,
            "supervisor_id": b.supervisor[c.manager_id],
            "previous_total": _yuan(previous),
            "outflow": _yuan(out),
            "share_of_previous": f"{out / previous:.4f}",
        }
        rows[c.client_id] = row
        if previous > hnw_above and out * share.denominator > previous * share.numerator:
            hits.append(row)
    misses = [
        rows[cid] | {"why": label}
        for label in ("hnw_outflow_exactly_30pct", "hnw_outflow_25pct", "wealth_outflow_50pct")
        for cid in b.planned.get(label, [])
    ]
    return {"hits": hits, "not_hits": misses}


def _silent_warning(b: OracleBook, rule: Any) -> dict[str, Any]:
    days = rule.days
    return {
        "hits": [
            {"client_id": c.client_id, "manager_id": c.manager_id, "days": gap}
            for c in b.book
            if (gap := b.last_trade[c.client_id]) is None or gap > days
        ],
        "boundary_exactly_30_days": [
            c.client_id for c in b.book if b.last_trade[c.client_id] == days
        ],
        "not_hits": b.planned.get("last_trade_under_30_days", []),
    }


def _negative_event(b: OracleBook, rule: Any) -> dict[str, Any]:
    kind = (rule.sentiment, rule.severity)
    today = [e for e in b.events if e.day == b.as_of and (e.sentiment, e.severity) == kind]
    share: Fraction = as_fraction(rule.min_share_pct)
    hits = []
    for c in b.book:
        whole = sum(p.market_value for p in c.positions)
        for e in today:
            held = sum(p.market_value for p in c.positions if p.symbol.code == e.symbol.code)
            if whole and held * share.denominator >= whole * share.numerator:
                hits.append(
                    {
                        "client_id": c.client_id,
                        "manager_id": c.manager_id,
                        "symbol": e.symbol.code,
                        "event_id": e.event_id,
                        "share_of_market_value": f"{held / whole:.4f}",
                        "exactly_20pct": held * share.denominator == whole * share.numerator,
                    }
                )
    return {
        "events": [e.event_id for e in today],
        "hits": hits,
        "decoys": [
            {"event_id": e.event_id, "symbol": e.symbol.code, "why": e.note}
            for e in b.events
            if e.note.startswith("not")
        ],
        "not_hits": b.planned.get("holder_below_20pct", []),
    }


def _birthday(b: OracleBook, rule: Any) -> dict[str, Any]:
    md = (b.as_of.month, b.as_of.day)
    return {
        "hits": [c.client_id for c in b.book if (c.birthday.month, c.birthday.day) == md],
        "not_hits": b.planned.get("birthday_tomorrow", []),
    }


def _anniversary(b: OracleBook, rule: Any) -> dict[str, Any]:
    md = (b.as_of.month, b.as_of.day)
    return {
        "hits": [
            {"client_id": c.client_id, "years": b.as_of.year - c.opened_on.year}
            for c in b.book
            if (c.opened_on.month, c.opened_on.day) == md
            and b.as_of.year - c.opened_on.year >= rule.min_years
        ],
    }


ORACLES: dict[str, Oracle] = {
    "hnw_outflow": _hnw_outflow,
    "silent_warning": _silent_warning,
    "negative_event": _negative_event,
    "birthday": _birthday,
    "anniversary": _anniversary,
}


def definitions(config: RulesConfig) -> dict[str, str]:
    """The plain definitions the oracle applies, with the shipped thresholds."""
    sections = {rule.name: rule.settings(config) for rule in ALERT_RULES}
    hnw, wealth = f"{config.tiers.hnw_above:,}", f"{config.tiers.wealth_from:,}"
    out, silent = sections["hnw_outflow"], sections["silent_warning"]
    event, anniversary = sections["negative_event"], sections["anniversary"]
    return {
        "tiers": f"as_of total_assets: hnw > {hnw}; wealth {wealth}–{hnw}; mass below",
        "hnw_outflow": f"outflow on as_of > {out.more_than_pct} % of the previous trading day's "
        f"total_assets, for a client whose previous-day total_assets > {hnw} (also HNW on as_of)",
        "silent_warning": f"hits: last trade ≥ {silent.days + 1} calendar days before as_of, or no "
        f"trade at all; boundary: last trade exactly {silent.days} days before; not_hits: last "
        "trade 25–29 days before",
        "negative_event": f"{event.sentiment} {event.severity} event dated as_of on a symbol whose "
        f"holding is ≥ {event.min_share_pct} % of the client's as_of market_value (holdings of "
        "as_of)",
        "birthday": "birthday month-day == as_of month-day",
        "anniversary": f"opened_on month-day == as_of month-day, ≥ {anniversary.min_years} whole "
        f"year{'s' if anniversary.min_years > 1 else ''} ago",
        "high_frequency": "> 10 trades in the last 30 days (every client is clear of the window "
        "edges: counts are the same for any window of 25–35 days)",
        "silent": "no trade in the last 90 days (none between 60 and 95 days either way)",
        "tech_preference": "sector 科技 ≥ 60 % of as_of market_value",
        "new": "opened_on < 30 days before as_of",
        "loyal_candidates": "opened > 5 years before as_of (no one within 10 days of that line) "
        "and as_of total_assets above the first snapshot of the window (a year ago is not in "
        "the data)",
    }


def expected_hits(
    book: Sequence[DemoClient],
    days: Sequence[date],
    events: Sequence[Event],
    tickets: Sequence[Ticket],
    *,
    seed: int,
    config: RulesConfig | None = None,
) -> dict[str, Any]:
    """The JSON-ready summary of planned and actual hits for as_of (thresholds: `config`,
    the shipped rules file by default)."""
    config = config or load_rules_config()
    as_of = days[-1]
    totals = {c.client_id: c.balances.total(-1) for c in book}
    planned: dict[str, list[str]] = {}
    for c in book:
        if c.role.planned:
            planned.setdefault(c.role.label, []).append(c.client_id)
    oracle_book = OracleBook(
        book=book,
        as_of=as_of,
        events=events,
        planned=planned,
        supervisor={s.staff_id: s.supervisor_id for s in STAFF},
        last_trade={
            c.client_id: (as_of - max(t.traded_at.date() for t in c.trades)).days
            if c.trades
            else None
            for c in book
        },
        config=config,
    )
    hnw_above, wealth_from = to_cents(config.tiers.hnw_above), to_cents(config.tiers.wealth_from)

    def recent_trades(c: DemoClient, within: int) -> int:
        return sum(1 for t in c.trades if (as_of - t.traded_at.date()).days < within)

    def tech_share_at_least_60(c: DemoClient) -> bool:
        whole = sum(p.market_value for p in c.positions)
        tech = sum(p.market_value for p in c.positions if p.symbol.code in TECH_CODES)
        return whole > 0 and tech * 10 >= whole * 6

    def ids(keep: Any) -> list[str]:
        return [c.client_id for c in book if keep(c)]

    return {
        "as_of": as_of.isoformat(),
        "seed": seed,
        "clients": len(book),
        "trading_days": [days[0].isoformat(), days[-1].isoformat(), len(days)],
        "definitions": definitions(config),
        "tiers": {
            "hnw": ids(lambda c: totals[c.client_id] > hnw_above),
            "wealth_count": sum(1 for v in totals.values() if wealth_from <= v <= hnw_above),
            "mass_count": sum(1 for v in totals.values() if v < wealth_from),
        },
        "planned": {label: planned[label] for label in sorted(planned)},
        "rules": {
            rule.name: ORACLES[rule.name](oracle_book, rule.settings(config))
            for rule in ALERT_RULES
            if rule.name in ORACLES
        },
        "unchecked_rules": [rule.name for rule in ALERT_RULES if rule.name not in ORACLES],
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
            "open": sum(1 for t in tickets if t.is_open),
            "complaint_near_sla": [t.ticket_id for t in tickets if t.urgent],
        },
    }


def _yuan(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"
