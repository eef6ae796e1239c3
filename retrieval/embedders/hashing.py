"""A deterministic, model-free embedder for tests: hashed character n-grams and words."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from retrieval.embedders.base import Vectors, normalize_rows
from retrieval.tokenizer import normalize, tokenize


class HashingEmbedder:
    """Feature hashing of character 1–3-grams and lexical tokens into `dimension` signed buckets.

    Texts sharing characters get similar vectors, so it behaves like a (poor) real model in
    unit tests while staying instant and identical across runs and machines."""

    def __init__(self, dimension: int = 256) -> None:
        if dimension < 8:
            raise ValueError("HashingEmbedder dimension must be at least 8")
        self._dimension = dimension

    @property
    def model_id(self) -> str:
        return f"hashing-v1-{self._dimension}"

    @property
    def dimension(self) -> int:
        return self._dimension

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts)

    def encode_documents(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts)

    def _encode(self, texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for feature in _features(text):
                digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
                value = int.from_bytes(digest, "little")
                out[row, value % self._dimension] += 1.0 if (value >> 63) & 1 else -1.0
        return normalize_rows(out)


def _features(text: str) -> list[str]:
    chars = "".join(c for c in normalize(text) if c.isalnum())
    grams = [chars[i : i + n] for n in (1, 2, 3) for i in range(len(chars) - n + 1)]
    return grams + ["w:" + token for token in tokenize(text)]
