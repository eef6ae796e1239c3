"""A small hand-made book whose rule hits are computed by hand (see the comment per client).

as_of is Tuesday 2026-03-10; the previous trading day is 2026-03-09; 2025-03-10 holds a few
snapshots "a year ago" for the loyal tag. Times are Asia/Shanghai (UTC+8).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.rows import ClientRow, EventRow, HoldingRow, SnapshotRow, StaffRow, TradeRow

SHANGHAI = ZoneInfo("Asia/Shanghai")
AS_OF = date(2026, 3, 10)
PREVIOUS = date(2026, 3, 9)
YEAR_AGO = date(2025, 3, 10)


def local(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def days_before(n: int) -> date:
    return AS_OF - timedelta(days=n)


@dataclass
class Book:
    """Rows to insert; helpers keep each client's story on a few lines."""

    clients: list[dict[str, Any]] = field(default_factory=list)
    snapshots: list[dict[str, Any]] = field(default_factory=list)
    holdings: list[dict[str, Any]] = field(default_factory=list)
    trades: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)

    def client(
        self,
        client_id: str,
        manager_id: str = "M1",
        *,
        opened_on: date = date(2022, 6, 1),
        birthday: date | None = None,
    ) -> None:
        self.clients.append(
            {
                "client_id": client_id,
                "name": f"客户{client_id}",
                "manager_id": manager_id,
                "phone": None,
                "id_number": None,
                "birthday": birthday,
                "opened_on": opened_on,
                "risk_level": "C3",
            }
        )

    def snapshot(self, client_id: str, day: date, total: str, outflow: str = "0") -> None:
        self.snapshots.append(
            {
                "client_id": client_id,
                "date": day,
                "total_assets": Decimal(total),
                "cash": Decimal(total),
                "market_value": Decimal(0),
                "inflow": Decimal(0),
                "outflow": Decimal(outflow),
            }
        )

    def holding(self, client_id: str, symbol: str, value: str, sector: str | None) -> None:
        self.holdings.append(
            {
                "client_id": client_id,
                "date": AS_OF,
                "symbol": symbol,
                "name": f"股票{symbol}",
                "sector": sector,
                "quantity": Decimal(100),
                "market_value": Decimal(value),
            }
        )

    def trade(self, client_id: str, at: datetime) -> None:
        self.trades.append(
            {
                "trade_id": f"T{len(self.trades) + 1:04d}",
                "client_id": client_id,
                "traded_at": at,
                "symbol": "600000",
                "side": "buy",
                "quantity": Decimal(100),
                "price": Decimal(10),
                "amount": Decimal(1000),
            }
        )

    def event(
        self, event_id: str, symbol: str, day: date, sentiment: str, severity: str, url: str | None
    ) -> None:
        self.events.append(
            {
                "event_id": event_id,
                "symbol": symbol,
                "date": day,
                "title": f"{symbol} 事件 {event_id}",
                "sentiment": sentiment,
                "severity": severity,
                "url": url,
            }
        )

    def both_days(self, client_id: str, total: str) -> None:
        """An ordinary client: the same balance yesterday and today, no outflow."""
        self.snapshot(client_id, PREVIOUS, total)
        self.snapshot(client_id, AS_OF, total)

    async def load(self, engine: AsyncEngine) -> None:
        """Insert the staff (S1, M1, M2) and this book's rows."""
        staff = [
            {"staff_id": "S1", "name": "主管", "role": "supervisor", "supervisor_id": None},
            {"staff_id": "M1", "name": "经理一", "role": "manager", "supervisor_id": "S1"},
            {"staff_id": "M2", "name": "经理二", "role": "manager", "supervisor_id": "S1"},
        ]
        async with engine.begin() as conn:
            await conn.execute(insert(StaffRow), staff)
        await self.load_more(engine)

    async def load_more(self, engine: AsyncEngine) -> None:
        """Insert this book's rows into a database that already has the staff."""
        async with engine.begin() as conn:
            for row_class, rows in (
                (ClientRow, self.clients),
                (SnapshotRow, self.snapshots),
                (HoldingRow, self.holdings),
                (TradeRow, self.trades),
                (EventRow, self.events),
            ):
                if rows:
                    await conn.execute(insert(row_class), rows)


