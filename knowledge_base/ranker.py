"""A learned document ordering: a linear score over each candidate document's features.

The hand-set ordering (knowledge_base.answering) adds the calibrated cosine, LEXICAL_WEIGHT × the
saturated BM25 score, SECOND_VIEW_WEIGHT × the second view's cosine and CODE_BOOST × the share of
the question's rare identifiers the document holds, then puts documents that miss a distinctive
concept of the question last. The learned ranker scores the same candidates with weights fitted
by a pairwise logistic loss (the right document above each wrong one) with leave-one-set-out
cross-validation over independent evaluation knowledge bases (`bench/kb_eval.py --fit-ranker`),
shipped as data (`ranker_model.json` beside this file). Plain Python at run time (~10 features ×
a few dozen documents per question: microseconds).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol, TypeVar

from knowledge_base.calibration import model_name

LEXICAL_HALF = 20.0  # BM25 enters as bm25 / (bm25 + LEXICAL_HALF), in [0, 1)

FEATURES: tuple[str, ...] = (
    "dense",  # calibrated cosine of the best passage (chunk or approved similar question)
    "chunk_dense",  # calibrated cosine of the best chunk (the document's own text)
    "lexical",  # saturated BM25 of the glossary-expanded question
    "coverage",  # share of the question's tokens the document contains
    "weighted_coverage",  # the same, tokens weighted by rarity in the knowledge base
    "second_view",  # USE multilingual cosine (knowledge_base.second_view)
    "code",  # share of the question's rare identifiers (GC001, 510050) the document holds
    "uncovered",  # the document never names a distinctive concept of the question
    "cross_language",  # the document is in the other language than the question
    "sentence",  # best cosine with one sentence of the document (knowledge_base.sentence_view)
)


class Candidate(Protocol):
    """What the ranker reads of a ranked document (knowledge_base.answering.RankedResult)."""

    @property
    def doc_id(self) -> str: ...
    @property
    def score(self) -> float: ...
    @property
    def dense_score(self) -> float | None: ...
    @property
    def chunk_dense(self) -> float | None: ...
    @property
    def lexical_score(self) -> float | None: ...
    @property
    def lexical_coverage(self) -> float | None: ...
    @property
    def weighted_coverage(self) -> float | None: ...
    @property
    def second_view(self) -> float | None: ...
    @property
    def code_share(self) -> float: ...
    @property
    def uncovered(self) -> tuple[str, ...]: ...
    @property
    def cross_language(self) -> bool: ...
    @property
    def sentence_dense(self) -> float | None: ...


C = TypeVar("C", bound=Candidate)


def default_ranker_path() -> Path:
    return Path(__file__).resolve().parent / "ranker_model.json"


def feature_values(
    r: Candidate,
    *,
    uncovered: bool | None = None,
    coverage: float | None = None,
    weighted_coverage: float | None = None,
) -> dict[str, float]:
    """A candidate's features by name (a missing value is neutral: 0, or the pooled cosine);
    the keyword arguments stand in for the candidate's coverage fields when given."""
    dense = r.dense_score if r.dense_score is not None else 0.0
    bm25 = r.lexical_score or 0.0
    missing = bool(r.uncovered) if uncovered is None else uncovered
    return {
        "dense": dense,
        "chunk_dense": r.chunk_dense if r.chunk_dense is not None else dense,
        "lexical": bm25 / (bm25 + LEXICAL_HALF),
        "coverage": (r.lexical_coverage if coverage is None else coverage) or 0.0,
        "weighted_coverage": (
            r.weighted_coverage if weighted_coverage is None else weighted_coverage
        )
        or 0.0,
        "second_view": r.second_view or 0.0,
        "code": r.code_share,
        "uncovered": 1.0 if missing else 0.0,
        "cross_language": 1.0 if r.cross_language else 0.0,
        "sentence": r.sentence_dense if r.sentence_dense is not None else dense,
    }


