"""Rows of headquarters' broadcasts (DESIGN §7, issue 14): an approved document's talking points
sent to every manager (or one team), and who acknowledged it (收到)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base
from storage.types import UTCDateTime


class BroadcastRow(Base):
    """One broadcast: the document version sent, by whom, to whom, and the sender's tally.

    The tally is one message in the sender's chat, edited as managers acknowledge; `tally_dirty`
    marks a change not yet shown (edits are spaced, and the process that takes the press may
    not be the one that edits). `report_at`: when the list of who has not acknowledged goes to
    the sender and their supervisors; `reported_at` once it went."""

    __tablename__ = "broadcasts"
    __table_args__ = (Index("ix_broadcasts_report", "reported_at", "report_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    doc_id: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)  # the talking points as sent
    approved_by: Mapped[str] = mapped_column(String(100))
    effective_from: Mapped[date] = mapped_column()
    sender_id: Mapped[str] = mapped_column(String(32), ForeignKey("staff.staff_id"))
    team_id: Mapped[str | None] = mapped_column(String(32), ForeignKey("staff.staff_id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    day: Mapped[date] = mapped_column()  # the ledger day of its deliveries
    total: Mapped[int] = mapped_column(Integer)
    tally_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    tally_message_id: Mapped[int | None] = mapped_column(BigInteger)
    tally_shown: Mapped[int] = mapped_column(Integer, default=0)  # acknowledged count shown
    tally_edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tally_dirty: Mapped[bool] = mapped_column(default=False)
    report_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class BroadcastReceiptRow(Base):
    """One recipient of a broadcast: delivered when Telegram took it, acknowledged on 收到."""

    __tablename__ = "broadcast_receipts"
    __table_args__ = (Index("ix_broadcast_receipts_staff", "staff_id"),)

    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id"), primary_key=True)
    staff_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("staff.staff_id"), primary_key=True
    )
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
