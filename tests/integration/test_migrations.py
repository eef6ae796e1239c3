"""Migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import storage.schema  # noqa: F401  (every table registered)
from storage.base import Base
from storage.migrate import current_revision, upgrade


async def test_migrations_match_models(test_database):
    engine = test_database.engine()
    try:
        assert await current_revision(engine) is None
        await upgrade(engine)
        assert await current_revision(engine) is not None

        def _diff(connection):
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, Base.metadata)

        async with engine.connect() as conn:
            diff = await conn.run_sync(_diff)
        assert diff == []
        # Upgrading again is a no-op, not an error.
        await upgrade(engine)
    finally:
        await engine.dispose()
