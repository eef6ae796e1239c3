"""Schema creation straight from the models (tests and tools); production uses migrations."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from storage import activity_rows, alert_rows, journal_rows, kb_rows, rows  # noqa: F401  (every table)
from storage.base import Base


async def create_all(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
