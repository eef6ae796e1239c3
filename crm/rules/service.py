"""RulesService: evaluate tiers, tags and alerts for a trading date in one transaction.

Idempotent: the date's tags are replaced (DELETE + INSERT … SELECT), and alerts are inserted
with ON CONFLICT (dedupe_key) DO NOTHING, so evaluating a date twice raises nothing twice.
Alerts that already exist are reported again (new=False) but never rewritten: once raised, an
alert's owner changes only through reassignment, not through re-evaluation.

Tags are kept for the latest `keep_tag_dates` evaluated dates (older dates are dropped by the
evaluation that goes past them): only the latest tags are shown, and a book of a million
clients writes about 1.5 million tag rows a day.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Iterable, Sequence
from contextlib import suppress
from datetime import date, timedelta
from operator import attrgetter
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Date,
    Integer,
    Select,
    String,
    Table,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from audit import Journal
from crm.errors import UsageError
from crm.rules.activity import create_activity, create_reference, drop_activity, drop_reference
from crm.rules.alert_rules import ALERT_RULES
from crm.rules.reasons import tag_facts, tag_reason
from crm.rules.registry import AlertRule, HitBuilder, checked_rules, only_new
from crm.rules.results import AlertHit, DataDates, Evaluation, TagHit
from crm.rules.schema import RulesConfig
from crm.rules.sql import Dialect
from crm.rules.tags import (
    activity_tag_queries,
    insert_tag_rows,
    tag_inputs,
    tag_statements,
    tier_counts,
)
from storage.alert_rows import AlertEventRow, AlertRow, ClientTagRow, RuleEvaluationRow
from storage.clock import Clock, utc_now
from storage.rows import HoldingRow, SnapshotRow
from storage.types import UTCDateTime
from storage.uow import UnitOfWorkFactory

INSERT_BATCH = 50_000  # alerts per INSERT statement
KEEP_TAG_DATES = 5


def id_ranges(ids: Iterable[int]) -> list[list[int]]:
    """Ascending ids as [first, last] runs: every id named, in little space."""
    runs: list[list[int]] = []
    for i in sorted(ids):
        if runs and i == runs[-1][1] + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return runs


class NoSnapshotsError(UsageError):
    """The book has no balances for the date asked (not a trading day, or not imported yet)."""

    code = "no_snapshots"


class RulesService:
    """Evaluates DESIGN §4 over the whole book, set-based, and stores tags and alerts."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        config: RulesConfig,
        *,
        clock: Clock = utc_now,
        timezone: str = "Asia/Shanghai",
        keep_tag_dates: int = KEEP_TAG_DATES,
        rules: Iterable[AlertRule[Any]] = ALERT_RULES,
        journal: Journal | None = None,
        actor: str = "system",
    ) -> None:
        """`rules`: the alert rules to evaluate (the registry's unless given), checked and
        put in their order (crm.rules.registry.checked_rules)."""
        if keep_tag_dates < 1:
            raise ValueError("keep_tag_dates must be at least 1")
        self._uow = uow
        self._config = config
        self._clock = clock
        self._tz = ZoneInfo(timezone)
        self._keep_tag_dates = keep_tag_dates
        self._rules = checked_rules(rules)
        # Each evaluation (tags written, alerts raised) is journaled in its transaction.
        self._journal = journal if journal is not None else Journal(uow, clock=lambda: clock())
        self._actor = actor

    @property
    def config(self) -> RulesConfig:
        return self._config

    @property
    def rules(self) -> tuple[AlertRule[Any], ...]:
        """The alert rules this service evaluates, in their order."""
        return self._rules

    async def latest_data_date(self) -> date | None:
        """The latest snapshot date in the book (the default date to evaluate)."""
        async with self._uow() as uow:
            latest: date | None = await uow.session.scalar(select(func.max(SnapshotRow.date)))
            return latest

    async def evaluate(
        self, as_of: date, *, with_tags: bool = True, with_stored_alerts: bool = True
    ) -> Evaluation:
        """Compute and store as_of's tags and alerts; return every hit, flagging new alerts.

        For very large books: with_tags=False leaves Evaluation.tags empty (the counts stay);
        with_stored_alerts=False returns only the alerts this evaluation raised (what the
        scheduler delivers), not those stored by an earlier one.
        """
        async with self._uow() as uow:
            session = uow.session
            dialect = Dialect(session.get_bind().dialect.name)
            dates = await self._data_dates(session, as_of)
            inputs = tag_inputs(dates, self._config)
            # Two sessions in parallel (WAL readers never wait for the writer): this one writes
            # the tags that need only the book; the second computes the trading activity, hands
            # over the tags that read it as soon as they are selected, then evaluates the alert
            # rules and counts the tiers.
            activity_tags: asyncio.Future[dict[str, list[tuple[str, str]]]]
            activity_tags = asyncio.get_running_loop().create_future()
            reading = asyncio.create_task(
                self._read_side(dates, dialect, with_stored_alerts, activity_tags)
            )
            try:
                await self._store_run(session, as_of, inputs)
                await self._prune(session, as_of)
                await create_reference(session, dates, dialect)
                await session.execute(delete(ClientTagRow).where(ClientTagRow.as_of == as_of))
                counts: dict[str, int] = {}
                for family, statement in tag_statements(dates, self._config, dialect):
                    stored = await session.execute(statement)
                    if family != "tier":
                        counts[family] = stored.rowcount  # type: ignore[attr-defined]
                await drop_reference(session)
                for tag, rows in (await activity_tags).items():
                    counts[tag] = len(rows)
                    if rows:
                        await session.execute(
                            insert_tag_rows(dates, self._config, dialect, tag, rows)
                        )
                alerts, payloads, tiers = await reading
            finally:
                if not reading.done():
                    reading.cancel()
                    with suppress(asyncio.CancelledError):
                        await reading
                elif not reading.cancelled():
                    reading.exception()  # retrieved: the writer already raised it or its own
            counts.update(tiers)
            new_ids, not_ours = await self._store_alerts(session, alerts, payloads, as_of)
            tags = await self._tags(session, as_of, inputs) if with_tags else []
            await self._journal.append(
                self._actor,
                "rules.evaluated",
                f"rules:{as_of.isoformat()}",
                {
                    "rule_version": self._config.version,
                    "tags": {tag: n for tag, n in sorted(counts.items()) if n},
                    "alerts_raised": len(new_ids),
                    "alert_ids": id_ranges(new_ids),
                },
                session=session,
            )
            await uow.commit()
        for index, hit in enumerate(alerts):
            if hit.new and hit.dedupe_key in not_ours:  # a concurrent evaluation stored it
                alerts[index] = dataclasses.replace(hit, new=False)
        if not with_stored_alerts:
            alerts = [hit for hit in alerts if hit.new]
        return Evaluation(
            date=as_of,
            rule_version=self._config.version,
            alerts=alerts,
            tags=tags,
            new_alert_ids=new_ids,
            tag_counts={tag: n for tag, n in sorted(counts.items()) if n},
        )

    async def _store_run(
        self, session: AsyncSession, as_of: date, inputs: dict[str, dict[str, Any]]
    ) -> None:
        """The evaluation's row: version, time and the inputs the date's tags share."""
        await session.execute(delete(RuleEvaluationRow).where(RuleEvaluationRow.as_of == as_of))
        session.add(
            RuleEvaluationRow(
                as_of=as_of,
                rule_version=self._config.version,
                evaluated_at=self._clock(),
                inputs=json.dumps(inputs, ensure_ascii=False, sort_keys=True),
            )
        )
        await session.flush()

    async def _prune(self, session: AsyncSession, as_of: date) -> None:
        """Drop the tags of evaluated dates older than the latest keep_tag_dates (never as_of)."""
        r = RuleEvaluationRow
        kept = (
            await session.scalars(
                select(r.as_of).order_by(r.as_of.desc()).limit(self._keep_tag_dates)
            )
        ).all()
        if len(kept) < self._keep_tag_dates:
            return
        cutoff = min(kept)
        if as_of < cutoff:
            cutoff = as_of
        old = (await session.scalars(select(r.as_of).where(r.as_of < cutoff))).all()
        for day in old:
            await session.execute(delete(ClientTagRow).where(ClientTagRow.as_of == day))
            await session.execute(delete(r).where(r.as_of == day))

    async def _data_dates(self, session: AsyncSession, as_of: date) -> DataDates:
        s, h = SnapshotRow, HoldingRow
        present = await session.scalar(select(s.client_id).where(s.date == as_of).limit(1))
        if present is None:
            latest = await session.scalar(select(func.max(s.date)))
            hint = f"latest snapshot date: {latest}" if latest else "no snapshots imported yet"
            raise NoSnapshotsError(f"no snapshots for {as_of.isoformat()} ({hint})")
        previous = await session.scalar(select(func.max(s.date)).where(s.date < as_of))
        holdings = await session.scalar(select(func.max(h.date)).where(h.date <= as_of))
        target = as_of - timedelta(days=self._config.tags.loyal.lookback_days)
        before = await session.scalar(select(func.max(s.date)).where(s.date <= target))
        after = await session.scalar(
            select(func.min(s.date)).where(s.date > target, s.date < as_of)
        )
        return DataDates(
            as_of=as_of,
            previous_date=previous,
            holdings_date=holdings,
            reference_date=closest(target, before, after),
            timezone=self._tz,
        )

    async def _read_side(
        self,
        dates: DataDates,
        dialect: Dialect,
        with_stored: bool,
        activity_tags: asyncio.Future[dict[str, list[tuple[str, str]]]],
    ) -> tuple[list[AlertHit], list[str], dict[str, int]]:
        """On a second session: the trading activity (a temporary table of its own); the tags
        that read it, as (client_id, facts) rows for the writer, into `activity_tags`; then
        the alert hits with their insert payloads, and the tier counts."""
        try:
            async with self._uow() as uow:
                session = uow.session
                quiet = [r.quiet_since(dates, self._config) for r in self._rules if r.quiet_since]
                await create_activity(session, dates, self._config, dialect, quiet)
                tags: dict[str, list[tuple[str, str]]] = {}
                for tag, query in activity_tag_queries(dates, self._config, dialect):
                    result = await session.execute(query)
                    tags[tag] = [(client_id, facts) for client_id, facts in result]
                activity_tags.set_result(tags)
                found = await self._alert_hits(session, dates, dialect, with_stored)
                alerts = [hit for rule in self._rules for hit in found.get(rule.name, [])]
                building = asyncio.to_thread(alert_payloads, [h for h in alerts if h.new])
                payloading = asyncio.ensure_future(building)  # meanwhile, the tiers are counted
                counting = tier_counts(dates, self._config, dialect)
                tiers = {tag: n for tag, n in (await session.execute(counting)).all()}
                payloads = await payloading
                await drop_activity(session)
                await uow.commit()  # only the temporary table was written
                return alerts, payloads, tiers
        except BaseException as exc:
            if not activity_tags.done():  # never leave the writer waiting for the tags
                if isinstance(exc, asyncio.CancelledError):
                    activity_tags.cancel()
                else:
                    activity_tags.set_exception(exc)
            raise

    async def _alert_hits(
        self,
        session: AsyncSession,
        dates: DataDates,
        dialect: Dialect,
        with_stored: bool,
    ) -> dict[str, list[AlertHit]]:
        """rule → its hits (each rule's sorted by manager, client and key).

        A rule's hits are built from its rows on a worker thread while the next rule's query
        runs: the database works without the GIL, so the two overlap."""
        building: dict[str, asyncio.Future[list[AlertHit]]] = {}
        try:
            for rule in self._rules:
                query = rule.query(dates, self._config, dialect)
                if query is not None and not with_stored:
                    query = only_new(query)
                if query is None:
                    continue
                rows = (await session.execute(query)).all()
                building[rule.name] = asyncio.ensure_future(
                    asyncio.to_thread(_sorted_hits, rule.hits, rows, dates, self._config)
                )
            return {rule: await task for rule, task in building.items()}
        finally:
            for task in building.values():
                if not task.done():
                    task.cancel()

    async def _store_alerts(
        self, session: AsyncSession, hits: list[AlertHit], payloads: list[str], as_of: date
    ) -> tuple[list[int], set[str]]:
        """Insert the new hits (`payloads`: their rows from `alert_payloads`). Returns the ids
        inserted now (ascending) and the keys of new hits that someone else stored meanwhile
        (a concurrent evaluation)."""
        hits = [h for h in hits if h.new]  # the queries flagged the keys already stored
        if not hits:
            return [], set()
        now = self._clock()
        table = cast(Table, AlertRow.__table__)
        dialect = Dialect(session.get_bind().dialect.name)
        make_insert = sqlite_insert if dialect.is_sqlite else postgresql_insert
        # The rows go in as one JSON parameter per batch, with the values every alert of the
        # evaluation shares as constants: per-row parameter sets (executemany) cost about
        # three times as much, and RETURNING more again. The new rows are then the ones of
        # this evaluation without a "raised" event yet, and their events are written set-based.
        columns = list(PAYLOAD_COLUMNS)
        shared = {
            "rule_version": literal(self._config.version, String),
            "as_of": literal(as_of, Date),
            "status": literal("open", String),
            "escalation_level": literal(0, Integer),
            "created_at": literal(now, UTCDateTime),
        }
        for payload in payloads:
            items = dialect.json_rows(payload)
            values = [dialect.json_item(items.c.value, i) for i in range(len(columns))]
            rows = select(*values, *shared.values()).select_from(items).where(true())
            statement = make_insert(table).from_select([*columns, *shared], rows)
            # (WHERE true: SQLite would otherwise read ON CONFLICT as a join constraint)
            await session.execute(
                statement.on_conflict_do_nothing(index_elements=[table.c.dedupe_key])
            )
        a, e = AlertRow, AlertEventRow
        unannounced = (
            select(a.id)
            .where(a.as_of == as_of, a.created_at == now)
            .where(~exists().where(e.alert_id == a.id, e.action == "raised"))
        )
        ids = await _ids_of(session, unannounced)
        not_ours: set[str] = set()
        if len(ids) < len(hits):  # only then fetch the keys (cheaper than always reading them)
            mine = select(a.dedupe_key).where(a.id.in_(unannounced))
            not_ours = {h.dedupe_key for h in hits} - set((await session.scalars(mine)).all())
        if ids:
            detail = json.dumps({"rule_version": self._config.version, "as_of": str(as_of)})
            raised = select(
                a.id,
                literal("raised", String),
                literal(now, UTCDateTime),
                literal(detail, String),
            ).where(a.id.in_(unannounced))
            await session.execute(
                insert(e).from_select(["alert_id", "action", "at", "detail"], raised)
            )
        return ids, not_ours

    async def _tags(
        self, session: AsyncSession, as_of: date, inputs: dict[str, dict[str, Any]]
    ) -> list[TagHit]:
        t = ClientTagRow
        result = await session.execute(
            select(t.client_id, t.tag, t.facts).where(t.as_of == as_of).order_by(t.client_id, t.tag)
        )
        return [
            TagHit(client_id, tag, tag_reason(tag, tag_facts(tag, facts, inputs)))
            for client_id, tag, facts in result.all()
        ]


