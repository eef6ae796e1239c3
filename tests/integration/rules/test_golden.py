"""Golden tests: the hand-computed hits of fixture_book on SQLite and PostgreSQL, boundaries
included (exactly 30 %, exactly 30 days, exactly 20 %, a missing previous snapshot, NULLs, a
client who changed manager), and idempotent re-evaluation."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from crm.rules import Evaluation, NoSnapshotsError, RulesService, load_rules_config
from crm.rules.reasons import tag_facts
from storage.alert_rows import AlertEventRow, AlertRow, ClientTagRow, RuleEvaluationRow
from storage.engine import session_factory
from storage.rows import ClientRow
from storage.uow import UnitOfWorkFactory
from tests.integration.rules.fixture_book import AS_OF, PREVIOUS, YEAR_AGO, golden_book

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def make_service(engine: AsyncEngine) -> RulesService:
    return RulesService(
        UnitOfWorkFactory(session_factory(engine)),
        load_rules_config(),
        clock=lambda: NOW,
        timezone="Asia/Shanghai",
    )


@pytest.fixture
async def service(engine: AsyncEngine) -> RulesService:
    await golden_book().load(engine)
    async with engine.begin() as conn:  # the client changes manager after the data was loaded
        await conn.execute(
            update(ClientRow).where(ClientRow.client_id == "OUT_MOVED").values(manager_id="M2")
        )
    return make_service(engine)


@pytest.fixture
async def evaluation(service: RulesService) -> Evaluation:
    return await service.evaluate(AS_OF)


def hits(evaluation: Evaluation, rule: str) -> dict[str, str]:
    """client_id → manager_id of the rule's alerts."""
    return {a.client_id: a.manager_id for a in evaluation.alerts if a.rule == rule}


def tagged(evaluation: Evaluation, tag: str) -> set[str]:
    return {t.client_id for t in evaluation.tags if t.tag == tag}


def alert(evaluation: Evaluation, rule: str, client_id: str) -> dict[str, object]:
    (found,) = [a for a in evaluation.alerts if a.rule == rule and a.client_id == client_id]
    return found.as_json()


async def test_hnw_outflow_is_strictly_above_30_percent_of_the_previous_day(
    evaluation: Evaluation,
) -> None:
    # OUT_EXACT30 (exactly 30 %), OUT_AT_LINE (not HNW the day before) and OUT_NO_PREV
    # (no previous snapshot) raise nothing; OUT_MOVED goes to its new manager M2.
    assert hits(evaluation, "hnw_outflow") == {"OUT_HIT": "M1", "OUT_MOVED": "M2"}
    found = alert(evaluation, "hnw_outflow", "OUT_HIT")
    assert found["priority"] == "P1"
    assert found["dedupe_key"] == "hnw_outflow:OUT_HIT:2026-03-10"
    assert found["facts"] == {
        "data_date": "2026-03-10",
        "previous_date": "2026-03-09",
        "previous_total_assets": "10000000.00",
        "outflow": "3000000.01",
        "outflow_share_pct": "30.00",
        "more_than_pct": "30",
        "total_assets": "7000000.00",
        "hnw_above": "5000000.00",
        "tier_basis": "previous_day_total_assets",
    }


async def test_silent_warning_from_exactly_30_days_in_local_dates(evaluation: Evaluation) -> None:
    # SILENT_29's last trade is 2026-02-08 16:30 UTC but 2026-02-09 in Shanghai: 29 days.
    # NEW_QUIET never traded but opened 9 days ago; FUTURE_TRADER's trade after as_of is ignored.
    assert hits(evaluation, "silent_warning") == {
        "SILENT_30": "M1",
        "SILENT_90": "M1",
        "NEVER_TRADED": "M1",
        "FUTURE_TRADER": "M1",
    }
    exact = alert(evaluation, "silent_warning", "SILENT_30")
    assert exact["priority"] == "P3"
    assert exact["dedupe_key"] == "silent_warning:SILENT_30:2026-02-08"
    assert exact["facts"]["days_without_trade"] == 30
    never = alert(evaluation, "silent_warning", "NEVER_TRADED")
    assert never["dedupe_key"] == "silent_warning:NEVER_TRADED:never"
    assert never["facts"]["last_trade_date"] is None
    assert never["facts"]["silent_since"] == "2025-01-02"
    future = alert(evaluation, "silent_warning", "FUTURE_TRADER")
    assert future["facts"]["last_trade_date"] == "2026-01-20"


