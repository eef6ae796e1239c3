"""kb_notices: messages owed to staff about curation acts (a gap answered, a draft rejected)

Written in the transaction of the act, whichever door it came through (chat or `ambot kb`), and
delivered by the running bot's notices sweep on the outbox, which sets sent_at.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-09 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kb_notices",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("staff_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('gap_answered', 'draft_rejected')", name=op.f("ck_kb_notices_kind")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.staff_id"], name=op.f("fk_kb_notices_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_notices")),
    )
    op.create_index("ix_kb_notices_pending", "kb_notices", ["sent_at", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_kb_notices_pending", table_name="kb_notices")
    op.drop_table("kb_notices")
