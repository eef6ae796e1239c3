"""Issue 15: the sentence view — a document's closest single sentence to the question, read by
the learned ranker and the refusal model; its vectors are kept beside the index."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from knowledge_base.answering import RankedResult
from knowledge_base.calibration import feature_values as refusal_features
from knowledge_base.ranker import feature_values as ranker_features
from knowledge_base.sentence_view import VECTORS_FILE, build_sentence_index, sentence_passages
from retrieval import HashingEmbedder
from tests.unit.kb.test_second_view import Counting, ranked


@dataclass(frozen=True)
class Text:
    doc_id: str
    version: int
    body: str


FEES = Text(
    "KB-FEES",
    2,
    "## 费用\n开户免费。融资年利率为6.5%，按日计息。\n每月21日结息，资金不足时转为利息负债。\n"
    "## 风险\n" + "市场波动可能导致亏损。" * 12,
)


def test_each_sentence_of_a_body_is_a_unit_of_its_own_document() -> None:
    passages = sentence_passages([FEES], max_chars=30)

    texts = [p.text for p in passages]
    assert "开户免费。融资年利率为6.5%，按日计息。" in texts
    assert "每月21日结息，资金不足时转为利息负债。" in texts
    assert all(len(t) <= 30 for t in texts)  # the long risk paragraph is cut at sentence ends
    assert not any(t.startswith("#") for t in texts)  # headings are not units
    assert {(p.metadata["doc_id"], p.metadata["version"]) for p in passages} == {("KB-FEES", 2)}
    assert len({p.id for p in passages}) == len(passages)


def test_the_score_is_the_closest_sentence_not_the_average(tmp_path: Path) -> None:
    other = Text("KB-OTHER", 1, "账户冻结后请联系营业部。需要携带身份证原件。")
    embedder = HashingEmbedder(256)
    index = build_sentence_index(embedder, [FEES, other], tmp_path)
    question = embedder.encode_queries(["每月21日结息"])[0]

    scores = index.scores(question, [("KB-FEES", 2), ("KB-OTHER", 1), ("KB-GONE", 1)])

    units = [p.text for p in sentence_passages([FEES])]
    cosines = embedder.encode_documents(units) @ question
    assert len(units) > 2
    assert scores[("KB-FEES", 2)] == cosines.max() > cosines.mean()
    assert scores[("KB-FEES", 2)] > scores[("KB-OTHER", 1)]
    assert ("KB-GONE", 1) not in scores  # unknown to the index: no score, not zero


def test_a_rebuild_embeds_only_new_sentences(tmp_path: Path) -> None:
    first = Counting()
    build_sentence_index(first, [FEES], tmp_path)
    assert (tmp_path / VECTORS_FILE).exists()

    edited = Text("KB-FEES", 3, FEES.body + "\n## 融券\n融券费率另行约定。")
    again = Counting()
    index = build_sentence_index(again, [edited], tmp_path)

    assert again.embedded == ["融券费率另行约定。"]
    assert len(index) == len(sentence_passages([edited]))


def with_sentence(sentence: float | None) -> RankedResult:
    return replace(ranked("KB-FEES", 0.9, dense=0.86), sentence_dense=sentence)


def test_ranker_and_refusal_model_read_the_sentence_score() -> None:
    assert ranker_features(with_sentence(0.91))["sentence"] == 0.91
    assert refusal_features(with_sentence(0.91))["sentence"] == 0.91
    # not computed (another embedder, dense-only search): neutral for both
    assert ranker_features(with_sentence(None))["sentence"] == 0.86  # the document's cosine
    assert np.isnan(refusal_features(with_sentence(None))["sentence"])  # the fitted mean
