"""HybridSearcher: an embedder, a FAISS index and a BM25 index over passages, searched together."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np

from retrieval._files import read_json, write_json
from retrieval.bm25_index import Bm25Index
from retrieval.embedders.base import Embedder
from retrieval.embedders.batching import BatchingEmbedder, CachingEmbedder
from retrieval.faiss_index import FaissIndex
from retrieval.fusion import DEFAULT_RRF_K, reciprocal_rank_fusion
from retrieval.persistence import (
    IndexMismatchError,
    Manifest,
    fingerprint,
    read_manifest,
    write_generation,
)
from retrieval.query_adapter import QueryAdapter, load_adapter
from retrieval.types import DocId, check_unique

SearchMode = Literal["hybrid", "dense", "lexical"]
EmbedAs = Literal["document", "query"]
SEARCH_MODES: tuple[str, ...] = ("hybrid", "dense", "lexical")
PASSAGES_FILE = "passages.json"


@dataclass(frozen=True, slots=True)
class Passage:
    """A searchable unit of text (usually a chunk of a document) with caller-defined metadata.

    `embed_as="query"`: the text is itself a question (e.g. a typical phrasing of what a
    document answers) and is embedded like a query, so that a question is compared with it the
    symmetric way models like e5 compare two questions."""

    id: DocId
    text: str
    metadata: Mapping[str, Any] = field(default_factory=dict)
    embed_as: EmbedAs = "document"

    @property
    def content(self) -> str:
        """What its vector depends on: the text, marked when it is embedded as a query."""
        return self.text if self.embed_as == "document" else f"\x00query\x00{self.text}"


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One result, best first in result lists.

    `score` is the ordering score of the mode: RRF sum (hybrid), cosine similarity (dense) or
    BM25 (lexical). `dense_score` is the cosine similarity of query and passage whenever the
    query was embedded (hybrid and dense), even when the dense side did not rank the passage;
    `lexical_score`/`lexical_rank` are None when the passage shares no token with the query."""

    id: DocId
    text: str
    metadata: Mapping[str, Any]
    score: float
    dense_score: float | None
    dense_rank: int | None
    lexical_score: float | None
    lexical_rank: int | None