def golden_book() -> Book:
    b = Book()
    # --- hnw_outflow (previous day's total > 5,000,000 and outflow > 30 % of it) -------------
    b.client("OUT_HIT")  # 3,000,000.01 of 10,000,000.00 = 30.0000001 % → hit (P1, M1)
    b.snapshot("OUT_HIT", PREVIOUS, "10000000.00")
    b.snapshot("OUT_HIT", AS_OF, "7000000.00", outflow="3000000.01")
    b.client("OUT_EXACT30")  # exactly 30 % → no hit
    b.snapshot("OUT_EXACT30", PREVIOUS, "10000000.00")
    b.snapshot("OUT_EXACT30", AS_OF, "7000000.00", outflow="3000000.00")
    b.client("OUT_AT_LINE")  # previous total exactly 5,000,000.00 is not HNW → no hit
    b.snapshot("OUT_AT_LINE", PREVIOUS, "5000000.00")
    b.snapshot("OUT_AT_LINE", AS_OF, "2500000.00", outflow="2500000.00")
    b.client("OUT_NO_PREV")  # no snapshot on the previous day → no hit, no crash
    b.snapshot("OUT_NO_PREV", AS_OF, "900000.00", outflow="8100000.00")
    b.client("OUT_MOVED", "M1")  # 40 % outflow; the client moves to M2 before evaluation
    b.snapshot("OUT_MOVED", PREVIOUS, "20000000.00")
    b.snapshot("OUT_MOVED", AS_OF, "12000000.00", outflow="8000000.00")
    b.trade("OUT_MOVED", local(days_before(3)))
    for cid in ("OUT_HIT", "OUT_EXACT30", "OUT_AT_LINE", "OUT_NO_PREV"):
        b.trade(cid, local(days_before(2)))
    # --- tiers on as_of's total assets (other clients' tiers are in the tests) ---------------
    for cid, total in (("TIER_5M", "5000000.00"), ("TIER_5M_01", "5000000.01")):
        b.client(cid)
        b.both_days(cid, total)
        b.trade(cid, local(days_before(1)))
    b.client("TIER_999")
    b.both_days("TIER_999", "999999.99")
    b.trade("TIER_999", local(days_before(1)))
    # --- silent_warning (≥ 30 days since the last trade's local date) ------------------------
    b.client("SILENT_30")  # last trade 2026-02-08 14:00 local: exactly 30 days → hit
    b.both_days("SILENT_30", "200000.00")
    b.trade("SILENT_30", local(days_before(40)))
    b.trade("SILENT_30", local(days_before(30), 14))
    b.client("SILENT_29")  # 2026-02-09 00:30 local (2026-02-08 16:30 UTC): 29 days → no hit
    b.both_days("SILENT_29", "200000.00")
    b.trade("SILENT_29", local(days_before(29), 0, 30))
    b.client("NEVER_TRADED", opened_on=date(2025, 1, 2))  # no trade ever → hit ('never'), silent
    b.both_days("NEVER_TRADED", "50000.00")
    b.client("SILENT_90")  # last trade on as_of − 90: warning, and the 90-day silent tag
    b.both_days("SILENT_90", "80000.00")
    b.trade("SILENT_90", local(days_before(90)))
    b.client("NEW_QUIET", opened_on=days_before(9))  # opened 9 days ago, no trade → new only
    b.snapshot("NEW_QUIET", AS_OF, "10000.00")
    b.client("FUTURE_TRADER")  # trades only after as_of are ignored → hit (last 2026-01-20)
    b.both_days("FUTURE_TRADER", "300000.00")
    b.trade("FUTURE_TRADER", local(date(2026, 1, 20)))
    b.trade("FUTURE_TRADER", local(AS_OF + timedelta(days=1)))
    # --- negative_event (negative major today on a symbol ≥ 20 % of the holdings) -------------
    b.event("EV_NEG", "300750", AS_OF, "negative", "major", None)  # no research url (NULL)
    b.event("EV_MINOR", "600036", AS_OF, "negative", "minor", "https://r.example/minor")
    b.event("EV_POS", "000001", AS_OF, "positive", "major", "https://r.example/pos")
    b.event("EV_OLD", "300750", PREVIOUS, "negative", "major", "https://r.example/old")
    b.event("EV_NEG2", "600519", AS_OF, "negative", "major", "https://r.example/600519")
    b.client("HOLD_20", "M2")  # 300750 is exactly 20.00 % → hit (P2, M2), url null
    b.both_days("HOLD_20", "1000000.00")
    b.holding("HOLD_20", "300750", "200000.00", "新能源")
    b.holding("HOLD_20", "600000", "800000.00", None)  # NULL sector
    b.client("HOLD_1999")  # 19.99 % → no hit
    b.both_days("HOLD_1999", "1000000.00")
    b.holding("HOLD_1999", "300750", "199900.00", "新能源")
    b.holding("HOLD_1999", "600000", "800100.00", "金融")
    b.client("HOLD_OTHER")  # heavy in the minor / positive events' symbols only → no hit
    b.both_days("HOLD_OTHER", "1000000.00")
    b.holding("HOLD_OTHER", "600036", "500000.00", "金融")
    b.holding("HOLD_OTHER", "000001", "500000.00", "金融")
    b.client("HOLD_TWO")  # 600519 at 50 % → hit with its url; 300750 at 10 % → none
    b.both_days("HOLD_TWO", "1000000.00")
    b.holding("HOLD_TWO", "600519", "500000.00", "消费")
    b.holding("HOLD_TWO", "300750", "100000.00", "新能源")
    b.holding("HOLD_TWO", "688111", "400000.00", "科技")
    # --- tags ---------------------------------------------------------------------------------
    b.client("TECH_60")  # 科技 exactly 60 % → tech_preference
    b.both_days("TECH_60", "1000000.00")
    b.holding("TECH_60", "688111", "600000.00", "科技")
    b.holding("TECH_60", "600000", "400000.00", None)
    b.client("TECH_59")  # 科技 59.99 % → no tag
    b.both_days("TECH_59", "1000000.00")
    b.holding("TECH_59", "688111", "599900.00", "科技")
    b.holding("TECH_59", "600000", "400100.00", "金融")
    b.client("FREQ_11")  # 11 trades within the last 30 days (the first on as_of − 29) → tag
    b.both_days("FREQ_11", "300000.00")
    for n in range(11):
        b.trade("FREQ_11", local(days_before(29 - n)))
    b.client("FREQ_10")  # 10 trades inside, 1 on as_of − 30 (outside) → no tag
    b.both_days("FREQ_10", "300000.00")
    for n in range(10):
        b.trade("FREQ_10", local(days_before(29 - n)))
    b.trade("FREQ_10", local(days_before(30)))
    b.client("LOYAL", opened_on=date(2015, 3, 1))  # > 5 years, 1,200,000 > 1,000,000 → loyal
    b.snapshot("LOYAL", YEAR_AGO, "1000000.00")
    b.both_days("LOYAL", "1200000.00")
    b.client("NOT_LOYAL", opened_on=date(2015, 3, 1))  # assets fell → not loyal
    b.snapshot("NOT_LOYAL", YEAR_AGO, "1500000.00")
    b.both_days("NOT_LOYAL", "1200000.00")
    b.client("YOUNG", opened_on=date(2021, 3, 11))  # 4 years 364 days: too young for loyal
    b.snapshot("YOUNG", YEAR_AGO, "100.00")
    b.both_days("YOUNG", "1200000.00")
    for cid in ("LOYAL", "NOT_LOYAL", "YOUNG", "TECH_60", "TECH_59", "HOLD_20", "HOLD_1999"):
        b.trade(cid, local(days_before(1)))
    for cid in ("HOLD_OTHER", "HOLD_TWO"):
        b.trade(cid, local(days_before(1)))
    # --- birthday / anniversary (month-day of as_of) -----------------------------------------
    b.client("BDAY", birthday=date(1980, 3, 10))  # → birthday
    b.both_days("BDAY", "100000.00")
    b.client("BDAY_TOMORROW", birthday=date(1980, 3, 11))  # → none
    b.both_days("BDAY_TOMORROW", "100000.00")
    b.client("ANNIV_10", opened_on=date(2016, 3, 10))  # → anniversary, 10 years; no snapshot a
    # year ago, so not loyal whatever its assets
    b.both_days("ANNIV_10", "100000.00")
    b.client("OPENED_TODAY", opened_on=AS_OF)  # 0 whole years → no anniversary; new
    b.snapshot("OPENED_TODAY", AS_OF, "1000.00")
    for cid in ("BDAY", "BDAY_TOMORROW", "ANNIV_10", "OPENED_TODAY"):
        b.trade(cid, local(AS_OF, 9, 45))
    return b
