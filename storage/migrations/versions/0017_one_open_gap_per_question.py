"""one open content gap per person and question, enforced by the database

Two processes (or two presses meeting) could both find no open gap and both queue one: the check
was an in-process lock. kb_content_gaps gains question_key (the question compared loosely and
hashed, knowledge_base/gap_queue.py) and a partial unique index on (asked_by, question_key)
over open gaps. Existing gaps get their key here; an open gap repeating an earlier open one of
the same person keeps no key (it stays in the queue, not de-duplicated), so the index can be made.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-09 12:00:00
"""

import hashlib
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.text import clean_text

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "uq_kb_content_gaps_open_question"


def _key(question: str) -> str:
    """knowledge_base/gap_queue.gap_key as of this migration (kept here: a migration is frozen)."""
    text = unicodedata.normalize("NFKC", clean_text(question)).casefold()
    text = " ".join(text.split())
    while text and unicodedata.category(text[-1]).startswith("P"):
        text = text[:-1].rstrip()
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def upgrade() -> None:
    op.add_column("kb_content_gaps", sa.Column("question_key", sa.String(length=64), nullable=True))
    gaps = sa.table(
        "kb_content_gaps",
        sa.column("id", sa.Integer),
        sa.column("question", sa.Text),
        sa.column("asked_by", sa.String),
        sa.column("status", sa.String),
        sa.column("question_key", sa.String),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(gaps.c.id, gaps.c.question, gaps.c.asked_by, gaps.c.status).order_by(gaps.c.id)
    ).all()
    open_keys: set[tuple[str | None, str]] = set()
    for gap_id, question, asked_by, status in rows:
        key = _key(question or "")
        if status == "open":
            if (asked_by, key) in open_keys:
                continue  # a repeat of an open gap: left without a key
            open_keys.add((asked_by, key))
        bind.execute(gaps.update().where(gaps.c.id == gap_id).values(question_key=key))
    op.create_index(
        INDEX,
        "kb_content_gaps",
        ["asked_by", "question_key"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="kb_content_gaps")
    with op.batch_alter_table("kb_content_gaps") as batch:
        batch.drop_column("question_key")
