"""message keys: (bot_id, chat_id, message_id) for every message-driven write

Telegram numbers messages per bot and chat, so (chat_id, message_id) alone is not unique once a
second bot token (or a new console session) writes to the same database: its message 1 met the
first bot's note 1 and was answered as that old note. notes and follow_ups get a bot_id column
and their unique key becomes (bot_id, chat_id, message_id); contacts (a ✅ press, keyed by the
card message it was pressed on) and compliance_findings (a /check, keyed by its message) get the
same key. Rows written before this migration have bot_id 0.

SQLite cannot drop a table constraint in place, and copying a table that others reference is
refused with foreign keys on (see 0006). So, on SQLite, the table is renamed aside, created again
under its name without the old constraint and filled from the copy (same ids); the references of
note_revisions, contacts and compliance_findings, which the rename pointed at the copy, are
pointed back at the table in place (as 0006 edits a definition), and the copy is dropped.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 00:30:00
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import text

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = ["bot_id", "chat_id", "message_id"]
REBUILT = ("notes", "follow_ups")  # had UNIQUE (chat_id, message_id)
KEYED = ("contacts", "compliance_findings")  # had no message key


def _rebuild_sqlite_without(table: str, constraint: str) -> None:
    """Re-create `table` without the named table constraint, keeping rows, ids and indexes."""
    bind = op.get_bind()
    sql = bind.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :t"), {"t": table}
    ).scalar_one()
    changed = re.sub(rf",\s*CONSTRAINT {constraint} UNIQUE \([^)]*\)", "", sql)
    if changed == sql:
        raise RuntimeError(f"{table}: constraint {constraint} is not where 0007 expects it")
    indexes = bind.execute(
        text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :t "
            "AND sql IS NOT NULL"
        ),
        {"t": table},
    ).all()
    aside = f"_{table}_0007"
    for name, _sql in indexes:
        bind.execute(text(f"DROP INDEX {name}"))
    # With foreign keys on, the rename also rewrites the references of other tables to the
    # copy; they are pointed back at the table's name below (in place, as 0006 does).
    bind.execute(text(f"ALTER TABLE {table} RENAME TO {aside}"))
    bind.execute(text(changed))
    bind.execute(text(f"INSERT INTO {table} SELECT * FROM {aside}"))
    referring = bind.execute(
        text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name != :a "
            "AND sql LIKE :pattern"
        ),
        {"a": aside, "pattern": f"%{aside}%"},
    ).all()
    if referring:
        version = bind.execute(text("PRAGMA schema_version")).scalar_one()
        bind.execute(text("PRAGMA writable_schema = ON"))
        try:
            for name, child_sql in referring:
                fixed = re.sub(rf'REFERENCES "?{aside}"?', f"REFERENCES {table}", child_sql)
                bind.execute(
                    text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = :n"),
                    {"sql": fixed, "n": name},
                )
            bind.execute(text(f"PRAGMA schema_version = {int(version) + 1}"))
        finally:
            bind.execute(text("PRAGMA writable_schema = OFF"))
    bind.execute(text(f"DROP TABLE {aside}"))
    for _name, index_sql in indexes:
        bind.execute(text(index_sql))
    problems = bind.execute(text("PRAGMA integrity_check")).scalars().all()
    if problems != ["ok"]:
        raise RuntimeError(f"{table}: integrity check after migration 0007: {problems[:3]}")
    broken = bind.execute(text("PRAGMA foreign_key_check")).all()
    if broken:
        raise RuntimeError(f"{table}: foreign key check after migration 0007: {broken[:3]}")


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in REBUILT + KEYED:
        op.add_column(
            table, sa.Column("bot_id", sa.BigInteger(), server_default="0", nullable=False)
        )
    for table in KEYED:
        op.add_column(table, sa.Column("chat_id", sa.BigInteger(), nullable=True))
        op.add_column(table, sa.Column("message_id", sa.BigInteger(), nullable=True))
    for table in REBUILT:
        old = f"uq_{table}_chat_id_message_id"
        if sqlite:
            _rebuild_sqlite_without(table, old)
        else:
            op.drop_constraint(old, table, type_="unique")
    for table in REBUILT + KEYED:
        op.create_index(f"uq_{table}_message", table, KEY, unique=True)


def downgrade() -> None:
    # Rows of several bots sharing (chat_id, message_id) must be removed first.
    for table in REBUILT + KEYED:
        op.drop_index(f"uq_{table}_message", table_name=table)
    for table in REBUILT:
        with op.batch_alter_table(table) as batch:
            batch.create_unique_constraint(
                f"uq_{table}_chat_id_message_id", ["chat_id", "message_id"]
            )
            batch.drop_column("bot_id")
    for table in KEYED:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("message_id")
            batch.drop_column("chat_id")
            batch.drop_column("bot_id")
