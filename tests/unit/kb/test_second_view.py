"""Issue 15 §4: the second view — a second model's cosine per document, fused into the ranking;
its vectors are kept beside the index so a restart embeds nothing again."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np

from knowledge_base.answering import RankedResult
from knowledge_base.second_view import VECTORS_FILE, SecondView, SecondViewIndex, fuse
from retrieval import HashingEmbedder, Passage
from retrieval.embedders import Vectors


def ranked(doc_id: str, score: float, dense: float = 0.85) -> RankedResult:
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
        lexical_score=None,
    )


def passage(doc_id: str, index: int, text: str) -> Passage:
    return Passage(f"{doc_id}@1#{index}", text, {"doc_id": doc_id, "version": 1})


class Counting:
    """A hashing embedder that counts the texts it embeds."""

    def __init__(self) -> None:
        self.inner = HashingEmbedder(64)
        self.embedded: list[str] = []

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        return self.inner.encode_queries(texts)

    def encode_documents(self, texts: Sequence[str]) -> Vectors:
        self.embedded.extend(texts)
        return self.inner.encode_documents(texts)


def test_the_second_view_reorders_close_documents_and_records_its_score() -> None:
    first = [ranked("KB-A", 0.90), ranked("KB-B", 0.89), ranked("KB-C", 0.70)]

    fused = fuse(first, {("KB-A", 1): 0.30, ("KB-B", 1): 0.60, ("KB-C", 1): 0.90}, 0.08)

    assert [r.doc_id for r in fused] == ["KB-B", "KB-A", "KB-C"]  # 0.938 > 0.924 > 0.772
    assert fused[0].score == 0.89 + 0.08 * 0.60
    assert fused[0].second_view == 0.60


def test_a_document_the_second_view_does_not_know_keeps_its_score() -> None:
    fused = fuse([ranked("KB-A", 0.90), ranked("KB-NEW", 0.95)], {("KB-A", 1): 0.5}, 0.08)

    assert [(r.doc_id, r.score, r.second_view) for r in fused] == [
        ("KB-NEW", 0.95, None),
        ("KB-A", 0.90 + 0.04, 0.5),
    ]


def test_a_document_scores_its_closest_passage() -> None:
    vectors = np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]], dtype=np.float32)
    index = SecondViewIndex(vectors, [("KB-A", 1), ("KB-A", 1), ("KB-B", 1)])

    scores = index.scores(np.array([0.0, 1.0], dtype=np.float32), [("KB-A", 1), ("KB-B", 1)])

    assert scores == {("KB-A", 1): 1.0, ("KB-B", 1): np.float32(0.8)}
    assert index.scores(np.array([1.0, 0.0]), [("KB-GONE", 1)]) == {}


def test_vectors_are_kept_beside_the_index_and_only_new_text_is_embedded(tmp_path: Path) -> None:
    embedder = Counting()
    view = SecondView(embedder)
    passages = [passage("KB-A", 0, "融资融券开户条件"), passage("KB-B", 0, "国债逆回购")]
    view.build(passages, tmp_path)
    assert (tmp_path / VECTORS_FILE).exists()

    changed = [passages[0], passage("KB-B", 0, "国债逆回购怎么操作")]
    again = SecondView(embedder).build(changed, tmp_path)  # a restart: a new process's view

    assert embedder.embedded == ["融资融券开户条件", "国债逆回购", "国债逆回购怎么操作"]
    question = embedder.encode_queries(["国债逆回购怎么操作"])[0]
    assert again.scores(question, [("KB-B", 1)])[("KB-B", 1)] > 0.99


def test_an_unreadable_vectors_file_is_rebuilt(tmp_path: Path) -> None:
    (tmp_path / VECTORS_FILE).write_bytes(b"not numpy")
    embedder = Counting()

    index = SecondView(embedder).build([passage("KB-A", 0, "融资融券")], tmp_path)

    assert len(index) == 1 and embedder.embedded == ["融资融券"]
