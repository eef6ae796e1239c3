"""Reciprocal rank fusion: agreement wins, non-matching lexical hits get no vote."""

from __future__ import annotations

import pytest

from retrieval import reciprocal_rank_fusion


def test_a_document_both_sides_rank_beats_one_only_one_side_ranks_first() -> None:
    fused = reciprocal_rank_fusion([("a", 0.9), ("b", 0.8)], [("b", 7.0), ("c", 5.0)])

    assert [h.id for h in fused] == ["b", "a", "c"]
    assert fused[0].score == pytest.approx(1 / 62 + 1 / 61)


def test_each_hit_keeps_both_sides_scores_and_ranks() -> None:
    fused = {h.id: h for h in reciprocal_rank_fusion([("a", 0.9), ("b", 0.8)], [("b", 7.0)])}

    assert (fused["b"].dense_rank, fused["b"].dense_score) == (2, 0.8)
    assert (fused["b"].lexical_rank, fused["b"].lexical_score) == (1, 7.0)
    assert (fused["a"].lexical_rank, fused["a"].lexical_score) == (None, None)


def test_lexical_hits_without_a_matching_token_get_no_vote() -> None:
    fused = reciprocal_rank_fusion([("a", 0.9)], [("z", 0.0), ("b", 3.0)])

    assert [h.id for h in fused] == ["a", "b"]
    assert next(h for h in fused if h.id == "b").lexical_rank == 1


def test_ties_go_to_the_better_dense_score() -> None:
    fused = reciprocal_rank_fusion([("a", 0.7)], [("b", 4.0)])

    assert [h.id for h in fused] == ["a", "b"]


def test_limit_and_rrf_k() -> None:
    fused = reciprocal_rank_fusion([("a", 0.9), ("b", 0.5)], [], rrf_k=0, limit=1)

    assert [(h.id, h.score) for h in fused] == [("a", 1.0)]
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([], [], rrf_k=-1)
