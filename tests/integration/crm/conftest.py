"""A small book on each database: two teams, a compliance officer, three clients, snapshots."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from crm.staff import StaffMember, StaffService
from storage.engine import session_factory
from storage.rows import ClientRow, HoldingRow, SnapshotRow, StaffRow
from storage.uow import UnitOfWorkFactory

AS_OF = date(2026, 11, 20)
NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Book:
    uow: UnitOfWorkFactory
    staff: dict[str, StaffMember]


@pytest.fixture
async def book(engine: AsyncEngine) -> Book:
    uow = UnitOfWorkFactory(session_factory(engine))
    async with uow() as work:
        session = work.session
        session.add_all(
            [
                StaffRow(staff_id="S1", name="周强", role="supervisor"),
                StaffRow(staff_id="S2", name="孙丽华", role="supervisor"),
                StaffRow(staff_id="C1", name="沈静怡", role="compliance"),
            ]
        )
        await session.flush()
        session.add_all(
            [
                StaffRow(staff_id="M1", name="王芳", role="manager", supervisor_id="S1"),
                StaffRow(staff_id="M2", name="李静", role="manager", supervisor_id="S2"),
            ]
        )
        await session.flush()
        clients = [
            ("K1", "张伟", "M1", "6250000.00"),
            ("K2", "张薇", "M1", "1000000.00"),
            ("K3", "金佳燕", "M2", "999999.99"),
        ]
        for client_id, name, manager, _ in clients:
            session.add(
                ClientRow(
                    client_id=client_id,
                    name=name,
                    manager_id=manager,
                    phone="13812345678",
                    id_number="110101199001011234",
                    opened_on=date(2015, 1, 1),
                    risk_level="C3",
                )
            )
        await session.flush()
        for client_id, _, _, total in clients:
            for days_back, factor in ((40, "0.9"), (30, "0.8"), (0, "1")):
                amount = (Decimal(total) * Decimal(factor)).quantize(Decimal("0.01"))
                session.add(
                    SnapshotRow(
                        client_id=client_id,
                        date=AS_OF - timedelta(days=days_back),
                        total_assets=amount,
                        cash=amount,
                        market_value=Decimal(0),
                        inflow=Decimal(0),
                        outflow=Decimal(0),
                    )
                )
        session.add_all(
            [
                HoldingRow(
                    client_id="K1",
                    date=AS_OF,
                    symbol=symbol,
                    name=name,
                    sector="科技",
                    quantity=Decimal(100),
                    market_value=Decimal(value),
                )
                for symbol, name, value in (
                    ("688981", "中芯国际", 300),
                    ("600519", "贵州茅台", 100),
                )
            ]
        )
        await work.commit()
    staff_service = StaffService(uow)
    members = {sid: await staff_service.get(sid) for sid in ("S1", "S2", "C1", "M1", "M2")}
    return Book(uow, members)
