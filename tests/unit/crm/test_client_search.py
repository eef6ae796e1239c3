"""Fuzzy client lookup: names with typos, ids, pinyin and initials; tiers at the thresholds."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crm.client_search import Candidate, rank_candidates
from crm.clients import tier_for
from crm.rules.config import TierConfig

BOOK = [
    Candidate("3100000004", "张伟"),
    Candidate("3100000030", "张鑫"),
    Candidate("3100000042", "张云"),
    Candidate("3100000036", "曾晨"),
    Candidate("3100000057", "李兰静"),
    Candidate("3100000099", "Tom Lee"),
]


def ids(query: str) -> list[str]:
    return [m.client_id for m in rank_candidates(query, BOOK)]


@pytest.mark.parametrize(
    "query",
    [
        "张伟",
        "zhangwei",
        "Zhang Wei",
        "ZHANGWEI",
        "zw",
        "张卫",
        "3100000004",
        "３１０００００００４",
    ],
)
def test_each_spelling_finds_only_zhang_wei(query):
    assert ids(query) == ["3100000004"]


def test_typo_in_pinyin_still_ranks_the_client_first():
    assert ids("zhangwie")[0] == "3100000004"


def test_surname_readings_and_prefixes():
    assert ids("zengchen") == ["3100000036"]  # 曾 as a surname reads zeng
    assert ids("zc") == ["3100000036"]
    assert set(ids("zhang")) == {"3100000004", "3100000030", "3100000042"}
    assert set(ids("张")) == {"3100000004", "3100000030", "3100000042"}


def test_id_prefix_lists_several_and_respects_the_limit():
    assert len(rank_candidates("31000000", BOOK, limit=3)) == 3
    assert ids("3100000") == ids("3100000")  # stable order


def test_latin_names_and_nonsense():
    assert ids("tom lee") == ["3100000099"]
    assert ids("王") == []
    assert ids("qqqqxxxx") == []
    assert ids("  \u200b ") == []


def test_tiers_at_the_thresholds():
    assert tier_for(Decimal("5000000.01")) == "hnw"
    assert tier_for(Decimal("5000000.00")) == "wealth"
    assert tier_for(Decimal("1000000.00")) == "wealth"
    assert tier_for(Decimal("999999.99")) == "mass"
    assert tier_for(None) == "mass"
    strict = TierConfig(hnw_above=Decimal(10_000_000), wealth_from=Decimal(2_000_000))
    assert tier_for(Decimal(6_000_000), strict) == "wealth"
