"""Reciprocal rank fusion of a dense and a lexical result list, keeping each side's evidence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from retrieval.types import DocId, ScoredId

DEFAULT_RRF_K = 60


@dataclass(frozen=True, slots=True)
class FusedHit:
    """One fused result. `score` is the RRF sum Σ 1/(rrf_k + rank) (ranks start at 1), so it
    only orders hits; the per-side scores and ranks are kept for calibrating a "no answer"
    decision. A side that did not return the id has rank and score None."""

    id: DocId
    score: float
    dense_rank: int | None
    dense_score: float | None
    lexical_rank: int | None
    lexical_score: float | None


def reciprocal_rank_fusion(
    dense: Sequence[ScoredId],
    lexical: Sequence[ScoredId],
    *,
    rrf_k: int = DEFAULT_RRF_K,
    limit: int | None = None,
) -> list[FusedHit]:
    """Fuse two best-first lists. Lexical hits with score ≤ 0 (no shared token) get no vote:
    a lexical ranking of non-matching documents is noise. Ties go to the better dense score."""
    if rrf_k < 0:
        raise ValueError("rrf_k must not be negative")
    dense_of: dict[DocId, tuple[int, float]] = {}
    for doc_id, score in dense:
        dense_of.setdefault(doc_id, (len(dense_of) + 1, score))
    lexical_of: dict[DocId, tuple[int, float]] = {}
    for doc_id, score in lexical:
        if score > 0 and doc_id not in lexical_of:
            lexical_of[doc_id] = (len(lexical_of) + 1, score)
    hits = []
    for doc_id in dict.fromkeys([*dense_of, *lexical_of]):
        d_rank, d_score = dense_of.get(doc_id, (None, None))
        l_rank, l_score = lexical_of.get(doc_id, (None, None))
        fused = sum(1.0 / (rrf_k + rank) for rank in (d_rank, l_rank) if rank is not None)
        hits.append(FusedHit(doc_id, fused, d_rank, d_score, l_rank, l_score))
    hits.sort(key=lambda h: (-h.score, -(h.dense_score if h.dense_score is not None else -2.0)))
    return hits if limit is None else hits[:limit]
