"""Rows for the rules engine and proactive delivery (DESIGN §4, issue 5): tags, alerts and their
trail, the delivery ledger that makes each briefing exactly-once, and the scheduler lock.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
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

PRIORITIES = ("P1", "P2", "P3", "P4")
ALERT_STATUSES = ("open", "acknowledged", "snoozed", "done", "dismissed")
TIERS = ("hnw", "wealth", "mass")
DELIVERY_STATUSES = ("pending", "sent", "failed", "missed")


class RuleEvaluationRow(Base):
    """One evaluation of the rules for a data date: the version, when, and the inputs every
    tag of that date shares (data dates, thresholds, windows), so a tag row stores only its own."""

    __tablename__ = "rule_evaluations"

    as_of: Mapped[date] = mapped_column(Date, primary_key=True)
    rule_version: Mapped[str] = mapped_column(String(32))
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    inputs: Mapped[str] = mapped_column(Text)  # JSON: tag family → shared facts


class ClientTagRow(Base):
    """A tier or tag of a client as of a data date, with the rule version and its own inputs.

    Keyed by date first, so a date's million rows are written and replaced as one contiguous
    range (WITHOUT ROWID on SQLite: the key is the table). The readable reason is rendered
    from these facts merged with the date's RuleEvaluationRow inputs (crm.rules.reasons).
    """

    __tablename__ = "client_tags"
    __table_args__ = ({"sqlite_with_rowid": False},)

    as_of: Mapped[date] = mapped_column(Date, primary_key=True)
    # No foreign key: the rows are derived from clients in the evaluation's own transaction
    # (and clients are never deleted), while checking one on SQLite cost a parent lookup per
    # row on every insert and delete, about a third of writing a million tags.
    client_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tag: Mapped[str] = mapped_column(String(32), primary_key=True)  # tier:hnw | silent | …
    rule_version: Mapped[str] = mapped_column(String(32))
    facts: Mapped[str] = mapped_column(Text)  # JSON: this client's inputs, e.g. total_assets


class AlertRow(Base):
    """One alert raised by a rule; the dedupe key makes re-evaluation idempotent.

    `rule` has no CHECK of the names (dropped in migration 0006): the rules are a registry in
    crm (crm/rules/alert_rules/), which storage may not import, and a rule added there must
    not need a migration. RulesService writes only its registered rules' names."""

    __tablename__ = "alerts"
    __table_args__ = (
        CheckConstraint(_one_of("priority", PRIORITIES), name="priority"),
        CheckConstraint(_one_of("status", ALERT_STATUSES), name="status"),
        Index("ix_alerts_manager_status", "manager_id", "status"),
        Index("ix_alerts_as_of", "as_of"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    rule: Mapped[str] = mapped_column(String(20))  # a registered rule's name (≤ 20)
    rule_version: Mapped[str] = mapped_column(String(32))
    priority: Mapped[str] = mapped_column(String(2))
    client_id: Mapped[str] = mapped_column(String(32), ForeignKey("clients.client_id"))
    manager_id: Mapped[str] = mapped_column(String(32), ForeignKey("staff.staff_id"))
    as_of: Mapped[date] = mapped_column(Date)
    facts: Mapped[str] = mapped_column(Text)  # JSON inputs and thresholds
    status: Mapped[str] = mapped_column(String(14), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(32), ForeignKey("staff.staff_id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    next_escalation_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AlertEventRow(Base):
    """The trail of an alert: raised, delivered, pinged, snoozed, escalated, acknowledged, reassigned."""

    __tablename__ = "alert_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str | None] = mapped_column(String(32), ForeignKey("staff.staff_id"))
    target_id: Mapped[str | None] = mapped_column(String(32), ForeignKey("staff.staff_id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    detail: Mapped[str | None] = mapped_column(Text)


class DeliveryRow(Base):
    """Ledger for exactly-once proactive sends: written before sending, completed after."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("staff_id", "day", "kind"),
        CheckConstraint(_one_of("status", DELIVERY_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    staff_id: Mapped[str] = mapped_column(String(32), ForeignKey("staff.staff_id"))
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(40))  # briefing | supervisor_digest | alert:<id> | …
    status: Mapped[str] = mapped_column(String(8), default="pending")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)


class SchedulerLockRow(Base):
    """Only one process runs the scheduler: it holds this row and renews it."""

    __tablename__ = "scheduler_lock"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    owner: Mapped[str] = mapped_column(String(100))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
