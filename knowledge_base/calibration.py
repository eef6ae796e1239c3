"""Refusal as a calibrated decision: a small logistic model over the best document's features.

Whether to answer is the probability that the question is answerable at all, from features
that mean the same on any knowledge base (issue 15 point 6): the calibrated cosine of the best
document, its lead over the next document (fused score and cosine), how much of the question's
wording — plain and weighted by rarity in the knowledge base — the document contains, how much
of it no document contains at all, the BM25 evidence, whether the dense and lexical sides agree,
and whether a distinctive glossary concept of the question is missing from the document. The
share of wording no document contains is read per question language (`unknown_zh`,
`unknown_en`): it means "about something else" for a question in the knowledge base's own
language, and little for an English question to Chinese texts. And the best document's own
score under the learned ranker (`ranker_score`): the ranker's whole reading of how well the
document matches, where the lead says only how far it stands above the next.

The coefficients are fitted by `bench/kb_eval.py --fit` with leave-one-set-out cross-validation
over independent evaluation knowledge bases (never thresholds hand-set on one set) and shipped
as data (`refusal_model.json` beside this file). Plain Python at run time: no numpy needed.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from retrieval.embedders.base import model_name  # one reading of a model's name


class RankedResult(Protocol):
    """What the model reads of a ranking's best document (knowledge_base.answering's
    RankedResult; a protocol here so the two modules do not import each other)."""

    @property
    def score(self) -> float: ...
    @property
    def dense_score(self) -> float | None: ...
    @property
    def lexical_score(self) -> float | None: ...
    @property
    def margin(self) -> float | None: ...
    @property
    def dense_margin(self) -> float | None: ...
    @property
    def lexical_coverage(self) -> float | None: ...
    @property
    def weighted_coverage(self) -> float | None: ...
    @property
    def unknown_share(self) -> float | None: ...
    @property
    def uncovered(self) -> tuple[str, ...]: ...
    @property
    def agreement(self) -> bool | None: ...
    @property
    def second_view(self) -> float | None: ...
    @property
    def chunk_dense(self) -> float | None: ...
    @property
    def cross_language(self) -> bool: ...
    @property
    def background(self) -> float | None: ...
    @property
    def sentence_dense(self) -> float | None: ...
    @property
    def question_language(self) -> str | None: ...
    @property
    def has_questions(self) -> bool: ...
    @property
    def out_of_scope(self) -> float | None: ...
    @property
    def in_scope(self) -> float | None: ...


LEXICAL_HALF = 20.0  # BM25 enters as bm25 / (bm25 + LEXICAL_HALF), in [0, 1)
NO_MARGIN = 0.05  # the lead of a document with no competitor

FEATURES: tuple[str, ...] = (
    "dense",
    "margin",
    "dense_margin",
    "lexical",
    "coverage",
    "weighted_coverage",
    "unknown_share",
    "uncovered",
    "agreement",
    "second_view",
    "chunk_dense",
    "cross_language",
    "background",
    "sentence",
    "unknown_zh",
    "unknown_en",
    "ranker_score",
    "questions",
    "out_of_scope",
    "in_scope",
)


def default_model_path() -> Path:
    return Path(__file__).resolve().parent / "refusal_model.json"


def feature_values(best: RankedResult) -> dict[str, float]:
    """The features of a ranking's best document, by name (missing values neutral)."""
    bm25 = best.lexical_score or 0.0
    unknown = best.unknown_share if best.unknown_share is not None else 0.0
    english = None if best.question_language is None else best.question_language == "en"
    return {
        "dense": best.dense_score if best.dense_score is not None else 0.0,
        "margin": min(best.margin if best.margin is not None else NO_MARGIN, NO_MARGIN),
        "dense_margin": min(
            best.dense_margin if best.dense_margin is not None else NO_MARGIN, NO_MARGIN
        ),
        "lexical": bm25 / (bm25 + LEXICAL_HALF),
        "coverage": best.lexical_coverage if best.lexical_coverage is not None else 0.0,
        "weighted_coverage": (
            best.weighted_coverage if best.weighted_coverage is not None else 0.0
        ),
        "unknown_share": unknown,
        "uncovered": 1.0 if best.uncovered else 0.0,
        "agreement": 1.0 if best.agreement else 0.0,
        "second_view": best.second_view or 0.0,
        "chunk_dense": (
            best.chunk_dense
            if best.chunk_dense is not None
            else (best.dense_score if best.dense_score is not None else 0.0)
        ),
        "cross_language": 1.0 if best.cross_language else 0.0,
        # the question's closeness to the field's topic map (knowledge_base.background)
        # (unknown: NaN, read as the fitted mean by `RefusalModel.probability`)
        "background": best.background if best.background is not None else math.nan,
        # the question's best cosine with one sentence of the document (unknown: NaN)
        "sentence": best.sentence_dense if best.sentence_dense is not None else math.nan,
        # unknown wording by the question's language: a Chinese question whose words no text
        # of the knowledge base uses is about something else; an English question's words are
        # unknown to a Chinese knowledge base whatever it asks (one weight for both blurred the
        # two; eight-set LOSO no-answer R 0.647 → 0.673, P 0.818 → 0.820, docs/benchmarks.md)
        # (question language unknown: NaN, read as the fitted mean)
        "unknown_zh": math.nan if english is None else (0.0 if english else unknown),
        "unknown_en": math.nan if english is None else (unknown if english else 0.0),
        # the document's score under the learned ranker (the shipped ordering, fitted with this
        # model: the ranking's `score`); it adds to the lead what the lead leaves out, how well
        # the best document itself matches (eight-set LOSO, with the cosine's own lead left
        # out: no-answer R 0.664 → 0.696, P 0.821 → 0.818; docs/benchmarks.md)
        "ranker_score": best.score,
        # the document carries approved similar questions: every score of a document that has
        # them runs higher (a question is closer to a question than to a passage), so a model
        # fitted only on knowledge bases with them refused too much on one without (eight-set
        # LOSO without questions: no-answer P 0.681 → 0.827, answered right 0.758 → 0.815,
        # fitted on both states; docs/benchmarks.md)
        "questions": 1.0 if best.has_questions else 0.0,
        # the question's best cosine with an example of an intent no approved text answers
        # (forecast, live quote, stock tip…) and with an in-scope look-alike
        # (knowledge_base.intents; unknown: NaN, read as the fitted mean). Eight-set LOSO with
        # questions: no-answer P 0.863 → 0.890, R 0.650 → 0.696; the held-out ninth set: P 0.893
        # → 0.926 (docs/benchmarks.md)
        "out_of_scope": best.out_of_scope if best.out_of_scope is not None else math.nan,
        "in_scope": best.in_scope if best.in_scope is not None else math.nan,
    }


