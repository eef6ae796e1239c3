"""Test embedders: model-free (hashing) vectors with hooks to observe and hold model calls."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from retrieval import HashingEmbedder
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
