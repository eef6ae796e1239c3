"""A cheap signature of the latest data the bank fed in, so rules re-run only when it changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from storage.rows import EventRow, HoldingRow, SnapshotRow, TradeRow
from storage.uow import UnitOfWorkFactory


@dataclass(frozen=True)
class DataSignature:
    latest_date: date | None
    snapshots: int
    holdings: int
    events: int
    trades: int


class DataWatch:
    """Reads counts on the latest data date (indexed look-ups, no full scans of history)."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def signature(self) -> DataSignature:
        async with self._uow() as uow:
            session = uow.session
            latest = await session.scalar(select(func.max(SnapshotRow.date)))
            if latest is None:
                return DataSignature(None, 0, 0, 0, 0)
            snapshots = await session.scalar(
                select(func.count()).select_from(SnapshotRow).where(SnapshotRow.date == latest)
            )
            holdings = await session.scalar(
                select(func.count()).select_from(HoldingRow).where(HoldingRow.date == latest)
            )
            events = await session.scalar(
                select(func.count()).select_from(EventRow).where(EventRow.date == latest)
            )
            trades = await session.scalar(select(func.count()).select_from(TradeRow))
            return DataSignature(latest, snapshots or 0, holdings or 0, events or 0, trades or 0)
