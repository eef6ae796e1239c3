"""Typed ORM rows for the data the brokerage feeds in, plus staff access (invites).

Natural keys from the bank's files are the primary keys, so CSV upserts need no id lookups.
Money is NUMERIC(18, 2) in CNY; enumerations are guarded by CHECK constraints.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    Time,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base
from storage.types import UTCDateTime

Money = Numeric(18, 2)
Quantity = Numeric(20, 4)

STAFF_ROLES = ("manager", "supervisor", "compliance", "admin")
RISK_LEVELS = ("C1", "C2", "C3", "C4", "C5")
TRADE_SIDES = ("buy", "sell")
SENTIMENTS = ("negative", "neutral", "positive")
SEVERITIES = ("major", "minor")
TICKET_CATEGORIES = ("inquiry", "account", "trading", "complaint")
TICKET_STATUSES = ("open", "closed")
# The partial indexes of the SLA sweep: open tickets whose first-response (resolution) clock runs.
# A query uses them only when its WHERE repeats these terms literally (crm/tickets.py).
RESPONSE_RUNNING = "status = 'open' AND first_response_at IS NULL"
RESOLUTION_RUNNING = "status = 'open' AND first_response_at IS NOT NULL"
LANGUAGES = ("zh", "en")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


class StaffRow(Base):
    __tablename__ = "staff"
    __table_args__ = (
        CheckConstraint(_one_of("role", STAFF_ROLES), name="role"),
        CheckConstraint(_one_of("language", LANGUAGES), name="language"),
    )

    staff_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    supervisor_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("staff.staff_id"), index=True
    )
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    language: Mapped[str] = mapped_column(String(2), default="zh")
    briefing_time: Mapped[time] = mapped_column(Time, default=time(8, 30))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Set when she chose the value herself (/settings, the language button): a staff CSV
    # import then keeps her choice instead of the file's value (issue 14).
    timezone_chosen: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    language_chosen: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    briefing_time_chosen: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )


class ClientRow(Base):
    __tablename__ = "clients"
    __table_args__ = (CheckConstraint(_one_of("risk_level", RISK_LEVELS), name="risk_level"),)

    client_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    manager_id: Mapped[str] = mapped_column(String(32), ForeignKey("staff.staff_id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    id_number: Mapped[str | None] = mapped_column(String(32))
    birthday: Mapped[date | None] = mapped_column(Date)
    opened_on: Mapped[date] = mapped_column(Date)
    risk_level: Mapped[str] = mapped_column(String(2))


class SnapshotRow(Base):
    """One client's balances at the close of one trading day."""

    __tablename__ = "snapshots"
    __table_args__ = (
        CheckConstraint(
            "total_assets >= 0 AND cash >= 0 AND market_value >= 0 AND inflow >= 0"
            " AND outflow >= 0",
            name="non_negative",
        ),
        Index("ix_snapshots_date", "date"),
    )

    client_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("clients.client_id"), primary_key=True
    )
    date: Mapped[date] = mapped_column(Date, primary_key=True)
    total_assets: Mapped[Decimal] = mapped_column(Money)
    cash: Mapped[Decimal] = mapped_column(Money)
    market_value: Mapped[Decimal] = mapped_column(Money)
    inflow: Mapped[Decimal] = mapped_column(Money)
    outflow: Mapped[Decimal] = mapped_column(Money)


class HoldingRow(Base):
    __tablename__ = "holdings"
    __table_args__ = (
        CheckConstraint("quantity >= 0 AND market_value >= 0", name="non_negative"),
        Index("ix_holdings_date_symbol", "date", "symbol"),
        # The rules' per-client holdings totals (tech preference, negative events) read one
        # date in client order from this index alone: no table lookups, no sort.
        Index("ix_holdings_date_client", "date", "client_id", "sector", "market_value"),
    )

    client_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("clients.client_id"), primary_key=True
    )
    date: Mapped[date] = mapped_column(Date, primary_key=True)
    symbol: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    sector: Mapped[str | None] = mapped_column(String(50))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    market_value: Mapped[Decimal] = mapped_column(Money)


