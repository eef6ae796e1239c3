"""One pass over trades per evaluation: each client's last trade and recent trade count.

The silent tag, the silent-warning alert and the high_frequency tag all ask "when did this
client last trade, and how often lately?". Rather than three scans (or two index probes per
client), one GROUP BY over the (client_id, traded_at) index fills a temporary table that lives
for the evaluation's transaction only: dropped at the end, and defensively before creating it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Column, Integer, MetaData, String, Table, case, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.schema import CreateTable, DropTable

from crm.rules.config import RulesConfig
from crm.rules.results import DataDates
from storage.rows import TradeRow
from storage.types import UTCDateTime

# Client-side only (not part of the schema or its migrations): a separate MetaData.
ACTIVITY = Table(
    "rules_activity",
    MetaData(),
    Column("client_id", String(32), primary_key=True),
    Column("last_traded_at", UTCDateTime, nullable=False),
    Column("window_trades", Integer, nullable=False),
    prefixes=["TEMPORARY"],
    sqlite_with_rowid=False,
)


def high_frequency_start(dates: DataDates, config: RulesConfig) -> datetime:
    """The first instant of the high_frequency window (as_of included in the window)."""
    first = dates.as_of - timedelta(days=config.tags.high_frequency.window_days - 1)
    return dates.start_utc(first)


async def create_activity(session: AsyncSession, dates: DataDates, config: RulesConfig) -> None:
    """Fill rules_activity: one row per client with a trade before the end of as_of."""
    t = TradeRow
    await session.execute(DropTable(ACTIVITY, if_exists=True))
    await session.execute(CreateTable(ACTIVITY))
    recent = case((t.traded_at >= high_frequency_start(dates, config), 1), else_=0)
    query = (
        select(t.client_id, func.max(t.traded_at), func.sum(recent))
        .where(t.traded_at < dates.end_utc)
        .group_by(t.client_id)
    )
    await session.execute(ACTIVITY.insert().from_select(list(ACTIVITY.c.keys()), query))
    if session.get_bind().dialect.name != "sqlite":
        await session.execute(
            text("ANALYZE rules_activity")
        )  # temporary tables are never auto-analysed


async def drop_activity(session: AsyncSession) -> None:
    await session.execute(DropTable(ACTIVITY, if_exists=True))
