"""Ranking per document and the answer / no-answer decision, on hand-made search hits."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from knowledge_base.answering import (
    CROSS_LANGUAGE_OFFSET,
    LEXICAL_WEIGHT,
    Decision,
    RankedResult,
    question_language,
    rank_documents,
)
from retrieval import SearchHit

TODAY = date(2026, 11, 21)


def hit(
    doc_id: str,
    dense: float | None,
    lexical: float | None = None,
    *,
    section: str = "条件",
    language: str = "zh",
    effective_from: str = "2026-01-01",
    expires_on: str | None = None,
) -> SearchHit:
    metadata: dict[str, Any] = {
        "doc_id": doc_id,
        "version": 1,
        "title": f"{doc_id} 标题",
        "section": section,
        "body": f"{doc_id} {section} 正文",
        "kind": "faq",
        "language": language,
        "product_risk": None,
        "approved_by": "C001",
        "effective_from": effective_from,
        "expires_on": expires_on,
    }
    return SearchHit(
        id=f"{doc_id}#{section}",
        text="",
        metadata=metadata,
        score=0.0,
        dense_score=dense,
        dense_rank=None,
        lexical_score=lexical,
        lexical_rank=None,
    )


def result(dense: float | None, lexical: float | None) -> RankedResult:
    [ranked] = rank_documents([hit("KB-X", dense, lexical)], "hybrid", language="zh", today=TODAY)
    return ranked


def test_each_document_appears_once_with_its_best_evidence_from_either_side() -> None:
    hits = [
        hit("KB-A", 0.86, None, section="材料"),
        hit("KB-A", 0.90, None, section="条件"),
        hit("KB-A", 0.80, 12.0, section="费用"),
        hit("KB-B", 0.88, None),
    ]

    ranked = rank_documents(hits, "hybrid", language="zh", today=TODAY)

    assert [r.doc_id for r in ranked] == ["KB-A", "KB-B"]
    best = ranked[0]
    assert (best.dense_score, best.lexical_score) == (0.90, 12.0)
    assert best.section == "条件"  # the chunk that scores best on its own is shown


def test_lexical_evidence_lifts_a_document_but_cannot_outweigh_a_clear_dense_lead() -> None:
    close = [hit("KB-A", 0.880, None), hit("KB-B", 0.875, 10.0)]
    # BM25 adds at most LEXICAL_WEIGHT however high it is
    far = [hit("KB-A", 0.875 + LEXICAL_WEIGHT, None), hit("KB-B", 0.875, 1000.0)]

    assert rank_documents(close, "hybrid", language="zh", today=TODAY)[0].doc_id == "KB-B"
    assert rank_documents(far, "hybrid", language="zh", today=TODAY)[0].doc_id == "KB-A"


def test_a_document_in_the_other_language_is_not_penalised_for_it() -> None:
    hits = [hit("KB-ZH", 0.880, None), hit("KB-EN", 0.875, None, language="en")]

    ranked = rank_documents(hits, "dense", language="zh", today=TODAY)

    assert [r.doc_id for r in ranked] == ["KB-EN", "KB-ZH"]
    assert ranked[0].dense_score == pytest.approx(0.875 + CROSS_LANGUAGE_OFFSET)


def test_text_not_in_effect_today_is_dropped() -> None:
    hits = [
        hit("KB-OLD", 0.99, 50.0, expires_on="2026-11-21"),
        hit("KB-NEW", 0.99, 50.0, effective_from="2026-11-22"),
        hit("KB-LIVE", 0.80, None),
    ]

    ranked = rank_documents(hits, "hybrid", language="zh", today=TODAY)

    assert [r.doc_id for r in ranked] == ["KB-LIVE"]


def test_lexical_mode_orders_by_bm25() -> None:
    hits = [hit("KB-A", None, 3.0), hit("KB-B", None, 9.0)]

    ranked = rank_documents(hits, "lexical", language="zh", today=TODAY)

    assert [(r.doc_id, r.score) for r in ranked] == [("KB-B", 9.0), ("KB-A", 3.0)]


DECISION = Decision(
    dense_alone=0.90,
    dense_with_lexical=0.85,
    lexical_support=2.0,
    dense_only=0.88,
    lexical_only=5.0,
)


@pytest.mark.parametrize(
    ("dense", "lexical", "answers"),
    [
        (0.91, None, True),  # similar enough on its own
        (0.86, 2.5, True),  # close, and the lexical side found real evidence
        (0.86, 1.0, False),  # lexical evidence too thin
        (0.86, None, False),  # no shared token at all
        (0.84, 30.0, False),  # too far in meaning, however many shared tokens
    ],
)
def test_hybrid_answers_on_similarity_or_similarity_backed_by_lexical_evidence(
    dense: float, lexical: float | None, answers: bool
) -> None:
    assert DECISION.should_answer(result(dense, lexical), "hybrid") is answers


def test_single_side_modes_use_their_own_threshold() -> None:
    assert DECISION.should_answer(result(0.885, None), "dense")
    assert not DECISION.should_answer(result(0.875, 100.0), "dense")
    assert DECISION.should_answer(result(None, 5.0), "lexical")
    assert not DECISION.should_answer(result(0.99, 4.9), "lexical")


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("两融开通条件", "zh"),
        ("What does a client need to trade STAR Market shares?", "en"),
        ("GC001怎么操作", "zh"),
        ("688", "zh"),
    ],
)
def test_question_language(question: str, language: str) -> None:
    assert question_language(question) == language
