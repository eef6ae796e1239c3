"""A journal on each database (schema from the models, head row included), on a hand clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from audit import Journal
from storage.engine import session_factory
from storage.uow import UnitOfWorkFactory

START = datetime(2026, 12, 1, 1, 2, 3, 4, tzinfo=UTC)


class StepClock:
    """Each reading is one second after the last (no wall clock in tests)."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start - timedelta(seconds=1)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def uow(engine: AsyncEngine) -> UnitOfWorkFactory:
    return UnitOfWorkFactory(session_factory(engine))


@pytest.fixture
def journal(uow: UnitOfWorkFactory) -> Journal:
    return Journal(uow, clock=StepClock())
