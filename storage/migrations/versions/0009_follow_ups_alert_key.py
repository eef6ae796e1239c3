"""follow_ups.alert_id unique: a task from an alert is created once, however often rules run

Silent warnings, negative events, birthdays and anniversaries become follow-ups (issue 14). The
column exists since 0003; a unique index makes "one task per alert" hold under re-evaluation and
concurrent sweeps (NULLs, the manager's own follow-ups, never collide on either database).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 01:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("uq_follow_ups_alert", "follow_ups", ["alert_id"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_follow_ups_alert", table_name="follow_ups")