@dataclass(frozen=True)
class Ranker:
    """score = unit × Σ coef · (x − mean) / scale. `unit` puts the score on the hand-set
    score's scale (the refusal model reads the lead of the best document over the next).
    `covered_first`: documents that name every distinctive concept of the question come
    first, as in the hand-set order (the score orders within each group)."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    unit: float = 1.0
    l2: float = 0.0  # the regularisation it was fitted with (a record, not used at run time)
    embedder: str = ""
    covered_first: bool = True
    # unit × coef / scale per feature, and the constant: the score in one pass
    _terms: tuple[tuple[str, float], ...] = field(init=False, repr=False, compare=False)
    _offset: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        terms = tuple(
            (n, self.unit * c / s)
            for n, s, c in zip(self.features, self.scale, self.coef, strict=True)
        )
        offset = -sum(w * m for (_, w), m in zip(terms, self.mean, strict=True))
        object.__setattr__(self, "_terms", terms)
        object.__setattr__(self, "_offset", offset)

    @property
    def reads_coverage(self) -> bool:
        """Whether the score reads the coverage shares (else they need not be computed)."""
        return "coverage" in self.features or "weighted_coverage" in self.features

    def score(self, r: Candidate, **stand_ins: float | bool | None) -> float:
        """The candidate's score (`stand_ins`: see `feature_values`)."""
        values = feature_values(r, **stand_ins)  # type: ignore[arg-type]
        return self._offset + sum(w * values[n] for n, w in self._terms)

    def to_json(self) -> dict[str, object]:
        return {
            "features": list(self.features),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "coef": list(self.coef),
            "unit": self.unit,
            "l2": self.l2,
            "embedder": self.embedder,
            "covered_first": self.covered_first,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Ranker:
        def floats(key: str) -> tuple[float, ...]:
            value = data[key]
            assert isinstance(value, list)
            return tuple(float(v) for v in value)

        names = data["features"]
        assert isinstance(names, list)
        unknown = [n for n in names if n not in FEATURES]
        if unknown:
            raise ValueError(f"ranker: unknown features {unknown}")
        return cls(
            tuple(str(n) for n in names),
            floats("mean"),
            floats("scale"),
            floats("coef"),
            float(data.get("unit", 1.0)),  # type: ignore[arg-type]
            float(data.get("l2", 0.0)),  # type: ignore[arg-type]
            str(data.get("embedder", "")),
            bool(data.get("covered_first", True)),
        )


def load_ranker(path: Path | None = None, *, embedder: str | None = None) -> Ranker | None:
    """The shipped ranker (None when the file is absent, or fitted on another embedder's
    cosines: the hand-set ordering applies then)."""
    file = path or default_ranker_path()
    if not file.exists():
        return None
    ranker = Ranker.from_json(json.loads(file.read_text(encoding="utf-8")))
    if embedder is not None and model_name(ranker.embedder) != model_name(embedder):
        return None
    return ranker


def order(
    ranked: Sequence[Candidate],
    scores: Sequence[float],
    missing: Sequence[bool],
    covered_first: bool,
) -> list[tuple[int, float | None]]:
    """(index, margin) of each candidate, best first: covered first when `covered_first`, then
    by score (ties: higher cosine, then doc id). The margin is the lead over the best other
    document that covers the question's distinctive concepts as well (`missing[i]`: candidate
    i does not), as `answering.with_features` computes it; None when alone in its group."""
    idx = sorted(
        range(len(ranked)),
        key=lambda i: (
            covered_first and missing[i],
            -scores[i],
            -(ranked[i].dense_score or 0.0),
            ranked[i].doc_id,
        ),
    )
    best: dict[bool, list[float]] = {}
    for i in idx:
        top = best.setdefault(missing[i], [])
        if len(top) < 2:
            top.append(scores[i])
    out: list[tuple[int, float | None]] = []
    for i in idx:
        top = best[missing[i]]
        lead = None if len(top) < 2 else scores[i] - (top[1] if scores[i] >= top[0] else top[0])
        out.append((i, lead))
    return out


def reorder(ranked: Sequence[C], ranker: Ranker, limit: int | None = None) -> list[C]:
    """The candidates (with their features filled in) scored by the ranker, best first, each
    with its learned `score` and `margin` (see `order`); only the first `limit` are kept."""
    scores = [ranker.score(r) for r in ranked]
    missing = [bool(r.uncovered) for r in ranked]
    return [
        replace(ranked[i], score=scores[i], margin=lead)  # type: ignore[type-var]
        for i, lead in order(ranked, scores, missing, ranker.covered_first)[:limit]
    ]