async def test_negative_event_from_exactly_20_percent_of_the_holdings(
    evaluation: Evaluation,
) -> None:
    # HOLD_1999 holds 19.99 %; HOLD_OTHER's events are minor or positive; EV_OLD is yesterday's.
    assert hits(evaluation, "negative_event") == {"HOLD_20": "M2", "HOLD_TWO": "M1"}
    exact = alert(evaluation, "negative_event", "HOLD_20")
    assert exact["priority"] == "P2"
    assert exact["dedupe_key"] == "negative_event:HOLD_20:EV_NEG"
    facts = exact["facts"]
    assert isinstance(facts, dict)
    assert facts["research_url"] is None  # the event has no url (NULL)
    assert (facts["share_pct"], facts["holding_value"], facts["market_value"]) == (
        "20.00",
        "200000.00",
        "1000000.00",
    )
    two = alert(evaluation, "negative_event", "HOLD_TWO")["facts"]
    assert isinstance(two, dict)
    assert (two["symbol"], two["research_url"]) == ("600519", "https://r.example/600519")


async def test_birthday_and_anniversary_greetings(evaluation: Evaluation) -> None:
    # Birthdays are NULL for most clients; OPENED_TODAY has no whole year yet.
    assert hits(evaluation, "birthday") == {"BDAY": "M1"}
    assert hits(evaluation, "anniversary") == {"ANNIV_10": "M1"}
    assert alert(evaluation, "anniversary", "ANNIV_10")["facts"]["years"] == 10  # type: ignore[index]
    assert alert(evaluation, "birthday", "BDAY")["priority"] == "P4"


async def test_tiers_on_as_of_total_assets(evaluation: Evaluation) -> None:
    assert tagged(evaluation, "tier:hnw") == {"OUT_HIT", "OUT_EXACT30", "OUT_MOVED", "TIER_5M_01"}
    wealth = tagged(evaluation, "tier:wealth")
    assert {"TIER_5M", "OUT_AT_LINE", "HOLD_20", "LOYAL"} <= wealth
    assert {"TIER_999", "OUT_NO_PREV", "NEVER_TRADED"} <= tagged(evaluation, "tier:mass")
    reasons = {(t.client_id, t.tag): t.reason for t in evaluation.tags}
    assert reasons[("TIER_5M_01", "tier:hnw")] == (
        "高净值：总资产 5,000,000.01 元 > 5,000,000.00 元（数据日 2026-03-10）"
    )
    assert reasons[("TIER_999", "tier:mass")] == (
        "大众：总资产 999,999.99 元 < 1,000,000.00 元（数据日 2026-03-10）"
    )


async def test_tags_with_their_boundaries(evaluation: Evaluation) -> None:
    assert tagged(evaluation, "high_frequency") == {"FREQ_11"}
    assert tagged(evaluation, "silent") == {"SILENT_90", "NEVER_TRADED"}
    assert tagged(evaluation, "tech_preference") == {"TECH_60"}
    assert tagged(evaluation, "new") == {"NEW_QUIET", "OPENED_TODAY"}
    assert tagged(evaluation, "loyal") == {"LOYAL"}
    reasons = {(t.client_id, t.tag): t.reason for t in evaluation.tags}
    assert reasons[("FREQ_11", "high_frequency")] == (
        "高频交易：2026-02-09 至 2026-03-10（30 天）共 11 笔交易，多于 10 笔（数据日 2026-03-10）"
    )
    assert "60.0% ≥ 60%" in reasons[("TECH_60", "tech_preference")]
    assert reasons[("LOYAL", "loyal")] == (
        "忠诚客户：开户日 2015-03-01 早于 2021-03-10（开户超过 5 年），总资产 1,200,000.00 元"
        "（2026-03-10）高于参考日 2025-03-10 的 1,000,000.00 元（一年前 2025-03-10 的快照）"
    )


async def test_each_tag_stores_rule_version_inputs_and_data_date(
    evaluation: Evaluation, engine: AsyncEngine
) -> None:
    """Each tag row stores its version and the client's own inputs; the inputs all tags of
    the date share (data date, thresholds, reference date) are stored once with the run."""
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                select(ClientTagRow.tag, ClientTagRow.rule_version, ClientTagRow.facts).where(
                    ClientTagRow.tag != "tier:wealth",
                    ClientTagRow.client_id.in_(["LOYAL", "TECH_60"]),
                )
            )
        ).all()
        run = (await conn.execute(select(RuleEvaluationRow))).one()
    inputs = json.loads(run.inputs)
    own = {tag: json.loads(text) for tag, _, text in rows}
    assert {version for _, version, _ in rows} == {evaluation.rule_version} == {run.rule_version}
    assert run.as_of == AS_OF and run.evaluated_at == NOW
    assert own["loyal"] == {
        "opened_on": "2015-03-01",
        "total_assets_cents": 120000000,
        "reference_total_assets_cents": 100000000,
    }
    assert own["tech_preference"]["tech_value_cents"] == 60000000
    assert inputs["loyal"]["reference_date"] == YEAR_AGO.isoformat()
    assert inputs["loyal"]["reference_is_approximate"] is False
    assert inputs["tech_preference"]["holdings_date"] == "2026-03-10"
    assert inputs["tier"]["hnw_above"] == "5000000.00"
    assert {f["data_date"] for f in inputs.values()} == {"2026-03-10"}
    facts = tag_facts("loyal", own["loyal"], inputs)  # what explains the tag: both merged
    assert facts["rule"] == "loyal" and facts["total_assets_cents"] == 120000000
    assert facts["reference_date"] == YEAR_AGO.isoformat()


