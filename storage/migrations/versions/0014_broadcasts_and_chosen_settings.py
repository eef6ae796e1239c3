"""broadcasts with acknowledgements; staff settings chosen by the staff member herself

Issue 14: headquarters' `/broadcast` stores each broadcast (the document version sent, the
sender's tally message, when the list of who has not acknowledged is due) and one receipt per
recipient (delivered, acknowledged). The staff table gains three flags set when a staff member
chose her time zone, language or briefing time herself, so a staff CSV import keeps her choice.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHOSEN = ("timezone_chosen", "language_chosen", "briefing_time_chosen")


def upgrade() -> None:
    # Plain ADD COLUMN, also on SQLite: a batch rebuild of `staff` would DROP the table that
    # notes, clients and the journal reference, which SQLite refuses with foreign keys on.
    for column in CHOSEN:
        op.add_column(
            "staff", sa.Column(column, sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("doc_id", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("approved_by", sa.String(length=100), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("sender_id", sa.String(length=32), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("tally_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("tally_message_id", sa.BigInteger(), nullable=True),
        sa.Column("tally_shown", sa.Integer(), nullable=False),
        sa.Column("tally_edited_at", UTCDateTime(), nullable=True),
        sa.Column("tally_dirty", sa.Boolean(), nullable=False),
        sa.Column("report_at", UTCDateTime(), nullable=False),
        sa.Column("reported_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["sender_id"], ["staff.staff_id"], name=op.f("fk_broadcasts_sender_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["staff.staff_id"], name=op.f("fk_broadcasts_team_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcasts")),
    )
    op.create_index("ix_broadcasts_report", "broadcasts", ["reported_at", "report_at"])
    op.create_table(
        "broadcast_receipts",
        sa.Column("broadcast_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.String(length=32), nullable=False),
        sa.Column("delivered_at", UTCDateTime(), nullable=True),
        sa.Column("acknowledged_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["broadcast_id"],
            ["broadcasts.id"],
            name=op.f("fk_broadcast_receipts_broadcast_id_broadcasts"),
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.staff_id"], name=op.f("fk_broadcast_receipts_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("broadcast_id", "staff_id", name=op.f("pk_broadcast_receipts")),
    )
    op.create_index("ix_broadcast_receipts_staff", "broadcast_receipts", ["staff_id"])


def downgrade() -> None:
    op.drop_index("ix_broadcast_receipts_staff", table_name="broadcast_receipts")
    op.drop_table("broadcast_receipts")
    op.drop_index("ix_broadcasts_report", table_name="broadcasts")
    op.drop_table("broadcasts")
    with op.batch_alter_table("staff") as batch:
        for column in reversed(CHOSEN):
            batch.drop_column(column)
