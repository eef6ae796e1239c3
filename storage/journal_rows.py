"""Rows of the journal (DESIGN §9): one append-only table of entries chained by hashes, and its
one-row head.

`journal` rows are never updated or deleted by the application. `seq` is assigned by the
appender (the head's seq + 1, under the head's row lock), so it has no gaps; `prev_hash` is
unique, so two entries can never follow the same one (no fork, even by mistake).

`journal_head` holds the last seq and hash. Appending updates it first, which serialises
appenders on every database (PostgreSQL: the row lock; SQLite: the write lock), and it lets
`verify` notice a deleted last entry and an entry written around the journal.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, BigInteger, Index, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base
from storage.types import UTCDateTime

GENESIS_HASH = "0" * 64
HEAD_ID = 1


class JournalRow(Base):
    """One journal entry: hash = sha256(prev_hash + canonical JSON of the other fields)."""

    __tablename__ = "journal"
    __table_args__ = (Index("ix_journal_at", "at"),)

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64))


class JournalHeadRow(Base):
    """The journal's last seq and hash (seq 0 and the genesis hash while it is empty)."""

    __tablename__ = "journal_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


# Schemas built from the models (tests, tools) get the head row too; the migration inserts it.
event.listen(
    JournalHeadRow.__table__,
    "after_create",
    DDL(f"INSERT INTO journal_head (id, seq, hash) VALUES ({HEAD_ID}, 0, '{GENESIS_HASH}')"),
)
