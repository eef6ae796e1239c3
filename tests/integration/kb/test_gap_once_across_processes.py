"""Issue 12 §8 on SQLite and PostgreSQL: one open content gap per person and question, even when
two processes (two engines, two services, on one database) queue it at the same moment; the
question is compared as typed in any width, spacing or closing punctuation."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy import text as sql_text
from sqlalchemy.ext.asyncio import AsyncEngine

from knowledge_base.asking import AskingService
from knowledge_base.curation import CurationService
from knowledge_base.gaps import GapService
from storage.engine import session_factory
from storage.kb_rows import ContentGapRow
from storage.migrate import upgrade
from storage.rows import StaffRow
from storage.uow import UnitOfWork, UnitOfWorkFactory
from tests.support.databases import TestDatabase

NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
COPIES = 3  # concurrent submissions per process


class _FirstInStep(UnitOfWork):
    def __init__(self, factory: LockstepUnitsOfWork) -> None:
        super().__init__(factory.sessions)
        self._factory = factory

    async def __aexit__(self, *exc: object) -> None:
        await super().__aexit__(*exc)  # type: ignore[arg-type]
        if self._factory.first:
            self._factory.first = False
            await self._factory.barrier.wait()


class LockstepUnitsOfWork(UnitOfWorkFactory):
    """A process's first transaction is over only once every process's first one is: the
    moment two processes check "is this gap queued?" (or insert it) together."""

    def __init__(self, engine: AsyncEngine, barrier: asyncio.Barrier) -> None:
        super().__init__(session_factory(engine))
        self.barrier = barrier
        self.first = True

    def __call__(self) -> UnitOfWork:
        return _FirstInStep(self)


def process(
    engine: AsyncEngine, barrier: asyncio.Barrier | None = None
) -> tuple[AsyncEngine, AskingService, CurationService]:
    """What one `ambot run` process holds: its own engine, curation and asking services."""
    uow = (
        LockstepUnitsOfWork(engine, barrier)
        if barrier is not None
        else UnitOfWorkFactory(session_factory(engine))
    )
    curation = CurationService(uow, clock=lambda: NOW)
    return engine, AskingService(uow, curation, clock=lambda: NOW), curation


async def open_gaps(engine: AsyncEngine, asked_by: str) -> list[str]:
    uow = UnitOfWorkFactory(session_factory(engine))
    async with uow() as work:
        rows = await work.session.scalars(
            select(ContentGapRow.question).where(
                ContentGapRow.asked_by == asked_by, ContentGapRow.status == "open"
            )
        )
        return list(rows)


async def seed_staff(engine: AsyncEngine) -> None:
    uow = UnitOfWorkFactory(session_factory(engine))
    async with uow() as work:
        work.session.add_all(
            [
                StaffRow(staff_id="C001", name="合规", role="compliance"),
                StaffRow(staff_id="M001", name="王芳", role="manager"),
                StaffRow(staff_id="M002", name="李明", role="manager"),
            ]
        )
        await work.commit()


async def test_two_processes_queue_one_gap_for_one_question(
    engine: AsyncEngine, test_database: TestDatabase
) -> None:
    await seed_staff(engine)
    other_engine = test_database.engine()
    try:
        barrier = asyncio.Barrier(2)
        here, there = process(engine, barrier), process(other_engine, barrier)
        receipts = await asyncio.gather(
            *(
                service.submit_gap("明天大盘会涨吗", asked_by="M001")
                for _, service, _ in (here, there)
                for _ in range(COPIES)
            )
        )
        assert len({r.gap_id for r in receipts}) == 1, receipts
        assert sum(r.new for r in receipts) == 1  # told "queued" once, "already queued" after
        # The no-answer path of both processes (record_gap) meets the same open gap.
        recorded = await asyncio.gather(
            here[2].record_gap(
                "明天大盘会涨吗", asked_by="M001", best_doc_id=None, best_score=None
            ),
            there[2].record_gap(
                "明天大盘会涨吗", asked_by="M001", best_doc_id=None, best_score=None
            ),
        )
        assert set(recorded) == {receipts[0].gap_id}
        assert await open_gaps(engine, "M001") == ["明天大盘会涨吗"]
        # Another person asking the same is a gap of her own.
        mine = await there[1].submit_gap("明天大盘会涨吗", asked_by="M002")
        assert mine.new and mine.gap_id != receipts[0].gap_id
    finally:
        await other_engine.dispose()


async def test_the_same_question_in_another_width_or_spacing_is_the_same_gap(
    engine: AsyncEngine,
) -> None:
    await seed_staff(engine)
    _, asking, _ = process(engine)
    first = await asking.submit_gap("科创板 开户门槛是多少？", asked_by="M001")
    for variant in (
        "科创板  开户门槛是多少?",
        "科创板\u3000开户门槛是多少",
        "科创板 开户门槛是多少？？",
    ):
        again = await asking.submit_gap(variant, asked_by="M001")
        assert (again.gap_id, again.new) == (first.gap_id, False), variant
    assert await open_gaps(engine, "M001") == ["科创板 开户门槛是多少？"]


async def test_a_closed_gap_lets_the_question_be_queued_again(engine: AsyncEngine) -> None:
    await seed_staff(engine)
    _, asking, curation = process(engine)
    first = await asking.submit_gap("港股通的交易时间", asked_by="M001")
    gaps = GapService(UnitOfWorkFactory(session_factory(engine)), curation, clock=lambda: NOW)
    await gaps.dismiss(first.gap_id, by="C001", reason="已有公告")
    again = await asking.submit_gap("港股通的交易时间", asked_by="M001")
    assert again.new and again.gap_id != first.gap_id
    async with UnitOfWorkFactory(session_factory(engine))() as work:
        total = await work.session.scalar(select(func.count()).select_from(ContentGapRow))
    assert total == 2


async def test_the_migration_keys_existing_gaps_and_keeps_repeats(
    test_database: TestDatabase,
) -> None:
    """Open repeats queued before the index stay in the queue (without a key); the first open
    gap of each person and question is de-duplicated from then on."""
    engine = test_database.engine()
    try:
        await upgrade(engine, "0016")
        async with engine.begin() as conn:
            await conn.execute(
                sql_text(
                    "INSERT INTO staff (staff_id, name, role, active, language, timezone, briefing_time)"
                    " VALUES ('M001', '王芳', 'manager', true, 'zh', 'Asia/Shanghai', '08:30:00')"
                )
            )
            for question, status in [
                ("明天大盘会涨吗", "open"),
                ("明天大盘会涨吗？", "open"),
                ("明天大盘会涨吗", "dismissed"),
            ]:
                await conn.execute(
                    sql_text(
                        "INSERT INTO kb_content_gaps (question, asked_by, asked_at, status)"
                        " VALUES (:q, 'M001', :at, :s)"
                    ),
                    {"q": question, "at": NOW, "s": status},
                )
        await upgrade(engine)
        async with engine.connect() as conn:
            keys = (
                await conn.execute(
                    sql_text("SELECT id, question_key FROM kb_content_gaps ORDER BY id")
                )
            ).all()
        assert [key is not None for _, key in keys] == [True, False, True]
        _, asking, _ = process(engine)
        again = await asking.submit_gap("明天大盘会涨吗", asked_by="M001")
        assert (again.gap_id, again.new) == (keys[0][0], False)
    finally:
        await engine.dispose()
