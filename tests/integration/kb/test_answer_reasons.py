"""Why there is no answer: out-of-scope policy and concept coverage, end to end through the service."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from knowledge_base.answering import AnswerService, Decision
from knowledge_base.curation import CurationService
from retrieval import HashingEmbedder
from storage.engine import session_factory
from storage.rows import StaffRow
from storage.uow import UnitOfWorkFactory

NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
DOCS = {
    "KB-REPO": (
        "国债逆回购交易规则",
        "[国债逆回购, GC001]",
        "GC001 一千元起，按实际占款天数计息。",
    ),
    "KB-MARGIN": ("融资融券开通条件", "[两融, 融资融券]", "开通两融需资产五十万元并通过知识测试。"),
}


@pytest.fixture
async def answers(engine, tmp_path: Path):
    uow = UnitOfWorkFactory(session_factory(engine))
    async with uow() as work:
        work.session.add(StaffRow(staff_id="C001", name="合规", role="compliance"))
        work.session.add(StaffRow(staff_id="M001", name="王芳", role="manager"))
        await work.commit()
    docs = tmp_path / "docs"
    docs.mkdir()
    for doc_id, (title, tags, body) in DOCS.items():
        (docs / f"{doc_id}.md").write_text(
            "\n".join(
                [
                    "---",
                    f"id: {doc_id}",
                    "version: 1",
                    "kind: faq",
                    f"title: {title}",
                    "language: zh",
                    "status: approved",
                    "approved_by: C001",
                    "effective_from: 2026-01-05",
                    f"tags: {tags}",
                    "---",
                    "## 要点",
                    body,
                    "",
                ]
            ),
            encoding="utf-8",
        )
    curation = CurationService(uow, clock=lambda: NOW)
    await curation.import_directory(docs, by="C001", migrate=True)
    service = AnswerService(
        curation,
        HashingEmbedder(),
        tmp_path / "index",
        clock=lambda: NOW,
        # thresholds low enough that only the gates can say no
        decision=Decision(dense_alone=0.0, dense_only=0.0, lexical_only=0.0),
    )
    await service.reindex()
    return service, curation


async def test_a_forecast_is_refused_with_its_reason_and_queued_for_compliance_filtering(
    answers,
):
    service, curation = answers

    answer = await service.answer("GC001明天会涨吗", asker="M001")

    assert answer.decision == "no_answer" and answer.best is None
    assert answer.reason == "out_of_scope:forecast"
    assert answer.out_of_scope is not None
    assert "预测" in answer.out_of_scope.category.reason("zh")
    [(gap_id, question, asked_by, _)] = await curation.open_gaps()
    assert gap_id == answer.gap_id and asked_by == "M001"
    assert question == "[out_of_scope:forecast] GC001明天会涨吗"


async def test_a_question_on_a_topic_no_document_names_gets_no_answer(answers):
    service, _ = answers

    answer = await service.answer("股票期权开通要多少资产", record_gap=False)

    assert answer.decision == "no_answer"
    assert answer.reason == "uncovered:股票期权"
    assert answer.results  # the near misses are still there for the manager to see


async def test_a_covered_question_is_answered_without_a_reason(answers):
    service, _ = answers

    answer = await service.answer("两融开通条件是什么", record_gap=False)

    assert answer.decision == "answer" and answer.reason is None
    assert answer.best is not None and answer.best.doc_id == "KB-MARGIN"
