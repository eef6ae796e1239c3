"""answer feedback keyed by the answer message's bot id too

👍/👎 was unique per (staff_id, chat_id, message_id): a new bot token or console session on the
same database numbers its messages from 1 again, so a press on its answer 5 met the vote on the
old bot's answer 5 and changed it (question, document and version stayed the old answer's). The
key becomes (bot_id, chat_id, message_id, staff_id); rows before this migration have bot id 0.

answer_feedback is referenced by no other table, so on SQLite the batch copy drops the old
constraint safely.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = "uq_answer_feedback_staff_id_chat_id_message_id"
NEW = "uq_answer_feedback_message"


def upgrade() -> None:
    op.add_column(
        "answer_feedback",
        sa.Column("bot_id", sa.BigInteger(), server_default="0", nullable=False),
    )
    with op.batch_alter_table("answer_feedback") as batch:
        batch.drop_constraint(OLD, type_="unique")
    op.create_index(
        NEW, "answer_feedback", ["bot_id", "chat_id", "message_id", "staff_id"], unique=True
    )


def downgrade() -> None:
    # Votes of several bots on one (staff, chat, message) must be removed first.
    op.drop_index(NEW, table_name="answer_feedback")
    with op.batch_alter_table("answer_feedback") as batch:
        batch.create_unique_constraint(OLD, ["staff_id", "chat_id", "message_id"])
        batch.drop_column("bot_id")
