"""Any sentence-transformers model from a local path or the local cache (never the hub)."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.embedders.base import Vectors, normalize_rows


class SentenceTransformerEmbedder:
    """A sentence-transformers model, loaded lazily with `local_files_only` so it never downloads.

    e5-style models need "query: " / "passage: " prefixes; pass them as `query_prefix` and
    `document_prefix`."""

    def __init__(
        self,
        model_name_or_path: str | Path,
        *,
        model_id: str | None = None,
        query_prefix: str = "",
        document_prefix: str = "",
        device: str = "cpu",
        batch_size: int = 32,
    ) -> None:
        self._source = str(model_name_or_path)
        self._model_id = model_id or f"sentence-transformers:{self._source}"
        self.query_prefix = query_prefix
        self.document_prefix = document_prefix
        self._device = device
        self._batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def dimension(self) -> int:
        model = self.load()
        getter = getattr(model, "get_embedding_dimension", None) or (
            model.get_sentence_embedding_dimension
        )
        return int(getter())

    def load(self) -> Any:
        """Load the model now (otherwise the first use does) and return it."""
        with self._lock:
            if self._model is None:
                # Belt and braces with local_files_only: the hub client must never go online.
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                from sentence_transformers import SentenceTransformer

                self._model = SentenceTransformer(
                    self._source, device=self._device, local_files_only=True
                )
            return self._model

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        return self._encode([self.query_prefix + t for t in texts])

    def encode_documents(self, texts: Sequence[str]) -> Vectors:
        return self._encode([self.document_prefix + t for t in texts])

    def _encode(self, texts: list[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self.load()
        vectors = model.encode(
            texts,
            batch_size=self._batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return normalize_rows(vectors)
