"""Rows for what staff do in the bot: notes (with revisions), follow-ups, contacts, answer
feedback and compliance findings.

Writes keyed by a Telegram message carry (bot_id, chat_id, message_id) under a unique index, so
a replayed update can never create a second row (DESIGN §6). The bot id is part of the key because
message ids are only unique per bot and chat: a new bot token (or a new console session, which
gets a bot id of its own) on the same database numbers its messages from 1 again. Rows written
before migration 0007, or by a caller with no bot (tools, tests), have bot_id 0.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base
from storage.rows import _one_of
from storage.types import UTCDateTime

NOTE_KINDS = ("text", "voice")
FOLLOW_UP_STATUSES = ("open", "done", "cancelled")
CONTACT_CHANNELS = ("call", "note", "meeting", "message", "marked")
FINDING_SOURCES = ("note", "draft_check")


class NoteRow(Base):
    """A call note; never hard-deleted (undo sets deleted_at, a tombstone)."""

    __tablename__ = "notes"
    __table_args__ = (
        Index("uq_notes_message", "bot_id", "chat_id", "message_id", unique=True),
        CheckConstraint(_one_of("kind", NOTE_KINDS), name="kind"),
        Index("ix_notes_client_created", "client_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    client_id: Mapped[str] = mapped_column(String(32), ForeignKey("clients.client_id"))
    author_id: Mapped[str] = mapped_column(String(32), ForeignKey("staff.staff_id"), index=True)
    bot_id: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(8), default="text")
    text: Mapped[str] = mapped_column(Text, default="")
    voice_file_id: Mapped[str | None] = mapped_column(String(200))
    voice_duration: Mapped[int | None] = mapped_column(Integer)
    transcribed: Mapped[bool] = mapped_column(Boolean, default=False)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_by: Mapped[str | None] = mapped_column(String(32), ForeignKey("staff.staff_id"))


class NoteRevisionRow(Base):
    """Earlier text of a note, kept when the Telegram message is edited."""

    __tablename__ = "note_revisions"
    __table_args__ = (UniqueConstraint("note_id", "revision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id"))
    revision: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FollowUpRow(Base):
    """A follow-up (task) with a due time; reminders are derived from open, unreminded rows."""

    __tablename__ = "follow_ups"
    __table_args__ = (
        Index("uq_follow_ups_message", "bot_id", "chat_id", "message_id", unique=True),
        CheckConstraint(_one_of("status", FOLLOW_UP_STATUSES), name="status"),
        Index("ix_follow_ups_owner_status_due", "owner_id", "status", "due_at"),
        # One task per alert (issue 14), however often the rules and the sweep run again.
        Index("uq_follow_ups_alert", "alert_id", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    client_id: Mapped[str | None] = mapped_column(String(32), ForeignKey("clients.client_id"))
    owner_id: Mapped[str] = mapped_column(String(32), ForeignKey("staff.staff_id"))
    title: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default="open")
    # Set when a follow-up comes from an alert (issue 5), so it links back.
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id"))
    bot_id: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    snooze_count: Mapped[int] = mapped_column(Integer, default=0)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ContactRow(Base):
    """A contact with a client (a call, a note, or ✅ marked contacted): drives "last contact".

    A ✅ press is keyed by the card message it was pressed on (bot_id, chat_id, message_id): a
    redelivered or repeated press of the same card records one contact."""

    __tablename__ = "contacts"
    __table_args__ = (
        CheckConstraint(_one_of("channel", CONTACT_CHANNELS), name="channel"),
        Index("ix_contacts_client_at", "client_id", "at"),
        Index("uq_contacts_message", "bot_id", "chat_id", "message_id", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    client_id: Mapped[str] = mapped_column(String(32), ForeignKey("clients.client_id"))
    staff_id: Mapped[str] = mapped_column(String(32), ForeignKey("staff.staff_id"))
    channel: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    note_id: Mapped[int | None] = mapped_column(ForeignKey("notes.id"))
    bot_id: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)


class AnswerFeedbackRow(Base):
    """👍/👎 on an answer: which question, which cited version, who, when.

    Keyed by the answer message (bot_id, chat_id, message_id) and who pressed: one vote per
    person and answer, and a new bot numbering its messages again never meets an old vote."""

    __tablename__ = "answer_feedback"
    __table_args__ = (
        Index(
            "uq_answer_feedback_message", "bot_id", "chat_id", "message_id", "staff_id", unique=True
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    staff_id: Mapped[str] = mapped_column(String(32), ForeignKey("staff.staff_id"))
    question: Mapped[str] = mapped_column(Text)
    doc_id: Mapped[str | None] = mapped_column(String(80))
    version: Mapped[int | None] = mapped_column(Integer)
    helpful: Mapped[bool] = mapped_column(Boolean)
    bot_id: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # A 👎 read by compliance in /review (who, when, an optional note).
    reviewed_by: Mapped[str | None] = mapped_column(String(32))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str | None] = mapped_column(Text)


class ComplianceFindingRow(Base):
    """A banned phrase found in a note or a checked draft, recorded for compliance review.

    A draft check is keyed by its /check message (bot_id, chat_id, message_id): two deliveries
    of one /check, even concurrent ones, record one finding."""

    __tablename__ = "compliance_findings"
    __table_args__ = (
        CheckConstraint(_one_of("source", FINDING_SOURCES), name="source"),
        Index("uq_compliance_findings_message", "bot_id", "chat_id", "message_id", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(12))
    note_id: Mapped[int | None] = mapped_column(ForeignKey("notes.id"))
    staff_id: Mapped[str] = mapped_column(String(32), ForeignKey("staff.staff_id"), index=True)
    violations: Mapped[str] = mapped_column(Text)  # JSON: the checker's contract
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reviewed_by: Mapped[str | None] = mapped_column(String(32), ForeignKey("staff.staff_id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str | None] = mapped_column(Text)
    bot_id: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
