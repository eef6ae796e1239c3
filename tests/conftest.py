"""Shared fixtures: real databases (SQLite file; PostgreSQL when one answers)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.schema import create_all
from tests.support.databases import (
    POSTGRES_SKIP_REASON,
    TestDatabase,
    postgres_database,
    postgres_url,
    sqlite_database,
)
from tests.support.proactive import stop_live_pacers


@pytest.fixture(autouse=True)
def _stop_test_pacers() -> Iterator[None]:
    """Paced senders a test made stop with it (see tests/support/proactive.LIVE_PACERS)."""
    yield
    stop_live_pacers()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_database(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[TestDatabase]:
    """An empty database of each kind (no schema yet)."""
    if request.param == "sqlite":
        async with sqlite_database(tmp_path) as db:
            yield db
        return
    url = postgres_url()
    if url is None:
        pytest.skip(POSTGRES_SKIP_REASON)
    async with postgres_database(url) as db:
        yield db


@pytest.fixture
async def engine(test_database: TestDatabase) -> AsyncIterator[AsyncEngine]:
    """An engine on a database of each kind with the full schema created from the models."""
    eng = test_database.engine()
    await create_all(eng)
    try:
        yield eng
    finally:
        await eng.dispose()
