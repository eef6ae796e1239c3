"""tickets: the SLA sweep's clock indexes become partial, the escalation-time indexes go

The sweep (crm/tickets.py) finds breaches and due escalations in one scan per clock over the
open tickets whose clock runs and is past due. Partial indexes (category, start) WHERE the
clock runs replace the (status, …) ones; the escalation times are no longer indexed, so raising
a clock's level rewrites no index — on PostgreSQL a heap-only update, for which the table
keeps half of each page free (fillfactor 50: at 80 most pages ran out of room). A backlog of
80,000 clocks breaching at once was 5–11 s, mostly index maintenance (docs/benchmarks.md).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-08 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RESPONSE_RUNNING = "status = 'open' AND first_response_at IS NULL"
RESOLUTION_RUNNING = "status = 'open' AND first_response_at IS NOT NULL"


def upgrade() -> None:
    for index in (
        "ix_tickets_response_escalate_at",
        "ix_tickets_resolution_escalate_at",
        "ix_tickets_response_clock",
        "ix_tickets_resolution_clock",
    ):
        op.drop_index(index, table_name="tickets")
    op.create_index(
        "ix_tickets_response_clock",
        "tickets",
        ["category", "opened_at"],
        sqlite_where=sa.text(RESPONSE_RUNNING),
        postgresql_where=sa.text(RESPONSE_RUNNING),
    )
    op.create_index(
        "ix_tickets_resolution_clock",
        "tickets",
        ["category", "first_response_at"],
        sqlite_where=sa.text(RESOLUTION_RUNNING),
        postgresql_where=sa.text(RESOLUTION_RUNNING),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE tickets SET (fillfactor = 50)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE tickets RESET (fillfactor)")
    op.drop_index("ix_tickets_resolution_clock", table_name="tickets")
    op.drop_index("ix_tickets_response_clock", table_name="tickets")
    op.create_index(
        "ix_tickets_response_clock",
        "tickets",
        ["status", "first_response_at", "category", "opened_at"],
    )
    op.create_index(
        "ix_tickets_resolution_clock", "tickets", ["status", "category", "first_response_at"]
    )
    op.create_index("ix_tickets_response_escalate_at", "tickets", ["response_escalate_at"])
    op.create_index("ix_tickets_resolution_escalate_at", "tickets", ["resolution_escalate_at"])
