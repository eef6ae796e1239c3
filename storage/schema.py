"""Schema creation straight from the models (tests and tools); production uses migrations."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from storage import (  # noqa: F401  (every table)
    activity_rows,
    alert_rows,
    broadcast_rows,
    journal_rows,
    kb_rows,
    rows,
)
from storage.base import Base


async def create_all(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
