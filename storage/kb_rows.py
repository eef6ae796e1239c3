"""Rows for the approved knowledge base: documents, versions, curation events, content gaps,
the stored lexicon and the generation number every process watches (DESIGN §5)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    DDL,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base
from storage.rows import _one_of
from storage.types import UTCDateTime

DOC_KINDS = ("script", "product", "disclosure", "faq", "research", "template")
VERSION_STATUSES = ("draft", "approved", "superseded", "retired", "rejected")
CURATION_ACTIONS = ("imported", "approved", "superseded", "retired", "rejected", "migrated")
GENERATION_ID = 1
GAP_STATUSES = ("open", "answered", "dismissed")
# Where an approved similar question (相似问) came from: a version's front matter, a content gap
# compliance linked to the document, or an answer confirmed by 👍 and approved by compliance.
QUESTION_SOURCES = ("front_matter", "gap", "feedback")
QUESTION_MAX_CHARS = 200


class KbVersionRow(Base):
    """One version of one document, exactly as its Markdown file gave it."""

    __tablename__ = "kb_versions"
    __table_args__ = (
        UniqueConstraint("doc_id", "version"),
        CheckConstraint(_one_of("kind", DOC_KINDS), name="kind"),
        CheckConstraint(_one_of("status", VERSION_STATUSES), name="status"),
        CheckConstraint(_one_of("language", ("zh", "en")), name="language"),
        CheckConstraint("version > 0", name="version_positive"),
        Index("ix_kb_versions_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    doc_id: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(12))
    approved_by: Mapped[str | None] = mapped_column(String(32), ForeignKey("staff.staff_id"))
    approved_at: Mapped[date | None] = mapped_column(Date)
    # Who brought this version in (`kb import --by`): never its approver (four eyes).
    authored_by: Mapped[str | None] = mapped_column(String(32))
    effective_from: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    product_risk: Mapped[str | None] = mapped_column(String(2))
    tags: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of strings
    body: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(300))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)


class KbCurationEventRow(Base):
    """Who did what to which version, when: the curation trail compliance can audit."""

    __tablename__ = "kb_curation_events"
    __table_args__ = (CheckConstraint(_one_of("action", CURATION_ACTIONS), name="action"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("kb_versions.id"), index=True)
    action: Mapped[str] = mapped_column(String(12))
    actor_id: Mapped[str | None] = mapped_column(String(32), ForeignKey("staff.staff_id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)


class ContentGapRow(Base):
    """A question the approved knowledge base could not answer, queued for compliance."""

    __tablename__ = "kb_content_gaps"
    __table_args__ = (
        CheckConstraint(_one_of("status", GAP_STATUSES), name="status"),
        # One open gap per person and question, whichever process queues it (migration 0017).
        Index(
            "uq_kb_content_gaps_open_question",
            "asked_by",
            "question_key",
            unique=True,
            sqlite_where=sql_text("status = 'open'"),
            postgresql_where=sql_text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    question: Mapped[str] = mapped_column(Text)
    asked_by: Mapped[str | None] = mapped_column(String(32), ForeignKey("staff.staff_id"))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    best_doc_id: Mapped[str | None] = mapped_column(String(80))
    best_score: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(10), default="open", server_default="open")
    # How compliance resolved it (/review): linked to a document, answered by a new draft's
    # approval, or dismissed with a reason. doc_id set while still open: a draft is awaited.
    resolved_by: Mapped[str | None] = mapped_column(String(32))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(Text)
    doc_id: Mapped[str | None] = mapped_column(String(80))
    # knowledge_base/gap_keys.py: the question compared loosely, hashed. NULL: not de-duplicated
    # (gaps from before migration 0017 that repeated an open one).
    question_key: Mapped[str | None] = mapped_column(String(64))


class KbQuestionRow(Base):
    """An approved similar question (相似问) of a document, indexed with it (DESIGN §5).

    Front-matter questions belong to the version whose file listed them (`version`) and are
    served with it; questions added later (gap, feedback) have no version: they stay with the
    document across versions."""

    __tablename__ = "kb_questions"
    __table_args__ = (
        CheckConstraint(_one_of("source", QUESTION_SOURCES), name="source"),
        Index("ix_kb_questions_doc_id", "doc_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    doc_id: Mapped[str] = mapped_column(String(80))
    version: Mapped[int | None] = mapped_column(Integer)
    question: Mapped[str] = mapped_column(String(QUESTION_MAX_CHARS))
    source: Mapped[str] = mapped_column(String(12))
    added_by: Mapped[str | None] = mapped_column(String(32))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)


class KbGenerationRow(Base):
    """One row: a number bumped in the same transaction as every change to what is served
    (approve, retire, supersede, migrate, lexicon). Every process compares it with the one it
    loaded, so a change reaches all of them without a restart."""

    __tablename__ = "kb_generation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


# Schemas built from the models (tests, tools) get the row too; the migration inserts it.
event.listen(
    KbGenerationRow.__table__,
    "after_create",
    DDL(f"INSERT INTO kb_generation (id, generation) VALUES ({GENERATION_ID}, 0)"),
)


class KbLexiconRow(Base):
    """A version of the banned-phrase lexicon loaded by a compliance officer (`kb lexicon`);
    the newest one is in force in every process, the shipped file until there is one."""

    __tablename__ = "kb_lexicons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(300))
    loaded_by: Mapped[str] = mapped_column(String(32))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime)


NOTICE_KINDS = ("gap_answered", "draft_rejected")


class KbNoticeRow(Base):
    """A message owed to a staff member about a curation act (her gap answered, her draft
    rejected), written in the transaction of the act by whichever door it came through (chat or
    CLI). The running bot's notices sweep delivers it on the outbox and sets `sent_at`."""

    __tablename__ = "kb_notices"
    __table_args__ = (
        CheckConstraint(_one_of("kind", NOTICE_KINDS), name="kind"),
        Index("ix_kb_notices_pending", "sent_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    staff_id: Mapped[str] = mapped_column(String(32), ForeignKey("staff.staff_id"))
    kind: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)  # JSON: what the message says
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
