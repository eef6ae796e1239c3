"""The review queue and gap resolutions on SQLite and PostgreSQL: oldest first across kinds,
uploads always drafts, one close per gap and one mark per finding even when two officers act at
once, resolutions recorded on the row and journaled."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from knowledge_base.curation import CurationService
from knowledge_base.errors import NotAuthorizedError
from knowledge_base.feedback import FeedbackService
from knowledge_base.gaps import GapClosedError, GapService, NotInForceError
from knowledge_base.review import ReviewService, Uploaded, UploadRejected
from storage.engine import session_factory
from storage.journal_rows import JournalRow
from storage.kb_rows import ContentGapRow, KbQuestionRow
from storage.rows import StaffRow
from storage.uow import UnitOfWorkFactory

DOC = """---
id: KB-IDLE-CASH
version: {version}
kind: faq
title: 闲置资金
language: zh
status: {status}
approved_by: C001
effective_from: 2026-01-05
---
## 正文
{body}
"""


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def services(engine):  # type: ignore[no-untyped-def]
    uow = UnitOfWorkFactory(session_factory(engine))
    async with uow() as work:
        work.session.add_all(
            [
                StaffRow(staff_id="C001", name="沈静怡", role="compliance"),
                StaffRow(staff_id="C002", name="顾敏", role="compliance"),
                StaffRow(staff_id="M001", name="李明", role="manager"),
                StaffRow(staff_id="A001", name="韩雪", role="admin"),
            ]
        )
        await work.commit()
    clock = Clock()
    curation = CurationService(uow, clock=clock)
    return (
        clock,
        uow,
        curation,
        ReviewService(uow, curation, clock=clock),
        GapService(uow, curation, clock=clock),
        FeedbackService(uow, clock=clock),
    )


def doc(version: int, body: str, status: str = "draft") -> bytes:
    return DOC.format(version=version, body=body, status=status).encode()


async def test_the_queue_is_oldest_first_and_uploads_are_drafts(services) -> None:  # type: ignore[no-untyped-def]
    clock, _uow, curation, review, _gaps, feedback = services
    gap = await curation.record_gap("闲钱放哪", asked_by="M001", best_doc_id=None, best_score=None)
    clock.now += timedelta(minutes=1)
    claimed = await review.upload(doc(1, "逆回购。", status="approved"), "a.md", by="C001")
    assert isinstance(claimed, Uploaded) and claimed.new and claimed.claimed_status == "approved"
    clock.now += timedelta(minutes=1)
    await feedback.record_draft_findings(
        staff_id="M001", text="保本", violations=[{"phrase": "保本"}], key=(0, 1, 1)
    )
    queue = await review.queue("A001")
    assert [(i.kind, i.who_name) for i in queue] == [
        ("gap", "李明"),
        ("draft", "沈静怡"),
        ("finding", "李明"),
    ]
    assert queue[0].ref == gap and queue[1].label == "KB-IDLE-CASH v1"
    assert (await curation.served())[1] == []  # the file's status approved nothing
    with pytest.raises(NotAuthorizedError):
        await review.queue("M001")
    with pytest.raises(NotAuthorizedError):
        await review.upload(doc(2, "x"), "b.md", by="A001")  # uploads: compliance only
    bad = await review.upload(b"---\nid: x\n---\n", "c.md", by="C001")
    assert isinstance(bad, UploadRejected) and bad.problems


async def test_two_officers_closing_one_gap_close_it_once(services) -> None:  # type: ignore[no-untyped-def]
    _clock, uow, curation, review, gaps, _feedback = services
    uploaded = await review.upload(doc(1, "逆回购是闲置资金的去处。"), "a.md", by="C001")
    assert isinstance(uploaded, Uploaded)
    gap_id = await curation.record_gap(
        "闲钱放几天买什么", asked_by="M001", best_doc_id=None, best_score=None
    )
    with pytest.raises(NotInForceError):
        await gaps.link(gap_id, "KB-IDLE-CASH", by="C002")  # a draft is not in force
    await curation.approve("KB-IDLE-CASH", by="C002")
    outcomes = await asyncio.gather(
        gaps.link(gap_id, "KB-IDLE-CASH", by="C001"),
        gaps.dismiss(gap_id, by="C002", reason="重复"),
        return_exceptions=True,
    )
    closed = [o for o in outcomes if not isinstance(o, BaseException)]
    assert len(closed) == 1, outcomes
    assert all(isinstance(o, GapClosedError) for o in outcomes if isinstance(o, BaseException))
    async with uow() as work:
        row = await work.session.get(ContentGapRow, gap_id)
        assert row is not None and row.status in ("answered", "dismissed")
        assert row.resolved_by in ("C001", "C002") and row.resolved_at is not None
        status, doc_id = row.status, row.doc_id
        kinds = (await work.session.scalars(select(JournalRow.kind))).all()
        questions = (await work.session.scalars(select(KbQuestionRow.question))).all()
    assert sum(k in ("kb.gap_answered", "kb.gap_dismissed") for k in kinds) == 1
    if status == "answered":
        assert questions == ["闲钱放几天买什么"] and doc_id == "KB-IDLE-CASH"


async def test_a_gap_awaiting_a_draft_is_answered_when_it_is_approved(services) -> None:  # type: ignore[no-untyped-def]
    _clock, _uow, curation, review, gaps, _feedback = services
    gap_id = await curation.record_gap(
        "闲钱怎么办", asked_by="M001", best_doc_id=None, best_score=None
    )
    await review.upload(doc(1, "逆回购。"), "a.md", by="C001")
    waiting = await gaps.await_draft(gap_id, "KB-IDLE-CASH", by="C001")
    assert waiting.status == "open"
    assert await curation.notices.pending() == []  # nothing owed before the approval
    approved = await curation.approve("KB-IDLE-CASH", by="C002")  # any door: here the CLI's
    assert approved.answered_gaps == (gap_id,)
    [notice] = await curation.notices.pending()
    assert approved.notices == (notice.id,)
    assert (notice.staff_id, notice.kind) == ("M001", "gap_answered")
    assert notice.body["question"] == "闲钱怎么办" and notice.body["version"] == 1
    _, texts = await curation.served()
    assert texts[0].questions == ("闲钱怎么办",)


async def test_a_finding_marked_twice_at_once_is_marked_once(services) -> None:  # type: ignore[no-untyped-def]
    _clock, uow, _curation, review, _gaps, feedback = services
    receipt = await feedback.record_draft_findings(
        staff_id="M001", text="稳赚", violations=[{"phrase": "稳赚"}], key=(0, 1, 2)
    )
    marks = await asyncio.gather(
        review.mark_finding(receipt.finding_id, by="C001", note="已提醒"),
        review.mark_finding(receipt.finding_id, by="A001"),
    )
    assert sorted(m.new for m in marks) == [False, True]
    assert {m.reviewed_by for m in marks} == {next(m.reviewed_by for m in marks if m.new)}
    assert await review.queue("C001") == []
    async with uow() as work:
        kinds = (await work.session.scalars(select(JournalRow.kind))).all()
    assert kinds.count("review.finding") == 1
