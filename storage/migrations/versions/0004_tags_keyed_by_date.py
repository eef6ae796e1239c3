"""client_tags keyed by date, reasons rendered from facts; rule_evaluations

Tags are derived data: this drops the stored tags (the next `ambot rules evaluate`, or the
running bot's next evaluation, writes them again in the new shape).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('client_tags', schema=None) as batch_op:
        batch_op.drop_index('ix_client_tags_as_of_tag')
    op.drop_table('client_tags')
    op.create_table('rule_evaluations',
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('rule_version', sa.String(length=32), nullable=False),
    sa.Column('evaluated_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('inputs', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('as_of', name=op.f('pk_rule_evaluations'))
    )
    op.create_table('client_tags',
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('client_id', sa.String(length=32), nullable=False),
    sa.Column('tag', sa.String(length=32), nullable=False),
    sa.Column('rule_version', sa.String(length=32), nullable=False),
    sa.Column('facts', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('as_of', 'client_id', 'tag', name=op.f('pk_client_tags')),
    sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table('client_tags')
    op.drop_table('rule_evaluations')
    op.create_table('client_tags',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('client_id', sa.String(length=32), nullable=False),
    sa.Column('tag', sa.String(length=32), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('rule_version', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('facts', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.client_id'], name=op.f('fk_client_tags_client_id_clients')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_client_tags')),
    sa.UniqueConstraint('client_id', 'tag', 'as_of', name=op.f('uq_client_tags_client_id_tag_as_of'))
    )
    with op.batch_alter_table('client_tags', schema=None) as batch_op:
        batch_op.create_index('ix_client_tags_as_of_tag', ['as_of', 'tag'], unique=False)
