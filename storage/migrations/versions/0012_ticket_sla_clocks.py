"""tickets: an owner, the first response, the resolution and the SLA clocks' escalation state

DESIGN §8: the tickets file gains optional status, first_response_at, closed_at and manager_id
(defaulting to the client's manager: existing tickets get it here). Ours: who responded and
closed, the one-line resolution, who was last told of the ticket, and per clock (first
response, resolution) the escalation level of its breach and when it escalates next.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("manager_id", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("first_response_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("first_response_by", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("closed_by", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("resolution", sa.Text(), nullable=True))
        batch.add_column(sa.Column("notified_id", sa.String(length=32), nullable=True))
        batch.add_column(
            sa.Column("response_level", sa.Integer(), server_default="0", nullable=False)
        )
        batch.add_column(sa.Column("response_escalate_at", UTCDateTime(), nullable=True))
        batch.add_column(
            sa.Column("resolution_level", sa.Integer(), server_default="0", nullable=False)
        )
        batch.add_column(sa.Column("resolution_escalate_at", UTCDateTime(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_tickets_manager_id_staff"), "staff", ["manager_id"], ["staff_id"]
        )
        batch.create_index("ix_tickets_manager_status", ["manager_id", "status"], unique=False)
        batch.create_index(
            "ix_tickets_response_clock",
            ["status", "first_response_at", "category", "opened_at"],
            unique=False,
        )
        batch.create_index(
            "ix_tickets_resolution_clock",
            ["status", "category", "first_response_at"],
            unique=False,
        )
        batch.create_index(
            "ix_tickets_response_escalate_at", ["response_escalate_at"], unique=False
        )
        batch.create_index(
            "ix_tickets_resolution_escalate_at", ["resolution_escalate_at"], unique=False
        )
    op.execute(
        "UPDATE tickets SET manager_id = (SELECT clients.manager_id FROM clients"
        " WHERE clients.client_id = tickets.client_id) WHERE manager_id IS NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        for index in (
            "ix_tickets_resolution_escalate_at",
            "ix_tickets_response_escalate_at",
            "ix_tickets_resolution_clock",
            "ix_tickets_response_clock",
            "ix_tickets_manager_status",
        ):
            batch.drop_index(index)
        batch.drop_constraint(op.f("fk_tickets_manager_id_staff"), type_="foreignkey")
        for column in (
            "resolution_escalate_at",
            "resolution_level",
            "response_escalate_at",
            "response_level",
            "notified_id",
            "resolution",
            "closed_by",
            "first_response_by",
            "first_response_at",
            "manager_id",
        ):
            batch.drop_column(column)
