"""Why a client is on a list, in values a manager understands (amounts, days, the news item).

An alert's reason comes from its rule (`AlertRule.explain` in crm/rules/alert_rules/), computed
from the book itself (snapshots, trades, holdings, events), set-based for many alerts at once,
so it does not depend on how the rules engine spelled its facts. The other reasons of a
briefing (follow-ups, tickets, the digest's silent clients) have their facts here. The wording
lives in the views (handlers/render); here there are only kinds and typed values
(crm/rules/explanation.py says how each type is shown).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from crm.rules.alert_rules import ALERT_RULES
from crm.rules.explanation import (
    CLIP,
    AlertKey,
    Facts,
    NoFacts,
    Reason,
    Yuan,
    chunks,
    text_field,
)
from crm.rules.registry import AlertRule


@dataclass(frozen=True)
class UnexplainedAlert:
    """An alert whose inputs vanished, or of a rule no longer registered."""

    rule: str


@dataclass(frozen=True)
class FollowUpFacts:
    title: str
    due: str  # local 'MM-DD HH:MM'
    time: str  # local 'HH:MM'


@dataclass(frozen=True)
class TicketFacts:
    """A ticket due today: its running SLA clock (response | resolution) and the minutes left
    on it at the briefing's moment (negative: breached that long ago)."""

    category: str
    minutes_left: int
    ticket_id: str
    clock: str
    summary: str = text_field(clip=60)


@dataclass(frozen=True)
class SilentFacts:
    """Days since the last trade (`last`), for the digest's silent clients."""

    days: int
    last: date


async def explain_alerts(
    session: AsyncSession,
    alerts: Sequence[AlertKey],
    today: date,
    *,
    rules: Iterable[AlertRule[Any]] = ALERT_RULES,
) -> dict[int, Reason]:
    """A reason per alert id, by each alert's rule; an alert whose inputs vanished (or whose
    rule is not among `rules`) gets a generic reason."""
    reasons: dict[int, Reason] = {}
    by_rule: dict[str, list[AlertKey]] = {}
    for alert in alerts:
        by_rule.setdefault(alert.rule, []).append(alert)
    for rule in rules:
        if rule.name in by_rule:
            reasons.update(await rule.explain(session, by_rule[rule.name], today))
    for alert in alerts:
        reasons.setdefault(alert.alert_id, Reason("alert", UnexplainedAlert(alert.rule)))
    return reasons


def day_bounds(day: date, tz: Any) -> tuple[datetime, datetime]:
    """[start, end) of a local calendar day as aware UTC datetimes."""
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return start, end


__all__ = [
    "CLIP",
    "AlertKey",
    "Facts",
    "FollowUpFacts",
    "NoFacts",
    "Reason",
    "SilentFacts",
    "TicketFacts",
    "UnexplainedAlert",
    "Yuan",
    "chunks",
    "day_bounds",
    "explain_alerts",
]
