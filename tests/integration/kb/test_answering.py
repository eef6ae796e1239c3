"""Answering returns only approved, in-effect text, with its citation; a "no" is queued for compliance."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from knowledge_base.answering import AnswerService, Decision
from knowledge_base.curation import CurationService
from retrieval import HashingEmbedder
from storage.engine import session_factory
from storage.rows import StaffRow
from storage.uow import UnitOfWorkFactory
from tests.support.embedders import GatedEmbedder

NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)

LIVE = "国债逆回购 GC001 最低交易金额一千元，按实际占款天数计息。"
SECRET = {
    "KB-DRAFT": ("draft", None, "2026-01-05", None, "草稿条款：紫色大象在周三开户。"),
    "KB-RETIRED": ("retired", None, "2026-01-05", None, "退役条款：橙色长颈鹿在周四销户。"),
    "KB-EXPIRED": (
        "approved",
        "C001",
        "2025-01-02",
        "2025-12-31",
        "过期条款：蓝色企鹅在周五转托管。",
    ),
    "KB-FUTURE": ("approved", "C001", "2027-06-01", None, "未来条款：绿色海豚在周六打新股。"),
}
SOON = "限时条款：黑色熊猫在周日开会。"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def document(doc_id, version, status, approver, start, end, body):
    lines = [
        "---",
        f"id: {doc_id}",
        f"version: {version}",
        "kind: faq",
        f"title: {doc_id} 标题",
        "language: zh",
        f"status: {status}",
    ]
    if approver:
        lines.append(f"approved_by: {approver}")
    lines.append(f"effective_from: {start}")
    if end:
        lines.append(f"expires_on: {end}")
    return "\n".join([*lines, "---", "## 条款", body, ""])


@pytest.fixture
async def service(engine, tmp_path: Path):
    uow = UnitOfWorkFactory(session_factory(engine))
    async with uow() as work:
        work.session.add(StaffRow(staff_id="C001", name="合规", role="compliance"))
        work.session.add(StaffRow(staff_id="M001", name="王芳", role="manager"))
        await work.commit()
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "live.md").write_text(
        document("KB-REPO", 1, "approved", "C001", "2026-01-05", None, LIVE), encoding="utf-8"
    )
    (docs / "old.md").write_text(
        document(
            "KB-SUPERSEDED",
            1,
            "approved",
            "C001",
            "2026-01-05",
            None,
            "旧版条款：红色狐狸在周一开户。",
        ),
        encoding="utf-8",
    )
    (docs / "new.md").write_text(
        document(
            "KB-SUPERSEDED",
            2,
            "approved",
            "C001",
            "2026-02-02",
            None,
            "新版条款：白色兔子在周二开户。",
        ),
        encoding="utf-8",
    )
    (docs / "soon.md").write_text(
        document("KB-SOON", 1, "approved", "C001", "2026-01-05", "2027-01-01", SOON),
        encoding="utf-8",
    )
    for doc_id, (status, approver, start, end, body) in SECRET.items():
        (docs / f"{doc_id}.md").write_text(
            document(doc_id, 1, status, approver, start, end, body), encoding="utf-8"
        )
    clock = Clock()
    curation = CurationService(uow, clock=clock)
    await curation.import_directory(docs, by="C001", migrate=True)
    answers = AnswerService(
        curation,
        HashingEmbedder(),
        tmp_path / "index",
        clock=clock,
        decision=Decision(
            dense_alone=0.99, dense_with_lexical=0.3, dense_only=0.5, lexical_only=1.0
        ),
    )
    await answers.reindex()
    answers.test_clock = clock
    return answers, curation


@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
async def test_unapproved_or_out_of_effect_text_is_never_returned(service, mode):
    answers, _ = service
    for _, _, _, _, body in SECRET.values():
        ranked = await answers.rank(body, k=10, mode=mode)
        assert all(body not in r.text for r in ranked)
        assert {r.doc_id for r in ranked} <= {"KB-REPO", "KB-SUPERSEDED", "KB-SOON"}
    superseded = await answers.rank("旧版条款：红色狐狸在周一开户。", k=10, mode=mode)
    assert all("红色狐狸" not in r.text for r in superseded)
    assert all(r.version == 2 for r in superseded if r.doc_id == "KB-SUPERSEDED")


async def test_answer_cites_id_version_approver_and_date(service):
    answers, _ = service
    answer = await answers.answer("GC001 国债逆回购最低多少钱", asker="M001")
    assert answer.decision == "answer"
    assert answer.best is not None and answer.best.doc_id == "KB-REPO"
    citation = answer.best.citation
    assert (citation.version, citation.approved_by, str(citation.effective_from)) == (
        1,
        "C001",
        "2026-01-05",
    )
    assert LIVE in answer.best.text
    assert answer.gap_id is None


async def test_no_answer_goes_to_the_content_gap_queue(service):
    answers, curation = service
    answer = await answers.answer("年会在哪天开", asker="M001")
    assert answer.decision == "no_answer" and answer.best is None
    gaps = await curation.open_gaps()
    assert [(g[1], g[2]) for g in gaps] == [("年会在哪天开", "M001")]
    assert answer.gap_id == gaps[0][0]


async def test_empty_question_is_not_answered_or_queued(service):
    answers, curation = service
    answer = await answers.answer("   \u200b ")
    assert answer.decision == "no_answer"
    assert await curation.open_gaps() == []


async def test_text_that_expires_after_indexing_is_hidden(service):
    answers, _ = service
    assert "KB-SOON" in {r.doc_id for r in await answers.rank(SOON, k=5)}
    answers.test_clock.now = datetime(2027, 2, 1, tzinfo=UTC)  # expired; no re-index since
    assert "KB-SOON" not in {r.doc_id for r in await answers.rank(SOON, k=5)}


async def test_twenty_simultaneous_questions_share_one_model_call(service, tmp_path):
    """A burst of questions (20 managers asking at once) is embedded in one batch behind the
    question being embedded: no executor limit splits it into small, slower batches."""
    _, curation = service
    model = GatedEmbedder()
    answers = AnswerService(curation, model, tmp_path / "held-index", clock=lambda: NOW)
    await answers.reindex()
    questions = [f"国债逆回购第{n}天怎么计息" for n in range(20)]

    first = asyncio.create_task(answers.rank(questions[0]))
    assert await asyncio.to_thread(model.entered.wait, 10)
    rest = [asyncio.create_task(answers.rank(q)) for q in questions[1:]]
    searcher = answers._searcher
    assert searcher is not None
    batcher = searcher._queries.inner  # CachingEmbedder → BatchingEmbedder
    queued = await asyncio.to_thread(batcher.wait_until_waiting, 19, 10)
    model.release.set()
    ranked = await asyncio.gather(first, *rest)

    assert queued, "not every question reached the model's queue"
    assert model.batch_sizes == [1, 19]
    assert all(r and r[0].doc_id == "KB-REPO" for r in ranked)
    alone = [await answers.rank(q) for q in questions]  # cached vectors: the same answers
    assert [[r.doc_id for r in x] for x in alone] == [[r.doc_id for r in x] for x in ranked]


async def test_warm_up_builds_the_index_and_runs_the_model_before_the_first_question(
    service, tmp_path
):
    """`ambot run` warms up before polling: the first manager's question then waits for
    neither the index build nor the model load, and nothing is remembered as if asked."""
    _, curation = service
    model = GatedEmbedder()
    model.release.set()
    index = tmp_path / "warm-index"
    answers = AnswerService(curation, model, index, clock=lambda: NOW)
    await answers.warm_up()

    assert any(index.iterdir()), "the index was not built and saved"
    assert model.calls == [["warm-up"]]
    ranked = await answers.rank("国债逆回购最低多少钱")
    assert ranked[0].doc_id == "KB-REPO"
    assert len(model.calls) == 2  # the question itself went to the model: no cached warm-up


async def test_the_model_embeds_the_question_as_asked_and_bm25_gets_the_synonyms(service, tmp_path):
    """Hybrid search: the lexical side repairs 开护 → 开户, the model sees the question as
    typed (better ranking on both evaluation sets, fewer tokens). Dense-only search has no
    lexical side, so there the model gets the canonical term appended."""
    _, curation = service
    model = GatedEmbedder()
    model.release.set()
    answers = AnswerService(curation, model, tmp_path / "routing-index", clock=lambda: NOW)
    await answers.reindex()

    await answers.rank("开护要带身份证吗", mode="hybrid")
    await answers.rank("开护要带什么证件", mode="dense")

    assert model.calls == [["开护要带身份证吗"], ["开护要带什么证件 开户 身份证"]]
