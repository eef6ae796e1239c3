"""Answering: the approved text that answers a question, with its citation — or an honest "no".

Only approved versions in effect on the day of the question are indexed and returned (the date
is checked again at answer time, so an expiry between re-indexings still hides the text).
e5 cosine scores are compressed (≈0.80–0.93 for anything Chinese), so the decision to answer
is calibrated (see `Decision`), not a bare top-1.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from knowledge_base.curation import ApprovedText, CurationService
from knowledge_base.text import clean_text
from retrieval import (
    BuildReport,
    Embedder,
    HybridSearcher,
    Passage,
    SearchHit,
    chunk_markdown,
    load_or_build,
)

Mode = Literal["hybrid", "dense", "lexical"]
MAX_QUESTION_CHARS = 500


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

    @property
    def citation(self) -> Citation:
        return Citation(
            self.doc_id, self.version, self.title, self.approved_by, self.effective_from
        )


@dataclass(frozen=True)
class Answer:
    """The decision, the best approved text (when answering) and up to two alternatives."""

    question: str
    decision: Literal["answer", "no_answer"]
    best: RankedResult | None
    alternatives: tuple[RankedResult, ...]
    results: tuple[RankedResult, ...]
    gap_id: int | None = None


@dataclass(frozen=True)
class Decision:
    """When to answer. Tuned on tests/eval by bench/kb_eval.py (numbers in docs/benchmarks.md).

    hybrid: answer when the best document's dense similarity ≥ dense_alone, or ≥ dense_with_lexical
    and the lexical side matched that document too (a shared code like GC001, or shared bigrams).
    dense: dense similarity ≥ dense_only. lexical: BM25 of the best document ≥ lexical_only.
    """

    dense_alone: float = 0.89
    dense_with_lexical: float = 0.85
    dense_only: float = 0.87
    lexical_only: float = 6.0

    def should_answer(self, best: RankedResult, mode: Mode) -> bool:
        dense = best.dense_score if best.dense_score is not None else 0.0
        if mode == "dense":
            return dense >= self.dense_only
        if mode == "lexical":
            return (best.lexical_score or 0.0) >= self.lexical_only
        if dense >= self.dense_alone:
            return True
        return best.lexical_score is not None and dense >= self.dense_with_lexical


def passages_for(texts: list[ApprovedText]) -> list[Passage]:
    """Chunk each approved text by section; the title and section are part of what is embedded."""
    passages: list[Passage] = []
    for text in texts:
        for index, chunk in enumerate(chunk_markdown(text.body)):
            heading = f"{text.title} · {chunk.section}" if chunk.section else text.title
            passages.append(
                Passage(
                    id=f"{text.doc_id}@{text.version}#{index}",
                    text=f"{heading}\n{chunk.text}",
                    metadata={
                        "doc_id": text.doc_id,
                        "version": text.version,
                        "title": text.title,
                        "section": chunk.section,
                        "body": chunk.text,
                        "kind": text.kind,
                        "product_risk": text.product_risk,
                        "approved_by": text.approved_by,
                        "effective_from": text.effective_from.isoformat(),
                        "expires_on": text.expires_on.isoformat() if text.expires_on else None,
                        "tags": list(text.tags),
                    },
                )
            )
    return passages


def _in_effect(hit: SearchHit, today: date) -> bool:
    start = date.fromisoformat(hit.metadata["effective_from"])
    end = hit.metadata.get("expires_on")
    return start <= today and (end is None or today < date.fromisoformat(end))


def _result(hit: SearchHit) -> RankedResult:
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
        score=hit.score,
        dense_score=hit.dense_score,
        lexical_score=hit.lexical_score,
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
        clock: Callable[[], datetime] | None = None,
        timezone: str = "Asia/Shanghai",
    ) -> None:
        self._curation = curation
        self._embedder = embedder
        self._index_dir = index_dir
        self._decision = decision or Decision()
        self._clock = clock or (lambda: datetime.now(UTC))
        self._tz = ZoneInfo(timezone)
        self._searcher: HybridSearcher | None = None
        self._lock = asyncio.Lock()

    def today(self) -> date:
        return self._clock().astimezone(self._tz).date()

    async def reindex(self) -> BuildReport:
        """(Re)build the index from the database's approved, in-effect text; reuses unchanged vectors."""
        async with self._lock:
            texts = await self._curation.approved_in_effect(self.today())
            passages = passages_for(texts)
            searcher, report = await asyncio.to_thread(
                load_or_build, self._index_dir, passages, self._embedder
            )
            self._searcher = searcher
            return report

    async def _ensure_index(self) -> HybridSearcher:
        if self._searcher is None:
            await self.reindex()
        assert self._searcher is not None
        return self._searcher

    async def rank(self, question: str, *, k: int = 5, mode: Mode = "hybrid") -> list[RankedResult]:
        """Documents best first (one entry per document: its best section), in effect today."""
        searcher = await self._ensure_index()
        query = clean_text(question)[:MAX_QUESTION_CHARS]
        if not query:
            return []
        hits = await asyncio.to_thread(searcher.search, query, max(k * 4, 12), mode)
        today = self.today()
        seen: set[str] = set()
        ranked: list[RankedResult] = []
        for hit in hits:
            if not _in_effect(hit, today) or hit.metadata["doc_id"] in seen:
                continue
            seen.add(hit.metadata["doc_id"])
            ranked.append(_result(hit))
            if len(ranked) == k:
                break
        return ranked

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
        if ranked and self._decision.should_answer(ranked[0], mode):
            return Answer(question, "answer", ranked[0], tuple(ranked[1:3]), tuple(ranked))
        gap_id = None
        if record_gap and clean_text(question):
            best = ranked[0] if ranked else None
            gap_id = await self._curation.record_gap(
                clean_text(question),
                asked_by=asker,
                best_doc_id=best.doc_id if best else None,
                best_score=best.dense_score if best else None,
            )
        return Answer(question, "no_answer", None, (), tuple(ranked), gap_id)
