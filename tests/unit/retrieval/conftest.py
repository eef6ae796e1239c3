"""Fixtures for retrieval unit tests: the model-free HashingEmbedder and a call-counting wrapper."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from retrieval import HashingEmbedder
from retrieval.embedders import Vectors


class CountingEmbedder:
    """Wraps an embedder and records how many texts each side embedded."""

    def __init__(self, inner: HashingEmbedder) -> None:
        self.inner = inner
        self.documents_embedded = 0
        self.queries_embedded = 0

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        self.queries_embedded += len(texts)
        return self.inner.encode_queries(texts)

    def encode_documents(self, texts: Sequence[str]) -> Vectors:
        self.documents_embedded += len(texts)
        return self.inner.encode_documents(texts)


@pytest.fixture
def embedder() -> CountingEmbedder:
    return CountingEmbedder(HashingEmbedder(256))
