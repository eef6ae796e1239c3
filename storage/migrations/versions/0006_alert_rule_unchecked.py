"""alerts: drop the CHECK on alerts.rule (the rule names are a registry in crm)

A CHECK listing the rule names made every new alert rule a migration. The names now come
from the alert-rule registry (crm/rules/alert_rules/), which the rules service checks when it
is built; the column keeps its length (VARCHAR(20), the longest name the registry accepts).

SQLite cannot drop a constraint, and copying the table (Alembic's batch mode) is refused while
alert_events and follow_ups reference alerts with foreign keys on. So, on SQLite, the table's
definition is edited in place, the documented procedure for removing a CHECK constraint
(sqlite.org/lang_altertable.html, "Making Other Kinds Of Table Schema Changes"): the stored
rows do not change, nothing is copied, and it takes the same time for any number of alerts.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 00:00:00
"""

import re
from collections.abc import Sequence

from alembic import op
from sqlalchemy import text


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RULES_0005 = ('hnw_outflow', 'silent_warning', 'negative_event', 'birthday', 'anniversary')
CHECK_0005 = "CONSTRAINT ck_alerts_rule CHECK (rule IN ({}))".format(
    ', '.join(f"'{name}'" for name in RULES_0005)
)


def _edit_sqlite_definition(edit) -> None:
    """Rewrite the stored CREATE TABLE of alerts in this transaction (no data moves)."""
    bind = op.get_bind()
    sql = bind.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'alerts'")
    ).scalar_one()
    changed = edit(sql)
    if changed == sql:
        raise RuntimeError("alerts: the rule CHECK is not where migration 0006 expects it")
    version = bind.execute(text('PRAGMA schema_version')).scalar_one()
    bind.execute(text('PRAGMA writable_schema = ON'))
    try:
        bind.execute(
            text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = 'alerts'"),
            {'sql': changed},
        )
        bind.execute(text(f'PRAGMA schema_version = {int(version) + 1}'))
    finally:
        bind.execute(text('PRAGMA writable_schema = OFF'))
    problems = bind.execute(text('PRAGMA integrity_check')).scalars().all()
    if problems != ['ok']:
        raise RuntimeError(f'alerts: integrity check after migration 0006: {problems}')


def upgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        _edit_sqlite_definition(
            lambda sql: re.sub(r'\s*CONSTRAINT ck_alerts_rule CHECK \(rule IN \([^)]*\)\),', '', sql)
        )
    else:
        op.drop_constraint(op.f('ck_alerts_rule'), 'alerts', type_='check')


def downgrade() -> None:
    # Alerts of rules added after 0005 must be removed first, or the CHECK refuses the table.
    if op.get_bind().dialect.name == 'sqlite':
        _edit_sqlite_definition(
            lambda sql: sql.replace(
                'CONSTRAINT ck_alerts_status', f'{CHECK_0005}, \n\tCONSTRAINT ck_alerts_status', 1
            )
        )
    else:
        names = ', '.join(f"'{name}'" for name in RULES_0005)
        op.create_check_constraint(op.f('ck_alerts_rule'), 'alerts', f'rule IN ({names})')