@dataclass(frozen=True)
class RefusalModel:
    """Logistic regression on standardised features: answer when P(answerable) ≥ threshold."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float = 0.5
    embedder: str = ""  # model_id of the embedder whose cosines it was fitted on
    # P(answerable) at or above which an answer is given as sure; between `threshold` and this,
    # the answer is shown as uncertain (the closest approved text, which may not be on the
    # question). None: every answer is given as sure (a model fitted before this was read).
    confident: float | None = None

    def probability(self, best: RankedResult) -> float:
        values = feature_values(best)
        z = self.intercept + sum(
            0.0 if math.isnan(values[name]) else c * (values[name] - m) / s
            for name, m, s, c in zip(self.features, self.mean, self.scale, self.coef, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))

    def answers(self, best: RankedResult) -> bool:
        return self.probability(best) >= self.threshold

    def sure(self, best: RankedResult) -> bool:
        """Whether an answer with `best` is given as sure (see `confident`)."""
        return self.confident is None or self.probability(best) >= self.confident

    def to_json(self) -> dict[str, object]:
        return {
            "features": list(self.features),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "coef": list(self.coef),
            "intercept": self.intercept,
            "threshold": self.threshold,
            "embedder": self.embedder,
            **({} if self.confident is None else {"confident": self.confident}),
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> RefusalModel:
        def floats(key: str) -> tuple[float, ...]:
            value = data[key]
            assert isinstance(value, list)
            return tuple(float(v) for v in value)

        names = data["features"]
        assert isinstance(names, list)
        unknown = [n for n in names if n not in FEATURES]
        if unknown:
            raise ValueError(f"refusal model: unknown features {unknown}")
        return cls(
            tuple(str(n) for n in names),
            floats("mean"),
            floats("scale"),
            floats("coef"),
            float(data["intercept"]),  # type: ignore[arg-type]
            float(data.get("threshold", 0.5)),  # type: ignore[arg-type]
            str(data.get("embedder", "")),
            None if data.get("confident") is None else float(data["confident"]),  # type: ignore[arg-type]
        )


def load_model(path: Path | None = None, *, embedder: str | None = None) -> RefusalModel | None:
    """The shipped model (None when the file is absent, or when `embedder` is given and the
    model was fitted on another embedder's scores: cosines of different models do not mean
    the same, and the rule-based `Decision` applies instead)."""
    file = path or default_model_path()
    if not file.exists():
        return None
    model = RefusalModel.from_json(json.loads(file.read_text(encoding="utf-8")))
    if embedder is not None and model_name(model.embedder) != model_name(embedder):
        return None
    return model