def _sorted_hits(
    make_hits: HitBuilder, rows: Sequence[Any], dates: DataDates, config: RulesConfig
) -> list[AlertHit]:
    hits = make_hits(rows, dates, config)
    hits.sort(key=attrgetter("manager_id", "client_id", "dedupe_key"))
    return hits


PAYLOAD_COLUMNS = ("dedupe_key", "rule", "priority", "client_id", "manager_id", "facts")


def alert_payloads(hits: Sequence[AlertHit]) -> list[str]:
    """The hits as JSON arrays of PAYLOAD_COLUMNS, INSERT_BATCH to a text. Built on the reading
    session's side, so this Python work overlaps the writer's statements."""
    return [
        json.dumps(
            [
                [
                    h.dedupe_key,
                    h.rule,
                    h.priority,
                    h.client_id,
                    h.manager_id,
                    json.dumps(h.facts, ensure_ascii=False, sort_keys=True),
                ]
                for h in hits[start : start + INSERT_BATCH]
            ],
            ensure_ascii=False,
        )
        for start in range(0, len(hits), INSERT_BATCH)
    ]


async def _ids_of(session: AsyncSession, ids: Select[int]) -> list[int]:
    """The ids a query selects, ascending. When they form one unbroken range (SQLite numbers
    the rows one transaction inserts consecutively) only its ends are read: fetching a few
    hundred thousand rows costs ~1-2 µs each."""
    found = ids.subquery()
    low, high, count = (
        await session.execute(select(func.min(found.c.id), func.max(found.c.id), func.count()))
    ).one()
    if not count:
        return []
    if high - low + 1 == count:
        return list(range(low, high + 1))
    return list((await session.scalars(select(found.c.id).order_by(found.c.id))).all())


def closest(target: date, before: date | None, after: date | None) -> date | None:
    """The date nearest to target (the earlier one on a tie); None when both are missing."""
    if before is None or after is None:
        return before or after
    return before if (target - before) <= (after - target) else after
