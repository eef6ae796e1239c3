"""A learned linear map applied to query vectors before the dense search.

The embedding model was trained on general text; a brokerage's questions ("钱放着不动能干啥")
and its approved documents ("现金管理", "保证金") sit further apart in its space than they
should. The adapter `normalize(W q)` moves a question toward the documents that answer it;
document vectors stay the model's own. `W` starts at the identity and is fitted by
`bench/fit_query_adapter.py` on question → document pairs of the evaluation knowledge bases
(each set's effect is measured with an adapter that never saw it). One file per model,
`retrieval/adapters/<model>.npz`; an embedder without a file searches with its own vectors.
**None ships** (2026-12-07): it lifted
dense-only retrieval on held-out sets (top-1 0.70 → 0.79) but not the whole engine's top-1
(docs/benchmarks.md, fifth session); the mechanism stays for `bench/kb_eval.py --adapter-dir`.

The map changes directions, not the meaning of a score: e5 puts every text in a narrow cone
(unrelated questions at cosine ~0.8), the fitted map takes the question out of it, and its
cosines with documents spread differently. `calibrate` maps them back onto the model's own
scale (an affine map: on the fitting pairs, a question's mean cosine with its right document
and with any passage keep the model's values), so thresholds and weights set on the model's
cosines keep their meaning. Passages that are themselves questions (`Passage.embed_as ==
"query"`, approved similar questions) are searched with the model's own question vector: the
map was fitted for question → document, and question → question is what the model was
trained for. Nothing stored depends on the adapter.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.embedders.base import model_name

ADAPTER_DIR = Path(__file__).resolve().parent / "adapters"


def adapter_path(model_id: str, directory: Path | None = None) -> Path:
    return (directory or ADAPTER_DIR) / f"{model_name(model_id)}.npz"


@dataclass(frozen=True)
class QueryAdapter:
    """`normalize(W q)` for a query vector q (rows: one vector each)."""

    matrix: Any  # (dimension, dimension) float32
    note: str = ""
    shift: float = 0.0  # calibrate(c) = shift + scale · c
    scale: float = 1.0

    def __call__(self, vectors: Any) -> Any:
        mapped = np.asarray(vectors, dtype=np.float32) @ self.matrix.T
        norms = np.linalg.norm(mapped, axis=-1, keepdims=True)
        return mapped / np.maximum(norms, 1e-12)

    def calibrate(self, cosine: float) -> float:
        """An adapted cosine on the model's own scale."""
        return self.shift + self.scale * cosine

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            np.savez_compressed(
                handle,
                matrix=self.matrix.astype(np.float32),
                note=self.note,
                shift=self.shift,
                scale=self.scale,
            )

    @classmethod
    def read(cls, path: Path, dimension: int) -> QueryAdapter | None:
        """The adapter in the file, or None when absent, unreadable or of another dimension."""
        try:
            with np.load(path, allow_pickle=False) as data:
                matrix = np.asarray(data["matrix"], dtype=np.float32)
                note = str(data["note"]) if "note" in data else ""
                shift = float(data["shift"]) if "shift" in data else 0.0
                scale = float(data["scale"]) if "scale" in data else 1.0
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if matrix.shape != (dimension, dimension) or not np.isfinite(matrix).all():
            return None
        if not (np.isfinite(shift) and np.isfinite(scale) and scale > 0):
            return None
        return cls(matrix, note, shift, scale)


def load_adapter(
    model_id: str, dimension: int, directory: Path | None = None
) -> QueryAdapter | None:
    """The shipped adapter for this embedder's model, if one ships."""
    return QueryAdapter.read(adapter_path(model_id, directory), dimension)
