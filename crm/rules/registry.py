"""The alert-rule registry: what one alert rule declares, and the checks every rule passes.

Each rule is one module under crm/rules/alert_rules/ with a module-level `RULE = AlertRule(…)`:
its name (alerts.rule, the dedupe key's prefix, its texts' key), its place in the order, its
section of rules.yaml (a typed, validated `AlertRuleConfig` subclass that holds the priority),
its set-based SELECT over the whole book, the hits built from that SELECT's rows, and how an
alert of it is explained (typed facts for the views). The evaluation loop, the order of hits,
explain, the rules file's validation, the CLI summary and the demo oracle all read the
registry (crm.rules.alert_rules.ALERT_RULES); nothing else lists rule names.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from crm.rules.explanation import AlertKey, Reason
from crm.rules.results import AlertHit, DataDates
from crm.rules.schema import AlertRuleConfig, RulesConfig
from crm.rules.sql import Dialect
from storage.alert_rows import AlertRow

AnySelect = Select[*tuple[Any, ...]]
QueryBuilder = Callable[[DataDates, RulesConfig, Dialect], AnySelect | None]
HitBuilder = Callable[[Sequence[Any], DataDates, RulesConfig], list[AlertHit]]
Explainer = Callable[[AsyncSession, Sequence[AlertKey], date], Awaitable[dict[int, Reason]]]
QuietSince = Callable[[DataDates, RulesConfig], datetime]

# alerts.rule is VARCHAR(20) with no CHECK of the names (migration 0006): the registry is the
# one list, and the service refuses a rule whose name the column or the texts could not hold.
RULE_NAME = re.compile(r"[a-z][a-z0-9_]{0,19}")

C = TypeVar("C", bound=AlertRuleConfig)


@dataclass(frozen=True)
class AlertRule(Generic[C]):
    """One alert rule, everything the engine and the views derive from it.

    query: its set-based SELECT for as_of (None when the data it needs is missing), with the
      columns `with_dedupe` adds; hits: its AlertHits from that SELECT's rows (built on a
      worker thread); explain: a Reason per alert id, read set-based for many alerts;
      reasons: the Reason kinds its explanations use (default: the rule's name), each needing
      `reason_<kind>` texts in zh and en; order: place among the rules (evaluation, hits,
      summaries; smaller first); quiet_since: for a rule that reads rules_activity's quiet
      clients, the instant before which a last trade keeps a client in that table.
    """

    name: str
    order: int
    config: type[C]
    query: QueryBuilder
    hits: HitBuilder
    explain: Explainer
    reasons: tuple[str, ...] = ()
    quiet_since: QuietSince | None = None

    def settings(self, config: RulesConfig) -> C:
        """This rule's section of the rules file (its defaults when the file has none)."""
        section = config.alerts.get(self.name)
        if isinstance(section, self.config):
            return section
        return self.config.model_validate({})

    def priority(self, config: RulesConfig) -> str:
        return self.settings(config).priority

    @property
    def reason_kinds(self) -> tuple[str, ...]:
        return self.reasons or (self.name,)


def checked_rules(rules: Iterable[AlertRule[Any]]) -> tuple[AlertRule[Any], ...]:
    """The rules in their order; refuses duplicate names or orders and names that alerts.rule
    (VARCHAR(20)), the dedupe key and the text keys cannot hold."""
    ordered = tuple(sorted(rules, key=lambda rule: rule.order))
    names = [rule.name for rule in ordered]
    for name in names:
        if not RULE_NAME.fullmatch(name):
            raise ValueError(f"alert rule name {name!r}: lower-case letters, digits, _; ≤ 20")
    if len(set(names)) != len(names):
        raise ValueError(f"alert rule names repeat: {names}")
    orders = [rule.order for rule in ordered]
    if len(set(orders)) != len(orders):
        raise ValueError(f"alert rule orders repeat: {list(zip(names, orders, strict=True))}")
    return ordered


def with_dedupe(query: AnySelect, key: ColumnElement[str]) -> AnySelect:
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


def percent(part: int, whole: int) -> str:
    """part / whole as a percentage with two decimals, rounded half up, exact (integers only)."""
    sign = "-" if (part < 0) != (whole < 0) and part != 0 else ""
    part, whole = abs(part), abs(whole)
    hundredths = (part * 20000 + whole) // (2 * whole)  # floor(part * 10^4 / whole + 1/2)
    return f"{sign}{hundredths // 100}.{hundredths % 100:02d}"
