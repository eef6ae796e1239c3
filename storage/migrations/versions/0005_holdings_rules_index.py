"""holdings: covering index for the rules' per-client totals on a date

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 10:00:00
"""

from collections.abc import Sequence

from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('holdings', schema=None) as batch_op:
        batch_op.create_index(
            'ix_holdings_date_client', ['date', 'client_id', 'sector', 'market_value'], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table('holdings', schema=None) as batch_op:
        batch_op.drop_index('ix_holdings_date_client')