class TradeRow(Base):
    __tablename__ = "trades"
    __table_args__ = (
        CheckConstraint(_one_of("side", TRADE_SIDES), name="side"),
        CheckConstraint("quantity > 0 AND price >= 0 AND amount >= 0", name="positive"),
        Index("ix_trades_client_traded_at", "client_id", "traded_at"),
    )

    trade_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(32), ForeignKey("clients.client_id"))
    traded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    symbol: Mapped[str] = mapped_column(String(16))
    side: Mapped[str] = mapped_column(String(4))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    price: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    amount: Mapped[Decimal] = mapped_column(Money)


class EventRow(Base):
    """A research or news event on a listed symbol."""

    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint(_one_of("sentiment", SENTIMENTS), name="sentiment"),
        CheckConstraint(_one_of("severity", SEVERITIES), name="severity"),
        Index("ix_events_date_symbol", "date", "symbol"),
    )

    event_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    symbol: Mapped[str] = mapped_column(String(16))
    date: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(300))
    sentiment: Mapped[str] = mapped_column(String(8))
    severity: Mapped[str] = mapped_column(String(8))
    url: Mapped[str | None] = mapped_column(String(500))


class TicketRow(Base):
    """A client service ticket with its SLA clocks (DESIGN §8). The bank's file gives the ticket
    (and optionally status, first response, closing and owner); the rest is ours: who responded
    and resolved it, the resolution, and per clock (first response, resolution) how far its
    breach has escalated (0 none, 1 supervisor pinged, 2 again, 3 admins) and when it goes next
    (at level 3, when the admins were pinged: the sweep marks what it raised with that time).
    """

    __tablename__ = "tickets"
    __table_args__ = (
        CheckConstraint(_one_of("category", TICKET_CATEGORIES), name="category"),
        CheckConstraint(_one_of("status", TICKET_STATUSES), name="status"),
        # /tickets by owner; the SLA sweep's range scans per clock: partial indexes over the
        # open tickets whose clock runs, by category and the clock's start, so only clocks past
        # due are visited; escalations are found in the same scan as breaches. Neither the
        # levels nor the escalation times are indexed, so raising a clock rewrites no index: on
        # PostgreSQL a heap-only update when the page has room, hence half of each page kept
        # free (fillfactor 50: 82k clocks raised at once took 0.7 s instead of 2.5 s at 80,
        # when most pages ran out of room; bench/sla_sweep.py).
        Index("ix_tickets_manager_status", "manager_id", "status"),
        Index(
            "ix_tickets_response_clock",
            "category",
            "opened_at",
            sqlite_where=text(RESPONSE_RUNNING),
            postgresql_where=text(RESPONSE_RUNNING),
        ),
        Index(
            "ix_tickets_resolution_clock",
            "category",
            "first_response_at",
            sqlite_where=text(RESOLUTION_RUNNING),
            postgresql_where=text(RESOLUTION_RUNNING),
        ),
        {"postgresql_with": {"fillfactor": 50}},
    )

    ticket_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(32), ForeignKey("clients.client_id"), index=True)
    category: Mapped[str] = mapped_column(String(16))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    summary: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8), default="open", server_default="open")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The owner; the importer fills in the client's manager when the file names none.
    manager_id: Mapped[str | None] = mapped_column(String(32), ForeignKey("staff.staff_id"))
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_by: Mapped[str | None] = mapped_column(String(32))
    closed_by: Mapped[str | None] = mapped_column(String(32))
    resolution: Mapped[str | None] = mapped_column(Text)
    notified_id: Mapped[str | None] = mapped_column(String(32))  # the owner last told of it
    response_level: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    response_escalate_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_level: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    resolution_escalate_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InviteRow(Base):
    """A one-time code that binds a Telegram account to a staff record; only its hash is kept."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    staff_id: Mapped[str] = mapped_column(String(32), ForeignKey("staff.staff_id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by_telegram_user_id: Mapped[int | None] = mapped_column(BigInteger)
