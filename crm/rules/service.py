"""RulesService: evaluate tiers, tags and alerts for a trading date in one transaction.

Idempotent: the date's tags are replaced (DELETE + INSERT … SELECT), and alerts are inserted
with ON CONFLICT (dedupe_key) DO NOTHING, so evaluating a date twice raises nothing twice.
Alerts that already exist are reported again (new=False) but never rewritten: once raised, an
alert's owner changes only through reassignment, not through re-evaluation.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from operator import attrgetter
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from crm.errors import UsageError
from crm.rules import alerts as rules
from crm.rules.activity import create_activity, drop_activity
from crm.rules.config import RulesConfig
from crm.rules.results import (
    AlertHit,
    DataDates,
    Evaluation,
    TagHit,
)
from crm.rules.sql import Dialect
from crm.rules.tags import tag_statements
from storage.alert_rows import AlertEventRow, AlertRow, ClientTagRow
from storage.rows import HoldingRow, SnapshotRow
from storage.uow import UnitOfWorkFactory

Clock = Callable[[], datetime]
INSERT_BATCH = 5_000


def utc_now() -> datetime:
    return datetime.now(UTC)


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
    ) -> None:
        self._uow = uow
        self._config = config
        self._clock = clock
        self._tz = ZoneInfo(timezone)

    @property
    def config(self) -> RulesConfig:
        return self._config

    async def latest_data_date(self) -> date | None:
        """The latest snapshot date in the book (the default date to evaluate)."""
        async with self._uow() as uow:
            latest: date | None = await uow.session.scalar(select(func.max(SnapshotRow.date)))
            return latest

    async def evaluate(self, as_of: date, *, with_tags: bool = True) -> Evaluation:
        """Compute and store as_of's tags and alerts; return every hit, flagging new alerts.

        with_tags=False leaves Evaluation.tags empty (the counts stay) for very large books.
        """
        async with self._uow() as uow:
            session = uow.session
            dialect = Dialect(session.get_bind().dialect.name)
            dates = await self._data_dates(session, as_of)
            await create_activity(session, dates, self._config)
            await session.execute(delete(ClientTagRow).where(ClientTagRow.as_of == as_of))
            for statement in tag_statements(dates, self._config, dialect):
                await session.execute(statement)
            alerts = await self._alert_hits(session, dates, dialect)
            new_ids = await self._store_alerts(session, alerts, as_of)
            await drop_activity(session)
            tags = await self._tags(session, as_of) if with_tags else []
            counts = await self._tag_counts(session, as_of)
            await uow.commit()
        for index, hit in enumerate(alerts):
            if hit.new and hit.dedupe_key not in new_ids:  # a concurrent evaluation stored it
                alerts[index] = dataclasses.replace(hit, new=False)
        return Evaluation(
            date=as_of,
            rule_version=self._config.version,
            alerts=alerts,
            tags=tags,
            new_alert_ids=sorted(new_ids.values()),
            tag_counts=counts,
        )

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

    async def _alert_hits(
        self, session: AsyncSession, dates: DataDates, dialect: Dialect
    ) -> list[AlertHit]:
        config = self._config
        families: list[
            tuple[Any, Callable[[Sequence[Any], DataDates, RulesConfig], list[AlertHit]]]
        ]
        families = [
            (rules.hnw_outflow_query(dates, config, dialect), rules.hnw_outflow_hits),
            (rules.negative_event_query(dates, config, dialect), rules.negative_event_hits),
            (rules.silent_warning_query(dates, config, dialect), rules.silent_warning_hits),
            (rules.birthday_query(dates, dialect), rules.birthday_hits),
            (rules.anniversary_query(dates, config, dialect), rules.anniversary_hits),
        ]
        hits: list[AlertHit] = []
        for query, convert in families:  # in ALERT_RULE_ORDER, each family sorted on its own
            if query is not None:
                found = convert((await session.execute(query)).all(), dates, config)
                found.sort(key=attrgetter("manager_id", "client_id", "dedupe_key"))
                hits.extend(found)
        return hits

    async def _store_alerts(
        self, session: AsyncSession, hits: list[AlertHit], as_of: date
    ) -> dict[str, int]:
        """Insert the hits not stored yet; returns dedupe_key → id of those inserted now."""
        hits = [h for h in hits if h.new]  # the queries flagged the keys already stored
        if not hits:
            return {}
        now = self._clock()
        table = cast(Table, AlertRow.__table__)
        make_insert = (
            sqlite_insert if session.get_bind().dialect.name == "sqlite" else postgresql_insert
        )
        statement = (
            make_insert(table)
            .on_conflict_do_nothing(index_elements=[table.c.dedupe_key])
            .returning(table.c.id, table.c.dedupe_key)
        )
        inserted: dict[str, int] = {}
        for start in range(0, len(hits), INSERT_BATCH):
            batch = hits[start : start + INSERT_BATCH]
            rows = [
                {
                    "dedupe_key": h.dedupe_key,
                    "rule": h.rule,
                    "rule_version": self._config.version,
                    "priority": h.priority,
                    "client_id": h.client_id,
                    "manager_id": h.manager_id,
                    "as_of": as_of,
                    "facts": json.dumps(h.facts, ensure_ascii=False, sort_keys=True),
                    "status": "open",
                    "escalation_level": 0,
                    "created_at": now,
                }
                for h in batch
            ]
            result = await session.execute(statement, rows)
            inserted.update({key: alert_id for alert_id, key in result.all()})
        if inserted:
            detail = json.dumps({"rule_version": self._config.version, "as_of": str(as_of)})
            events = [
                {"alert_id": alert_id, "action": "raised", "at": now, "detail": detail}
                for alert_id in sorted(inserted.values())
            ]
            for start in range(0, len(events), INSERT_BATCH):
                await session.execute(
                    insert(cast(Table, AlertEventRow.__table__)),
                    events[start : start + INSERT_BATCH],
                )
        return inserted

    async def _tags(self, session: AsyncSession, as_of: date) -> list[TagHit]:
        t = ClientTagRow
        result = await session.execute(
            select(t.client_id, t.tag, t.reason)
            .where(t.as_of == as_of)
            .order_by(t.client_id, t.tag)
        )
        return [TagHit(client_id, tag, reason) for client_id, tag, reason in result.all()]

    async def _tag_counts(self, session: AsyncSession, as_of: date) -> dict[str, int]:
        t = ClientTagRow
        result = await session.execute(
            select(t.tag, func.count()).where(t.as_of == as_of).group_by(t.tag).order_by(t.tag)
        )
        return {tag: count for tag, count in result.all()}


def closest(target: date, before: date | None, after: date | None) -> date | None:
    """The date nearest to target (the earlier one on a tie); None when both are missing."""
    if before is None or after is None:
        return before or after
    return before if (target - before) <= (after - target) else after
