"""Dense index: exact inner product over unit vectors (cosine) with FAISS, keyed by caller ids."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import faiss
import numpy as np
import numpy.typing as npt

from retrieval._files import atomic_write, read_json, write_json
from retrieval.embedders.base import Vectors, normalize_rows
from retrieval.types import DocId, ScoredId, check_unique

INDEX_FILE = "dense.faiss"
IDS_FILE = "dense_ids.json"


class FaissIndex:
    """IndexIDMap2 over IndexFlatIP: exact search, removal in place, vectors retrievable by id.

    Caller ids (str or int) map to int64 labels that are never reused. Adding an id that is
    already present replaces its vector. Scores are cosine similarities in [-1, 1].

    `threads` sets FAISS's process-wide OpenMP thread count (None leaves it alone). The default
    1 suits one-query-at-a-time search: an exact scan of 100k vectors takes a few ms on one
    core, and FAISS's idle threads would otherwise spin against the embedder's."""

    def __init__(self, dimension: int, *, threads: int | None = 1) -> None:
        if dimension <= 0:
            raise ValueError("dimension must be positive")
        if threads is not None:
            faiss.omp_set_num_threads(threads)
        self.dimension = dimension
        self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
        self._label_of: dict[DocId, int] = {}
        self._id_of: dict[int, DocId] = {}
        self._next_label = 0

    def __len__(self) -> int:
        return len(self._label_of)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._label_of

    def ids(self) -> list[DocId]:
        """All ids, in insertion order."""
        return list(self._label_of)

    def add(self, vectors: npt.ArrayLike, ids: Sequence[DocId]) -> None:
        """Add (or replace) one vector per id; vectors are L2-normalised on the way in."""
        ids = list(ids)
        check_unique(ids)
        matrix = normalize_rows(vectors) if len(ids) else np.zeros((0, self.dimension), np.float32)
        if matrix.shape != (len(ids), self.dimension):
            raise ValueError(
                f"expected vectors of shape ({len(ids)}, {self.dimension}), got {matrix.shape}"
            )
        if not ids:
            return
        self.remove([i for i in ids if i in self._label_of])
        labels = np.arange(self._next_label, self._next_label + len(ids), dtype=np.int64)
        self._next_label += len(ids)
        self._index.add_with_ids(matrix, labels)
        for doc_id, label in zip(ids, labels.tolist(), strict=True):
            self._label_of[doc_id] = label
            self._id_of[label] = doc_id

    def remove(self, ids: Sequence[DocId]) -> int:
        """Remove these ids (unknown ones are ignored) without rebuilding; return how many went."""
        labels = [self._label_of.pop(i) for i in dict.fromkeys(ids) if i in self._label_of]
        if labels:
            for label in labels:
                del self._id_of[label]
            # faiss' Python wrapper accepts an id array here; its stubs only know IDSelector.
            self._index.remove_ids(np.asarray(labels, dtype=np.int64))  # type: ignore[arg-type]
        return len(labels)

    def search(self, query: npt.ArrayLike, k: int) -> list[ScoredId]:
        """The k ids most similar to one query vector, best first."""
        if k <= 0 or not self._label_of:
            return []
        vector = normalize_rows(np.asarray(query, dtype=np.float32).reshape(1, -1))
        if vector.shape[1] != self.dimension:
            raise ValueError(f"query has dimension {vector.shape[1]}, expected {self.dimension}")
        scores, labels = self._index.search(vector, min(k, len(self._label_of)))
        return [
            (self._id_of[int(label)], float(score))
            for score, label in zip(scores[0], labels[0], strict=True)
            if label >= 0
        ]

    def vectors(self, ids: Sequence[DocId]) -> Vectors:
        """Stored vectors of these ids, in order (KeyError for an unknown id)."""
        out = np.zeros((len(ids), self.dimension), dtype=np.float32)
        for row, doc_id in enumerate(ids):
            out[row] = self._index.reconstruct(self._label_of[doc_id])
        return out

    def scores(self, query: npt.ArrayLike, ids: Sequence[DocId]) -> list[float]:
        """Similarity of one query vector to each of these stored ids."""
        vector = normalize_rows(np.asarray(query, dtype=np.float32).reshape(1, -1))[0]
        return [float(s) for s in self.vectors(ids) @ vector]

    def save(self, directory: str | Path) -> None:
        """Write the FAISS index and the id map into `directory` (native format and JSON)."""
        folder = Path(directory)
        atomic_write(folder / INDEX_FILE, lambda tmp: faiss.write_index(self._index, str(tmp)))
        write_json(
            folder / IDS_FILE,
            {
                "dimension": self.dimension,
                "next_label": self._next_label,
                "labels": [[label, doc_id] for doc_id, label in self._label_of.items()],
            },
        )

    @classmethod
    def load(cls, directory: str | Path, *, threads: int | None = 1) -> FaissIndex:
        """Read an index written by `save`."""
        folder = Path(directory)
        meta = read_json(folder / IDS_FILE)
        index = faiss.read_index(str(folder / INDEX_FILE))
        if (
            not isinstance(index, faiss.IndexIDMap2)
            or index.d != meta["dimension"]
            or index.ntotal != len(meta["labels"])
        ):
            raise ValueError(f"FAISS index in {folder} does not match its id map")
        loaded = cls(int(meta["dimension"]), threads=threads)
        loaded._index = index
        loaded._next_label = int(meta["next_label"])
        for label, doc_id in meta["labels"]:
            loaded._label_of[doc_id] = int(label)
            loaded._id_of[int(label)] = doc_id
        return loaded
