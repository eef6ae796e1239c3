"""The query adapter: the dense side searches with normalize(W q); files are checked."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from retrieval import HybridSearcher, Passage
from retrieval.query_adapter import QueryAdapter, adapter_path, load_adapter
from tests.unit.retrieval.conftest import CountingEmbedder

PASSAGES = [
    Passage("margin", "融资融券开通条件：资产五十万元，交易经验半年以上。"),
    Passage("repo", "国债逆回购 GC001 按日计息，适合闲置资金。"),
    Passage("fund", "基金定投每月固定扣款，分摊成本。"),
]


def _toward(embedder: CountingEmbedder, source: str, target: str) -> QueryAdapter:
    """An adapter that sends the vector of `source` (as a query) onto that of `target`'s
    passage and leaves the orthogonal rest alone: a question reads as another text."""
    q = embedder.encode_queries([source])[0].astype(np.float64)
    d = embedder.encode_documents([target])[0].astype(np.float64)
    q, d = q / np.linalg.norm(q), d / np.linalg.norm(d)
    matrix = np.eye(len(q)) - np.outer(q, q) + np.outer(d, q)
    return QueryAdapter(matrix.astype(np.float32))


def test_the_dense_side_searches_with_the_adapted_question(embedder: CountingEmbedder) -> None:
    plain = HybridSearcher(embedder, query_adapter=None)
    plain.add(PASSAGES)
    adapted = HybridSearcher(
        embedder, query_adapter=_toward(embedder, "钱闲着不动怎么办", PASSAGES[2].text)
    )
    adapted.add(PASSAGES)

    assert plain.search("钱闲着不动怎么办", k=1, mode="dense")[0].id != "fund"
    top = adapted.search("钱闲着不动怎么办", k=1, mode="dense")[0]
    assert top.id == "fund"
    assert top.dense_score is not None and top.dense_score > 0.99
    # the question's own vector (read by the topic map) is the model's, not the adapted one
    assert np.allclose(
        adapted.query_vector("钱闲着不动怎么办"), embedder.encode_queries(["钱闲着不动怎么办"])[0]
    )


def test_the_identity_changes_nothing(embedder: CountingEmbedder) -> None:
    plain = HybridSearcher(embedder, query_adapter=None)
    same = HybridSearcher(embedder, query_adapter=QueryAdapter(np.eye(256, dtype=np.float32)))
    for searcher in (plain, same):
        searcher.add(PASSAGES)
    for question in ("融资融券", "GC001 利息", "定投扣款"):
        a, b = plain.search(question, k=3), same.search(question, k=3)
        assert [h.id for h in a] == [h.id for h in b]
        assert np.allclose([h.dense_score for h in a], [h.dense_score for h in b], atol=1e-5)


def test_an_adapter_file_is_read_back_and_a_bad_one_is_ignored(tmp_path: Path) -> None:
    matrix = np.eye(8, dtype=np.float32) * 2
    path = adapter_path("engine-1.0:some-model", tmp_path)
    QueryAdapter(matrix, "note").save(path)

    read = load_adapter("engine-2.0:some-model", 8, tmp_path)  # another engine release: same model
    assert read is not None and np.array_equal(read.matrix, matrix) and read.note == "note"
    assert load_adapter("engine-1.0:some-model", 16, tmp_path) is None  # another dimension
    assert load_adapter("engine-1.0:other-model", 8, tmp_path) is None  # none ships for it
    path.write_bytes(b"not an npz")
    assert load_adapter("engine-1.0:some-model", 8, tmp_path) is None
    nan = np.eye(8, dtype=np.float32)
    nan[0, 0] = np.nan
    QueryAdapter(nan).save(path)
    assert load_adapter("engine-1.0:some-model", 8, tmp_path) is None


def test_no_adapter_ships_for_the_hashing_embedder(embedder: CountingEmbedder) -> None:
    assert HybridSearcher(embedder).adapter is None


def test_scores_come_back_on_the_models_scale(embedder: CountingEmbedder) -> None:
    adapter = QueryAdapter(np.eye(256, dtype=np.float32), shift=0.5, scale=0.4)
    plain = HybridSearcher(embedder, query_adapter=None)
    calibrated = HybridSearcher(embedder, query_adapter=adapter)
    for searcher in (plain, calibrated):
        searcher.add(PASSAGES)
    for mode in ("dense", "hybrid"):
        a = plain.search("融资融券 GC001", k=3, mode=mode)  # type: ignore[arg-type]
        b = calibrated.search("融资融券 GC001", k=3, mode=mode)  # type: ignore[arg-type]
        assert [h.id for h in a] == [h.id for h in b]
        for x, y in zip(a, b, strict=True):
            assert x.dense_score is not None and y.dense_score is not None
            assert y.dense_score == pytest.approx(0.5 + 0.4 * x.dense_score, abs=1e-5)


def test_stored_questions_are_met_by_the_question_as_the_model_embeds_it(
    embedder: CountingEmbedder,
) -> None:
    """An approved similar question typed exactly is the nearest passage at cosine 1, however
    the adapter moves questions toward documents; documents get the adapted, calibrated
    cosine."""
    adapter = replace(_toward(embedder, "钱闲着不动怎么办", PASSAGES[2].text), shift=0.1, scale=0.8)
    searcher = HybridSearcher(embedder, query_adapter=adapter)
    searcher.add([*PASSAGES, Passage("q", "钱闲着不动怎么办", embed_as="query")])
    for mode in ("dense", "hybrid"):
        hits = searcher.search("钱闲着不动怎么办", k=2, mode=mode)  # type: ignore[arg-type]
        assert [h.id for h in hits] == ["q", "fund"]
        assert hits[0].dense_score == pytest.approx(1.0, abs=1e-5)
        assert hits[1].dense_score == pytest.approx(0.1 + 0.8 * 1.0, abs=1e-4)