async def test_evaluating_twice_stores_nothing_twice(
    service: RulesService, evaluation: Evaluation, engine: AsyncEngine
) -> None:
    assert len(evaluation.new_alert_ids) == len(evaluation.alerts) == 10
    assert all(a.new for a in evaluation.alerts)
    again = await service.evaluate(AS_OF)
    assert again.new_alert_ids == []
    assert not any(a.new for a in again.alerts)
    assert [a.as_json() for a in again.alerts] == [a.as_json() for a in evaluation.alerts]
    assert again.tags == evaluation.tags
    async with engine.connect() as conn:
        alerts = await conn.scalar(select(func.count()).select_from(AlertRow))
        raised = await conn.scalar(select(func.count()).select_from(AlertEventRow))
        tags = await conn.scalar(select(func.count()).select_from(ClientTagRow))
        stored = (await conn.execute(select(AlertRow.rule_version, AlertRow.status))).all()
    assert (alerts, raised, tags) == (10, 10, len(evaluation.tags))
    assert set(stored) == {(evaluation.rule_version, "open")}


async def test_a_date_without_snapshots_is_refused(service: RulesService) -> None:
    with pytest.raises(NoSnapshotsError, match="latest snapshot date: 2026-03-10"):
        await service.evaluate(date(2026, 3, 11))


async def test_silent_warning_alerts_once_per_silent_spell(
    service: RulesService, engine: AsyncEngine
) -> None:
    from tests.integration.rules.fixture_book import Book, local

    later = Book()
    for day in (date(2026, 3, 11), date(2026, 4, 13)):
        later.snapshot("SILENT_30", day, "200000.00")
    await later.load_more(engine)
    first = await service.evaluate(AS_OF)
    next_day = await service.evaluate(date(2026, 3, 11))
    spell = {a.dedupe_key: a.new for a in next_day.alerts if a.client_id == "SILENT_30"}
    assert spell == {"silent_warning:SILENT_30:2026-02-08": False}  # same spell: no new alert
    assert any(a.client_id == "SILENT_30" and a.new for a in first.alerts)
    trade = Book()
    trade.trade("SILENT_30", local(date(2026, 3, 12)))
    trade.trades[0]["trade_id"] = "T-NEW-SPELL"
    await trade.load_more(engine)
    later_spell = await service.evaluate(date(2026, 4, 13))  # 32 days after the new trade
    (new,) = [a for a in later_spell.alerts if a.client_id == "SILENT_30"]
    assert (new.dedupe_key, new.new) == ("silent_warning:SILENT_30:2026-03-12", True)
    assert new.facts["days_without_trade"] == 32
    assert (date(2026, 4, 13) - timedelta(days=32)).isoformat() == "2026-03-12"


async def test_the_scheduler_path_returns_only_alerts_it_raised(
    service: RulesService, engine: AsyncEngine
) -> None:
    """with_stored_alerts=False (what the running bot delivers from): the first evaluation
    reports every hit as new, the next one nothing — and stores exactly the same."""
    first = await service.evaluate(AS_OF, with_tags=False, with_stored_alerts=False)
    assert len(first.alerts) == len(first.new_alert_ids) == 10 and all(a.new for a in first.alerts)
    assert first.tags == [] and sum(first.tag_counts.values()) > 0
    again = await service.evaluate(AS_OF, with_tags=False, with_stored_alerts=False)
    assert again.alerts == [] and again.new_alert_ids == []
    assert again.tag_counts == first.tag_counts
    full = await service.evaluate(AS_OF)  # the CLI still lists them all, none new
    assert {a.dedupe_key for a in full.alerts} == {a.dedupe_key for a in first.alerts}
    async with engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(AlertRow)) == 10


