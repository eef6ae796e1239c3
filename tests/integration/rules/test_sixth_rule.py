"""A sixth alert rule defined only here, to prove the registry: one module declaring an
`AlertRule` (its config section, set-based SELECT, hits and explanation) plus its texts is
raised, stored, ordered, explained and rendered with no change anywhere else, on SQLite and
PostgreSQL. This module is the whole diff of adding "idle_cash" (docs/architecture.md, "Add an
alert rule"), except that a real rule lives in crm/rules/alert_rules/ (found there by itself)
and its texts in handlers/texts/ rather than in a fixture."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from crm.explain import explain_alerts
from crm.rules import RulesService, load_rules_config
from crm.rules.alert_rules import ALERT_RULES
from crm.rules.explanation import AlertKey, Reason, Yuan, chunks, whole_percent, whole_yuan
from crm.rules.registry import AlertRule, AnySelect, percent, with_dedupe
from crm.rules.results import AlertHit, DataDates, yuan
from crm.rules.schema import AlertRuleConfig, Priority, RulesConfig, as_fraction, to_cents
from crm.rules.sql import Dialect, concat, share_at_least
from handlers.i18n import MESSAGES
from handlers.render.briefing import reason_text
from storage.alert_rows import AlertRow
from storage.engine import session_factory
from storage.rows import ClientRow, SnapshotRow
from storage.uow import UnitOfWorkFactory
from tests.integration.rules.fixture_book import AS_OF, Book

# --- the rule: what would be crm/rules/alert_rules/idle_cash.py ------------------------------


class IdleCashConfig(AlertRuleConfig):
    priority: Priority = "P3"
    min_cash_pct: Decimal = Field(default=Decimal(80), gt=0, le=100)


@dataclass(frozen=True)
class IdleCashFacts:
    day: date
    cash: Yuan
    share: int


def idle_cash_query(dates: DataDates, config: RulesConfig, d: Dialect) -> AnySelect:
    """HNW clients (as_of) holding ≥ 80 % of their total assets in cash."""
    rule = IDLE_CASH.settings(config)
    s, c = SnapshotRow, ClientRow
    cash, total = d.cents(s.cash), d.cents(s.total_assets)
    query = (
        select(c.client_id, c.manager_id, cash.label("cash"), total.label("total"))
        .select_from(s)
        .join(c, c.client_id == s.client_id)
        .where(
            s.date == dates.as_of,
            total > to_cents(config.tiers.hnw_above),
            share_at_least(cash, total, as_fraction(rule.min_cash_pct)),
        )
    )
    return with_dedupe(query, concat("idle_cash:", c.client_id, f":{dates.as_of.isoformat()}"))


def idle_cash_hits(rows: Sequence[Any], dates: DataDates, config: RulesConfig) -> list[AlertHit]:
    rule = IDLE_CASH.settings(config)
    return [
        AlertHit(
            rule="idle_cash",
            client_id=r.client_id,
            manager_id=r.manager_id,
            priority=rule.priority,
            dedupe_key=r.dedupe_key,
            facts={
                "data_date": dates.as_of.isoformat(),
                "cash": yuan(r.cash),
                "total_assets": yuan(r.total),
                "cash_share_pct": percent(r.cash, r.total),
                "min_cash_pct": str(rule.min_cash_pct),
            },
            new=not r.stored,
        )
        for r in rows
    ]


async def explain_idle_cash(
    session: AsyncSession, alerts: Sequence[AlertKey], today: date
) -> dict[int, Reason]:
    out: dict[int, Reason] = {}
    for part in chunks(alerts):
        s = SnapshotRow
        rows = await session.execute(
            select(s.client_id, s.date, s.cash, s.total_assets).where(
                s.client_id.in_([a.client_id for a in part]),
                s.date.in_({a.as_of for a in part}),
            )
        )
        found = {(client_id, day): (cash, total) for client_id, day, cash, total in rows}
        for alert in part:
            if (alert.client_id, alert.as_of) in found:
                cash, total = found[(alert.client_id, alert.as_of)]
                facts = IdleCashFacts(alert.as_of, whole_yuan(cash), whole_percent(cash, total))
                out[alert.alert_id] = Reason("idle_cash", facts)
    return out


IDLE_CASH = AlertRule(
    name="idle_cash",
    order=35,  # after silent_warning (30), before birthday (40)
    config=IdleCashConfig,
    query=idle_cash_query,
    hits=idle_cash_hits,
    explain=explain_idle_cash,
)

# --- its texts: handlers/texts/clients.py (its name on the card) and briefing.py (reasons) ---

TEXTS = {
    "zh": {
        "card_rule_idle_cash": "大额闲置现金",  # handlers/texts/clients.py
        "reason_idle_cash": "{day}现金 {cash} 元，占总资产 {share}%，可沟通资产配置",
    },
    "en": {
        "card_rule_idle_cash": "Large idle cash",
        "reason_idle_cash": "{day}: CNY {cash} in cash, {share}% of total assets",
    },
}


@pytest.fixture
def idle_cash_texts(monkeypatch: pytest.MonkeyPatch) -> None:
    for language, texts in TEXTS.items():
        for key, text in texts.items():
            monkeypatch.setitem(MESSAGES[language], key, text)


# --- the proof -------------------------------------------------------------------------------


def book() -> Book:
    b = Book()
    for client_id, total, cash in (
        ("IDLE_HIT", "8000000", "7000000"),  # 87.5 % cash → hit
        ("IDLE_AT_80", "6000000", "4800000"),  # exactly 80 % → hit (≥)
        ("INVESTED", "9000000", "1000000"),  # 11 % cash → no
        ("SMALL", "900000", "900000"),  # all cash, but not HNW → no
    ):
        b.client(client_id, birthday=date(1980, 3, 10) if client_id == "INVESTED" else None)
        b.snapshots.append(
            {
                "client_id": client_id,
                "date": AS_OF,
                "total_assets": Decimal(total),
                "cash": Decimal(cash),
                "market_value": Decimal(total) - Decimal(cash),
                "inflow": Decimal(0),
                "outflow": Decimal(0),
            }
        )
    return b


async def test_a_rule_defined_only_here_is_raised_ordered_explained_and_rendered(
    engine: AsyncEngine, idle_cash_texts: None
) -> None:
    await book().load(engine)
    uow = UnitOfWorkFactory(session_factory(engine))
    service = RulesService(
        uow,
        load_rules_config(),
        clock=lambda: datetime(2026, 3, 10, 12, 0, tzinfo=UTC),
        rules=(*ALERT_RULES, IDLE_CASH),
    )
    evaluation = await service.evaluate(AS_OF)

    # Raised, with the priority of its config section's defaults (rules.yaml has none).
    idle = [a for a in evaluation.alerts if a.rule == "idle_cash"]
    assert [(a.client_id, a.priority) for a in idle] == [("IDLE_AT_80", "P3"), ("IDLE_HIT", "P3")]
    assert idle[1].as_json() == {
        "rule": "idle_cash",
        "client_id": "IDLE_HIT",
        "manager_id": "M1",
        "priority": "P3",
        "dedupe_key": "idle_cash:IDLE_HIT:2026-03-10",
        "facts": {
            "data_date": "2026-03-10",
            "cash": "7000000.00",
            "total_assets": "8000000.00",
            "cash_share_pct": "87.50",
            "min_cash_pct": "80",
        },
    }
    # Ordered by the registry: the never-trading clients' silent warnings, then idle cash,
    # then the birthday.
    rules = [a.rule for a in evaluation.alerts]
    assert rules == ["silent_warning"] * 4 + ["idle_cash"] * 2 + ["birthday"]
    assert [rule.name for rule in service.rules] == [
        "hnw_outflow",
        "negative_event",
        "silent_warning",
        "idle_cash",
        "birthday",
        "anniversary",
    ]

    # Stored like any alert (alerts.rule has no CHECK of the names); evaluating again raises
    # nothing twice.
    async with uow() as u:
        stored = (
            await u.session.execute(
                select(AlertRow.id, AlertRow.rule, AlertRow.client_id, AlertRow.as_of)
                .where(AlertRow.rule == "idle_cash")
                .order_by(AlertRow.client_id)
            )
        ).all()
        assert [(rule, client) for _, rule, client, _ in stored] == [
            ("idle_cash", "IDLE_AT_80"),
            ("idle_cash", "IDLE_HIT"),
        ]
        again = await service.evaluate(AS_OF)
        assert not [a for a in again.alerts if a.new]

        # Explained from the book, in typed facts …
        keys = [AlertKey(alert_id, rule, client, day) for alert_id, rule, client, day in stored]
        reasons = await explain_alerts(u.session, keys, AS_OF, rules=(*ALERT_RULES, IDLE_CASH))
    hit = reasons[stored[1].id]
    assert hit == Reason("idle_cash", IdleCashFacts(AS_OF, Yuan(7_000_000), 88))

    # … and rendered from its texts in both languages.
    assert reason_text(hit, "zh", AS_OF) == "今日现金 7,000,000 元，占总资产 88%，可沟通资产配置"
    assert reason_text(hit, "en", date(2026, 3, 11)) == (
        "yesterday: CNY 7,000,000 in cash, 88% of total assets"
    )


def test_the_default_registry_is_untouched_by_the_extra_rule() -> None:
    assert "idle_cash" not in [rule.name for rule in ALERT_RULES]
    assert "reason_idle_cash" not in MESSAGES["zh"]
