"""The delivery ledger's set-based claim (a broadcast to many managers): one statement writes the
missing rows and counts the attempt of the pending ones; settled rows are never claimed again.
On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from runtime.ledger import CLAIM_CHUNK, DeliveryLedger
from storage.engine import session_factory
from storage.rows import StaffRow
from storage.uow import UnitOfWorkFactory

DAY = date(2026, 11, 23)
KIND = "bc:7"


def clock() -> datetime:
    return datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


async def test_many_claimed_at_once_and_settled_ones_never_again(engine: AsyncEngine) -> None:
    ids = [f"M{n:04d}" for n in range(CLAIM_CHUNK + 20)]  # more than one chunk
    async with engine.begin() as conn:
        await conn.execute(
            insert(StaffRow), [{"staff_id": i, "name": i, "role": "manager"} for i in ids]
        )
    ledger = DeliveryLedger(UnitOfWorkFactory(session_factory(engine)), clock=clock)

    first = await ledger.begin_many(ids, DAY, KIND)
    assert [d.staff_id for d in first] == ids
    assert {(d.status, d.attempts, d.kind, d.day) for d in first} == {("pending", 1, KIND, DAY)}
    await ledger.complete(first[0].id, 42)
    await ledger.fail(first[1].id, "blocked")

    again = await ledger.begin_many(ids, DAY, KIND)  # a resumption: the pending ones only
    assert [d.staff_id for d in again] == ids[2:]
    assert {d.attempts for d in again} == {2}
    assert {d.id for d in again} <= {d.id for d in first}  # no second row per recipient
    # the one-at-a-time claim agrees
    assert await ledger.begin(ids[0], DAY, KIND) is None
    assert await ledger.begin_many([], DAY, KIND) == []
