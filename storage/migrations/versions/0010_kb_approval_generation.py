"""knowledge base: drafts have an author, rejections and migrations are recorded, a generation
number tells every process that the served set changed, and the lexicon can live in the database

- kb_versions.authored_by: who imported the version (`kb import --by`); the approver must differ;
- kb_versions.status and kb_curation_events.action accept "rejected" (and "migrated");
- kb_generation: one row, bumped with every approve, retire, supersede, migrate, lexicon change;
- kb_lexicons: lexicon versions loaded by compliance (the newest is in force).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 01:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STATUSES = "status IN ('draft', 'approved', 'superseded', 'retired')"
NEW_STATUSES = "status IN ('draft', 'approved', 'superseded', 'retired', 'rejected')"
OLD_ACTIONS = "action IN ('imported', 'approved', 'superseded', 'retired')"
NEW_ACTIONS = "action IN ('imported', 'approved', 'superseded', 'retired', 'rejected', 'migrated')"


def _checks(statuses: str, actions: str) -> None:
    with op.batch_alter_table("kb_versions") as batch:
        batch.drop_constraint(op.f("ck_kb_versions_status"), type_="check")
        batch.create_check_constraint("status", statuses)
    with op.batch_alter_table("kb_curation_events") as batch:
        batch.drop_constraint(op.f("ck_kb_curation_events_action"), type_="check")
        batch.create_check_constraint("action", actions)


def upgrade() -> None:
    op.add_column("kb_versions", sa.Column("authored_by", sa.String(length=32), nullable=True))
    _checks(NEW_STATUSES, NEW_ACTIONS)
    generation = op.create_table(
        "kb_generation",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("generation", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_generation")),
    )
    op.bulk_insert(generation, [{"id": 1, "generation": 0}])
    op.create_table(
        "kb_lexicons",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("loaded_by", sa.String(length=32), nullable=False),
        sa.Column("loaded_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_lexicons")),
    )


def downgrade() -> None:
    op.drop_table("kb_lexicons")
    op.drop_table("kb_generation")
    _checks(OLD_STATUSES, OLD_ACTIONS)
    op.drop_column("kb_versions", "authored_by")
