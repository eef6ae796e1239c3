"""Working tables an evaluation fills once and several rules read. Each lives on the session
that reads it, for that session's work only (dropped at the end, and defensively before it is
created): temporary tables are private to their connection.

rules_activity — "when did this client last trade, and how often lately?" asked by the silent
tag, the silent-warning alert and the high_frequency tag, all evaluated on the reading
session: the last trade before the end of as_of and the trades in the high-frequency window.
On SQLite one probe per client into the (client_id, traded_at) index (the cost follows the
number of clients, not years of trade history); on PostgreSQL one hash aggregate over the
trades. Only clients some rule may hit are kept: never traded, silent long enough for the
shortest of the silence rules (the silent tag and each alert rule's `quiet_since`), or
trading often enough for high_frequency.

rules_reference — each client's total assets on the loyal tag's reference date ("a year ago"),
read in one pass over that date instead of one index probe per client; on the writing session,
where the loyal tags are inserted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    case,
    exists,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.schema import CreateTable, DropTable
from sqlalchemy.sql.selectable import ScalarSelect

from crm.rules.results import DataDates
from crm.rules.schema import RulesConfig
from crm.rules.sql import Dialect
from storage.rows import ClientRow, SnapshotRow, TradeRow
from storage.types import UTCDateTime

# Client-side only (not part of the schema or its migrations): a separate MetaData.
_WORKING = MetaData()
ACTIVITY = Table(
    "rules_activity",
    _WORKING,
    Column("client_id", String(32), primary_key=True),
    Column("last_traded_at", UTCDateTime, nullable=True),  # None: never traded before as_of ends
    Column("window_trades", Integer, nullable=False),
    prefixes=["TEMPORARY"],
    sqlite_with_rowid=False,
)
REFERENCE = Table(
    "rules_reference",
    _WORKING,
    Column("client_id", String(32), primary_key=True),
    Column("total_cents", BigInteger, nullable=False),
    prefixes=["TEMPORARY"],
    sqlite_with_rowid=False,
)


def high_frequency_start(dates: DataDates, config: RulesConfig) -> datetime:
    """The first instant of the high_frequency window (as_of included in the window)."""
    first = dates.as_of - timedelta(days=config.tags.high_frequency.window_days - 1)
    return dates.start_utc(first)


def silent_tag_start(dates: DataDates, config: RulesConfig) -> datetime:
    """A client whose last trade is before this instant has the silent tag's quiet window."""
    return dates.start_utc(dates.as_of - timedelta(days=config.tags.silent.days - 1))


async def create_activity(
    session: AsyncSession,
    dates: DataDates,
    config: RulesConfig,
    dialect: Dialect,
    quiet_since: Sequence[datetime] = (),
) -> None:
    """Create and fill rules_activity on this session's connection. `quiet_since`: for each
    alert rule that reads the table, the instant before which a last trade keeps a client in
    it (`AlertRule.quiet_since`)."""
    await drop_activity(session)
    await session.execute(CreateTable(ACTIVITY))
    make = _activity_by_probes if dialect.is_sqlite else _activity_by_aggregate
    wanted = make(dates, config, _quiet_before(dates, config, quiet_since))
    await session.execute(ACTIVITY.insert().from_select(list(ACTIVITY.c.keys()), wanted))
    if not dialect.is_sqlite:  # temporary tables are never auto-analysed
        await session.execute(text("ANALYZE rules_activity"))


async def create_reference(session: AsyncSession, dates: DataDates, dialect: Dialect) -> None:
    """Create rules_reference on this session's connection; filled when reference_date is known."""
    await drop_reference(session)
    await session.execute(CreateTable(REFERENCE))
    if dates.reference_date is None:
        return
    s = SnapshotRow
    await session.execute(
        REFERENCE.insert().from_select(
            list(REFERENCE.c.keys()),
            select(s.client_id, dialect.cents(s.total_assets)).where(
                s.date == dates.reference_date
            ),
        )
    )
    if not dialect.is_sqlite:
        await session.execute(text("ANALYZE rules_reference"))


def _activity_by_probes(
    dates: DataDates, config: RulesConfig, quiet_before: datetime
) -> Select[*tuple[Any, ...]]:
    """SQLite: per client, index probes into (client_id, traded_at) — cheaper there than
    grouping every trade, and independent of how many years of trades the book holds."""
    c, t = ClientRow, TradeRow
    end = dates.end_utc
    last = (
        select(func.max(t.traded_at))
        .where(t.client_id == c.client_id, t.traded_at < end)
        .scalar_subquery()
    )

    def recent() -> ScalarSelect[int]:
        return (
            select(func.count())
            .where(
                t.client_id == c.client_id,
                t.traded_at >= high_frequency_start(dates, config),
                t.traded_at < end,
            )
            .scalar_subquery()
        )

    # The filter probes for a trade in the quiet window rather than testing `last`: SQLite
    # would evaluate the `last` subquery again for every mention of it.
    quiet = ~exists().where(
        t.client_id == c.client_id, t.traded_at >= quiet_before, t.traded_at < end
    )
    return select(c.client_id, last, recent()).where(
        or_(quiet, recent() > config.tags.high_frequency.more_than)
    )


def _activity_by_aggregate(
    dates: DataDates, config: RulesConfig, quiet_before: datetime
) -> Select[*tuple[Any, ...]]:
    """PostgreSQL: one hash aggregate over the trades, joined to the clients (a correlated
    probe per client costs it far more than SQLite)."""
    c, t = ClientRow, TradeRow
    recent_trade = case((t.traded_at >= high_frequency_start(dates, config), 1), else_=0)
    per_client = (
        select(
            t.client_id.label("client_id"),
            func.max(t.traded_at).label("last"),
            func.sum(recent_trade).label("recent"),
        )
        .where(t.traded_at < dates.end_utc)
        .group_by(t.client_id)
        .subquery()
    )
    a = per_client.c
    recent = func.coalesce(a.recent, 0)
    return (
        select(c.client_id, a.last, recent)
        .select_from(c)
        .outerjoin(per_client, a.client_id == c.client_id)
        .where(
            or_(
                a.last.is_(None),
                a.last < quiet_before,
                recent > config.tags.high_frequency.more_than,
            )
        )
    )


def _quiet_before(
    dates: DataDates, config: RulesConfig, quiet_since: Sequence[datetime]
) -> datetime:
    """Clients whose last trade is before this instant may be silent by the tag or a rule."""
    return max([silent_tag_start(dates, config), *quiet_since])


async def drop_activity(session: AsyncSession) -> None:
    await session.execute(DropTable(ACTIVITY, if_exists=True))


async def drop_reference(session: AsyncSession) -> None:
    await session.execute(DropTable(REFERENCE, if_exists=True))
