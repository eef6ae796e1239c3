"""HybridSearcher behaviour with the HashingEmbedder: modes, evidence per hit, metadata."""

from __future__ import annotations

import pytest

from retrieval import HybridSearcher, Passage, SearchMode
from tests.unit.retrieval.conftest import CountingEmbedder

PASSAGES = [
    Passage("margin", "融资融券开通条件：资产五十万元，交易经验半年以上。", {"doc": "KB-1"}),
    Passage("star", "科创板开通：资产五十万元，交易经验两年以上。", {"doc": "KB-2"}),
    Passage("repo", "国债逆回购 GC001 按日计息，适合闲置资金。", {"doc": "KB-3"}),
    Passage("fund", "基金定投每月固定扣款，分摊成本。", {"doc": "KB-4"}),
]


@pytest.fixture
def searcher(embedder: CountingEmbedder) -> HybridSearcher:
    searcher = HybridSearcher(embedder)
    searcher.add(PASSAGES)
    return searcher


def test_hybrid_hits_carry_text_metadata_and_both_sides_evidence(searcher: HybridSearcher) -> None:
    hits = searcher.search("融资融券开通条件", k=2)

    assert [h.id for h in hits] == ["margin", "star"]
    top = hits[0]
    assert top.text == PASSAGES[0].text
    assert top.metadata == {"doc": "KB-1"}
    assert (top.dense_rank, top.lexical_rank) == (1, 1)
    assert top.dense_score is not None and top.dense_score > hits[1].dense_score  # type: ignore[operator]
    assert top.lexical_score is not None and top.lexical_score > 0


def test_an_exact_code_is_found_by_the_lexical_side(searcher: HybridSearcher) -> None:
    hits = searcher.search("GC001", k=4)

    assert hits[0].id == "repo"
    assert hits[0].lexical_rank == 1
    assert all(h.lexical_score is None for h in hits[1:])


def test_hybrid_reports_the_true_cosine_for_hits_only_the_lexical_side_found(
    embedder: CountingEmbedder,
) -> None:
    searcher = HybridSearcher(embedder, candidates=1)
    lookalikes = [Passage(f"near{i}", f"GC 001 GCC 0011 G{i}") for i in range(5)]
    exact = Passage(
        "exact", "这是一段关于国债逆回购的长说明，代码GC001，另有基金、股票、债券、期货等内容。"
    )
    searcher.add([*lookalikes, exact])

    hits = searcher.search("GC001", k=4)

    hit = next(h for h in hits if h.id == "exact")
    assert (hit.dense_rank, hit.lexical_rank) == (None, 1)
    query = embedder.encode_queries(["GC001"])[0]
    expected = float(embedder.encode_documents([exact.text])[0] @ query)
    assert hit.dense_score == pytest.approx(expected, abs=1e-5)


def test_lexical_mode_needs_no_query_embedding(
    searcher: HybridSearcher, embedder: CountingEmbedder
) -> None:
    hits = searcher.search("基金定投", k=3, mode="lexical")

    assert [h.id for h in hits] == ["fund"]
    assert hits[0].dense_score is None
    assert embedder.queries_embedded == 0


@pytest.mark.parametrize("mode", ["hybrid", "lexical"])
def test_a_separate_lexical_query_lets_synonyms_reach_the_lexical_side(
    searcher: HybridSearcher, mode: SearchMode
) -> None:
    plain = searcher.search("reverse repo", k=4, mode=mode)
    expanded = searcher.search("reverse repo", k=4, mode=mode, lexical_query="reverse repo 逆回购")

    assert all(h.lexical_score is None for h in plain)
    assert expanded[0].id == "repo" and expanded[0].lexical_rank == 1


def test_dense_mode_ranks_every_passage_by_similarity(searcher: HybridSearcher) -> None:
    hits = searcher.search("基金定投扣款", k=4, mode="dense")

    assert hits[0].id == "fund"
    assert len(hits) == 4
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert all(h.lexical_rank is None for h in hits)


def test_unknown_mode_is_refused(searcher: HybridSearcher) -> None:
    with pytest.raises(ValueError, match="mode"):
        searcher.search("x", mode="fuzzy")  # type: ignore[arg-type]


def test_blank_queries_find_nothing(searcher: HybridSearcher, embedder: CountingEmbedder) -> None:
    assert searcher.search("   ") == []
    assert embedder.queries_embedded == 0


def test_removing_a_passage_does_not_re_embed_the_others(
    searcher: HybridSearcher, embedder: CountingEmbedder
) -> None:
    embedded = embedder.documents_embedded

    assert searcher.remove(["margin"]) == 1

    assert embedder.documents_embedded == embedded
    assert "margin" not in searcher
    assert searcher.search("融资融券开通条件", k=1)[0].id == "star"


def test_replacing_a_passage_updates_text_and_metadata(searcher: HybridSearcher) -> None:
    searcher.add([Passage("fund", "可转债打新需要开通权限。", {"doc": "KB-9"})])

    hit = searcher.search("可转债打新", k=1)[0]
    assert (hit.id, hit.metadata) == ("fund", {"doc": "KB-9"})
    assert len(searcher) == 4
