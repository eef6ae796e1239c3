"""knowledge base: approved similar questions (相似问) per document, indexed with it

- kb_questions: doc_id, the version whose front matter listed it (none for questions linked
  later from the gap queue or from confirmed answers), question, source, who added it and when.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kb_questions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("doc_id", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("question", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("added_by", sa.String(length=32), nullable=True),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "source IN ('front_matter', 'gap', 'feedback')", name=op.f("ck_kb_questions_source")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_questions")),
    )
    op.create_index("ix_kb_questions_doc_id", "kb_questions", ["doc_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_kb_questions_doc_id", table_name="kb_questions")
    op.drop_table("kb_questions")