class HybridSearcher:
    """Dense + lexical search over passages; thread-safe, sync (wrap calls in asyncio.to_thread).

    Query vectors are the same as the embedder's own, only cheaper: the last `query_cache`
    distinct queries are remembered (CachingEmbedder; 0: off), and the queries of concurrent
    searches are embedded together in one batch (BatchingEmbedder)."""

    def __init__(
        self,
        embedder: Embedder,
        *,
        rrf_k: int = DEFAULT_RRF_K,
        candidates: int = 50,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        query_cache: int = 1024,
        query_adapter: QueryAdapter | Literal["shipped"] | None = "shipped",
    ) -> None:
        self.embedder = embedder
        # the dense side searches with the adapted query vector (retrieval.query_adapter);
        # "shipped": the adapter that ships for this embedder's model, if any
        self.adapter = (
            load_adapter(embedder.model_id, embedder.dimension)
            if query_adapter == "shipped"
            else query_adapter
        )
        batching = BatchingEmbedder(embedder)
        self._queries: Embedder = (
            CachingEmbedder(batching, size=query_cache) if query_cache > 0 else batching
        )
        self.rrf_k = rrf_k
        self.candidates = candidates
        self.clock = clock
        self.dense = FaissIndex(embedder.dimension)
        self.lexical = Bm25Index()
        self._passages: dict[DocId, Passage] = {}
        self._lock = threading.RLock()

    def __len__(self) -> int:
        return len(self._passages)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._passages

    def get(self, doc_id: DocId) -> Passage | None:
        """The stored passage with this id, if any."""
        return self._passages.get(doc_id)

    def passages(self) -> list[Passage]:
        """All passages, in insertion order."""
        with self._lock:
            return list(self._passages.values())

    def add(self, passages: Iterable[Passage]) -> None:
        """Embed and index passages; an id already present is replaced."""
        items = list(passages)
        check_unique([p.id for p in items])
        if not items:
            return
        # Embedding is the slow part: do it before taking the lock so searches go on meanwhile.
        self.add_embedded(items, self._encode(items))

    def _encode(self, items: Sequence[Passage]) -> Any:
        """Each passage's vector, documents and queries each in one batch, in `items` order."""
        queries = [i for i, p in enumerate(items) if p.embed_as == "query"]
        if not queries:
            return self.embedder.encode_documents([p.text for p in items])
        documents = [i for i, p in enumerate(items) if p.embed_as != "query"]
        vectors = np.zeros((len(items), self.embedder.dimension), dtype=np.float32)
        vectors[queries] = self.embedder.encode_queries([items[i].text for i in queries])
        if documents:
            vectors[documents] = self.embedder.encode_documents([items[i].text for i in documents])
        return vectors

    def add_embedded(self, passages: Sequence[Passage], vectors: Any) -> None:
        """Index passages whose vectors were already computed with this embedder's
        `encode_documents` (one row per passage, same order)."""
        check_unique([p.id for p in passages])
        with self._lock:
            ids = [p.id for p in passages]
            self.dense.add(vectors, ids)
            self.lexical.add([p.text for p in passages], ids)
            for passage in passages:
                self._passages.pop(passage.id, None)
                self._passages[passage.id] = passage
            self.lexical.build()  # writers pay for the BM25 rebuild, not the next reader

    def remove(self, ids: Iterable[DocId]) -> int:
        """Drop these ids from both indexes (unknown ids are ignored); return how many went."""
        wanted = list(ids)
        with self._lock:
            self.dense.remove(wanted)
            self.lexical.remove(wanted)
            self.lexical.build()
            return sum(self._passages.pop(i, None) is not None for i in dict.fromkeys(wanted))

    def update_metadata(self, passages: Iterable[Passage]) -> int:
        """Replace the metadata of passages whose id and text are unchanged; return the count."""
        changed = 0
        with self._lock:
            for passage in passages:
                current = self._passages.get(passage.id)
                if (
                    current is not None
                    and current.content == passage.content
                    and dict(current.metadata) != dict(passage.metadata)
                ):
                    self._passages[passage.id] = passage
                    changed += 1
        return changed

    def warm(self) -> None:
        """Load the embedder's model and run it once, so the first real query pays for
        neither (the vector is not cached: no query is remembered that nobody asked)."""
        self.embedder.encode_queries(["warm-up"])

    def search(
        self,
        query: str,
        k: int = 5,
        mode: SearchMode = "hybrid",
        *,
        lexical_query: str | None = None,
    ) -> list[SearchHit]:
        """The k best passages for `query`, best first (fewer when fewer match).

        `lexical_query`, when given, is what the BM25 side searches instead of `query` (e.g. the
        query plus synonyms from a caller's glossary); the embedding is always of `query`."""
        if mode not in SEARCH_MODES:
            raise ValueError(f"unknown search mode {mode!r}; expected one of {SEARCH_MODES}")
        if k <= 0 or not query.strip() or not self._passages:
            return []
        words = query if lexical_query is None else lexical_query
        depth = max(k, self.candidates)
        if mode == "lexical":
            with self._lock:
                return [
                    self._hit(doc_id, score, lexical=(rank, score))
                    for rank, (doc_id, score) in enumerate(self.lexical.search(words, k), 1)
                ]
        vector = self._queries.encode_queries([query])[0]
        with self._lock:
            if mode == "dense":
                return [
                    self._hit(doc_id, score, dense=(rank, score))
                    for rank, (doc_id, score) in enumerate(self._dense(vector, k), 1)
                ]
            lexical = self.lexical.search(words, depth)
            fused = reciprocal_rank_fusion(
                self._dense(vector, depth), lexical, rrf_k=self.rrf_k, limit=k
            )
            # Passages found only lexically still get their true cosine similarity.
            missing = [h.id for h in fused if h.dense_score is None]
            cosine = dict(zip(missing, self._cosines(vector, missing), strict=True))
            return [
                SearchHit(
                    id=h.id,
                    text=self._passages[h.id].text,
                    metadata=self._passages[h.id].metadata,
                    score=h.score,
                    dense_score=h.dense_score if h.dense_score is not None else cosine[h.id],
                    dense_rank=h.dense_rank,
                    lexical_score=h.lexical_score,
                    lexical_rank=h.lexical_rank,
                )
                for h in fused
            ]

    def query_vector(self, query: str) -> Any:
        """The query's vector as the model embeds it, before any adapter (remembered: free
        right after a search)."""
        return self._queries.encode_queries([query])[0]

    def _dense(self, vector: Any, k: int) -> list[tuple[DocId, float]]:
        """The k nearest passages and their cosines. With an adapter (retrieval.query_adapter),
        documents are searched with the adapted question, their cosines put back on the
        model's scale, and passages that are themselves questions with the question as the
        model embeds it (question to question: what the model was trained for; the adapter
        was fitted for question to document)."""
        if self.adapter is None:
            return self.dense.search(vector, k)
        adapted = self.adapter(vector)
        documents = [
            (doc_id, self.adapter.calibrate(score))
            for doc_id, score in self.dense.search(adapted, 2 * k)
            if self._passages[doc_id].embed_as != "query"
        ]
        questions = [
            (doc_id, score)
            for doc_id, score in self.dense.search(vector, 2 * k)
            if self._passages[doc_id].embed_as == "query"
        ]
        return sorted(documents + questions, key=lambda h: (-h[1], h[0]))[:k]

    def _cosines(self, vector: Any, ids: list[DocId]) -> list[float]:
        """Each passage's cosine as `_dense` scores it."""
        if self.adapter is None:
            return self.dense.scores(vector, ids)
        plain = self.dense.scores(vector, ids)
        adapted = self.dense.scores(self.adapter(vector), ids)
        return [
            p if self._passages[i].embed_as == "query" else self.adapter.calibrate(a)
            for i, p, a in zip(ids, plain, adapted, strict=True)
        ]

    def fingerprint(self) -> str:
        """sha256 over the sorted ids and texts of all passages (see persistence.fingerprint)."""
        with self._lock:
            return fingerprint((p.id, p.content) for p in self._passages.values())

    def save(self, directory: str | Path) -> Manifest:
        """Persist to `directory` atomically: FAISS file, BM25 data, passages and a manifest."""
        with self._lock:
            passages = [
                {"id": p.id, "text": p.text, "metadata": dict(p.metadata)}
                | ({"embed_as": p.embed_as} if p.embed_as != "document" else {})
                for p in self._passages.values()
            ]
            digest = self.fingerprint()

            def write_files(folder: Path) -> None:
                self.dense.save(folder)
                self.lexical.save(folder)
                write_json(folder / PASSAGES_FILE, passages)

            return write_generation(
                Path(directory),
                write_files,
                lambda generation: Manifest(
                    model_id=self.embedder.model_id,
                    dimension=self.embedder.dimension,
                    fingerprint=digest,
                    count=len(passages),
                    created=self.clock().isoformat(),
                    generation=generation,
                ),
            )

    @classmethod
    def load(
        cls,
        directory: str | Path,
        embedder: Embedder,
        *,
        rrf_k: int = DEFAULT_RRF_K,
        candidates: int = 50,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        query_cache: int = 1024,
    ) -> HybridSearcher:
        """Load a saved index; IndexMismatchError when it is missing, corrupt or was built with
        another model (the embedder itself is not called, so no model is loaded here)."""
        folder = Path(directory)
        manifest = read_manifest(folder)
        if manifest is None:
            raise IndexMismatchError(f"no readable index in {folder}")
        searcher = cls(
            embedder, rrf_k=rrf_k, candidates=candidates, clock=clock, query_cache=query_cache
        )
        wanted = embedder.model_id
        if manifest.model_id != wanted or manifest.dimension != embedder.dimension:
            raise IndexMismatchError(
                f"index in {folder} was built with {manifest.model_id} ({manifest.dimension}d), "
                f"not {wanted} ({embedder.dimension}d)"
            )
        data = folder / manifest.generation
        try:
            searcher.dense = FaissIndex.load(data)
            searcher.lexical = Bm25Index.load(data)
            rows = read_json(data / PASSAGES_FILE)
            searcher._passages = {
                row["id"]: Passage(
                    row["id"], row["text"], row["metadata"], row.get("embed_as", "document")
                )
                for row in rows
            }
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
            raise IndexMismatchError(f"index in {folder} is unreadable: {exc}") from exc
        ids = set(searcher._passages)
        if (
            searcher.fingerprint() != manifest.fingerprint
            or set(searcher.dense.ids()) != ids
            or set(searcher.lexical.ids()) != ids
        ):
            raise IndexMismatchError(f"index in {folder} does not match its manifest")
        return searcher

    def _hit(
        self,
        doc_id: DocId,
        score: float,
        *,
        dense: tuple[int, float] | None = None,
        lexical: tuple[int, float] | None = None,
    ) -> SearchHit:
        passage = self._passages[doc_id]
        return SearchHit(
            id=doc_id,
            text=passage.text,
            metadata=passage.metadata,
            score=score,
            dense_score=dense[1] if dense else None,
            dense_rank=dense[0] if dense else None,
            lexical_score=lexical[1] if lexical else None,
            lexical_rank=lexical[0] if lexical else None,
        )
