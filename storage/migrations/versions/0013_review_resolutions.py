"""the compliance workbench (/review): how a content gap was resolved, and reviewed 👎 answers

- kb_content_gaps: resolved_by, resolved_at, resolution (a reason or a note), doc_id (the
  document it was linked to, or the draft awaited while still open);
- answer_feedback: reviewed_by, reviewed_at, review_note (a 👎 read by compliance);
- compliance_findings: review_note (reviewed_by and reviewed_at exist since 0003).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("kb_content_gaps", sa.Column("resolved_by", sa.String(length=32), nullable=True))
    op.add_column("kb_content_gaps", sa.Column("resolved_at", UTCDateTime(), nullable=True))
    op.add_column("kb_content_gaps", sa.Column("resolution", sa.Text(), nullable=True))
    op.add_column("kb_content_gaps", sa.Column("doc_id", sa.String(length=80), nullable=True))
    op.add_column("answer_feedback", sa.Column("reviewed_by", sa.String(length=32), nullable=True))
    op.add_column("answer_feedback", sa.Column("reviewed_at", UTCDateTime(), nullable=True))
    op.add_column("answer_feedback", sa.Column("review_note", sa.Text(), nullable=True))
    op.add_column("compliance_findings", sa.Column("review_note", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("compliance_findings") as batch:
        batch.drop_column("review_note")
    with op.batch_alter_table("answer_feedback") as batch:
        batch.drop_column("review_note")
        batch.drop_column("reviewed_at")
        batch.drop_column("reviewed_by")
    with op.batch_alter_table("kb_content_gaps") as batch:
        batch.drop_column("doc_id")
        batch.drop_column("resolution")
        batch.drop_column("resolved_at")
        batch.drop_column("resolved_by")
