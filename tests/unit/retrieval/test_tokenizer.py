"""The lexical tokenizer: codes stay whole, Chinese becomes bigrams, width and script are folded."""

from __future__ import annotations

import pytest

from retrieval import Bm25Index, tokenize


@pytest.mark.parametrize("code", ["GC001", "688", "R3", "C2", "510300"])
def test_codes_are_single_lower_case_tokens(code: str) -> None:
    assert tokenize(f"代码{code}的产品") == ["代码", code.lower(), "的产", "产品"]


def test_chinese_runs_become_overlapping_bigrams() -> None:
    assert tokenize("融资融券") == ["融资", "资融", "融券"]


def test_a_lone_chinese_character_is_kept_as_a_token() -> None:
    assert tokenize("50万元") == ["50", "万元"]
    assert tokenize("资产50万，经验") == ["资产", "50", "万", "经验"]


def test_punctuation_and_spaces_separate_tokens() -> None:
    assert tokenize("C4-R3, e5-small：开通") == ["c4", "r3", "e5", "small", "开通"]


def test_full_width_letters_and_digits_fold_to_half_width() -> None:
    assert tokenize("ＧＣ００１") == ["gc001"]
    assert tokenize("６８８开头") == tokenize("688开头")


def test_traditional_characters_fold_to_simplified() -> None:
    assert tokenize("融資融券開通條件") == tokenize("融资融券开通条件")


def test_english_function_words_are_not_tokens() -> None:
    assert tokenize("What is the margin rate for a client?") == ["what", "margin", "rate", "client"]


def test_empty_and_symbol_only_text_has_no_tokens() -> None:
    assert tokenize("") == []
    assert tokenize("！？…—") == []


def test_similar_codes_do_not_match_each_other() -> None:
    index = Bm25Index()
    index.add(["国债逆回购GC001", "国债逆回购GC002 品种", "代码6880"], ["gc001", "gc002", "6880"])

    assert [i for i, _ in index.search("GC001", 5)] == ["gc001"]
    assert index.search("688", 5) == []


def test_full_width_and_traditional_queries_find_simplified_text() -> None:
    index = Bm25Index()
    index.add(["国债逆回购 GC001 操作说明", "基金定投说明"], ["repo", "fund"])

    assert [i for i, _ in index.search("ＧＣ００１", 5)] == ["repo"]
    assert [i for i, _ in index.search("國債逆回購", 5)] == ["repo"]