async def test_tags_are_kept_for_the_latest_evaluated_dates_only(engine: AsyncEngine) -> None:
    await golden_book().load(engine)
    service = RulesService(
        UnitOfWorkFactory(session_factory(engine)),
        load_rules_config(),
        clock=lambda: NOW,
        keep_tag_dates=2,
    )

    async def stored_dates() -> tuple[list[date], list[date]]:
        async with engine.connect() as conn:
            tags = await conn.scalars(select(ClientTagRow.as_of).distinct())
            runs = await conn.scalars(select(RuleEvaluationRow.as_of))
            return sorted(tags), sorted(runs)

    for day in (YEAR_AGO, PREVIOUS, AS_OF):
        await service.evaluate(day, with_tags=False)
    assert await stored_dates() == ([PREVIOUS, AS_OF], [PREVIOUS, AS_OF])
    again = await service.evaluate(AS_OF)  # re-evaluating the newest drops nothing more
    assert await stored_dates() == ([PREVIOUS, AS_OF], [PREVIOUS, AS_OF])
    assert again.tags
    old = await service.evaluate(YEAR_AGO)  # an old date asked for explicitly: kept, and shown
    assert old.tags and await stored_dates() == (
        [YEAR_AGO, PREVIOUS, AS_OF],
        [YEAR_AGO, PREVIOUS, AS_OF],
    )


class RacedService(RulesService):
    """Another evaluation stores one of the hits between this one's rule queries and its insert."""

    async def _store_alerts(self, session, hits, payloads, as_of):  # type: ignore[no-untyped-def]
        # A hit in the middle: on PostgreSQL its failed insert uses up a sequence value, so
        # this evaluation's ids have a gap (the path that reads them row by row).
        fresh = [h for h in hits if h.new]
        first = fresh[len(fresh) // 2]
        session.add(
            AlertRow(
                dedupe_key=first.dedupe_key,
                rule=first.rule,
                rule_version="other",
                priority=first.priority,
                client_id=first.client_id,
                manager_id=first.manager_id,
                as_of=as_of,
                facts="{}",
                status="open",
                created_at=NOW - timedelta(seconds=1),
            )
        )
        await session.flush()
        self.raced = first.dedupe_key
        return await super()._store_alerts(session, hits, payloads, as_of)


async def test_an_alert_stored_meanwhile_by_another_evaluation_is_not_reported_as_new(
    service: RulesService, engine: AsyncEngine
) -> None:
    raced = RacedService(
        UnitOfWorkFactory(session_factory(engine)), load_rules_config(), clock=lambda: NOW
    )
    evaluation = await raced.evaluate(AS_OF)
    (lost,) = [a for a in evaluation.alerts if a.dedupe_key == raced.raced]
    assert not lost.new
    assert sum(a.new for a in evaluation.alerts) == len(evaluation.alerts) - 1 == 9
    async with engine.connect() as conn:
        rows = (await conn.execute(select(AlertRow.id, AlertRow.rule_version))).all()
        raised = (await conn.scalars(select(AlertEventRow.alert_id))).all()
    ours = sorted(i for i, version in rows if version != "other")
    assert evaluation.new_alert_ids == ours and len(ours) == 9
    assert sorted(raised) == ours  # the other evaluation's alert is its own to announce


class BrokenRule(RulesService):
    """An alert rule fails on the reading session after the activity tags were handed over."""

    async def _alert_hits(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("rule query failed")


async def _nothing_stored(engine: AsyncEngine) -> bool:
    async with engine.connect() as conn:
        tags = await conn.scalar(select(func.count()).select_from(ClientTagRow))
        alerts = await conn.scalar(select(func.count()).select_from(AlertRow))
        runs = await conn.scalar(select(func.count()).select_from(RuleEvaluationRow))
    return (tags, alerts, runs) == (0, 0, 0)


async def test_a_failing_alert_rule_fails_the_evaluation_and_stores_nothing(
    service: RulesService, engine: AsyncEngine
) -> None:
    broken = BrokenRule(
        UnitOfWorkFactory(session_factory(engine)), load_rules_config(), clock=lambda: NOW
    )
    with pytest.raises(RuntimeError, match="rule query failed"):
        await asyncio.wait_for(broken.evaluate(AS_OF), timeout=60)  # a hang fails, not blocks
    assert await _nothing_stored(engine)


async def test_a_failing_activity_query_does_not_leave_the_writer_waiting(
    service: RulesService, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: object) -> None:
        raise RuntimeError("activity failed")

    monkeypatch.setattr("crm.rules.service.create_activity", broken)
    with pytest.raises(RuntimeError, match="activity failed"):
        await asyncio.wait_for(service.evaluate(AS_OF), timeout=60)
    assert await _nothing_stored(engine)
    monkeypatch.undo()
    assert len((await service.evaluate(AS_OF)).new_alert_ids) == 10  # and the next run works
