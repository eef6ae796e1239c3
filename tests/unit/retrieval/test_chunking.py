"""Markdown chunking: sections follow headings, cuts fall on sentence ends, spans are exact."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval import chunk_markdown

DOC = """# 融资融券业务

融资融券是证券公司向客户出借资金或证券的业务。

## 开通条件

1. 申请前20个交易日日均证券类资产不低于50万元；
2. 参与证券交易满6个月。
风险承受能力须为C4及以上！

## 费用

### 利率
融资年利率8.35%。融券费率10.35%。
"""


def test_each_chunk_knows_its_heading_path() -> None:
    chunks = chunk_markdown(DOC)

    assert [c.section for c in chunks] == [
        "融资融券业务",
        "融资融券业务 > 开通条件",
        "融资融券业务 > 费用 > 利率",
    ]
    assert chunks[1].text.startswith("1. 申请前20个交易日")
    assert chunks[1].text.endswith("C4及以上！")


def test_chunk_text_is_the_exact_source_span() -> None:
    for chunk in chunk_markdown(DOC, max_chars=30):
        assert DOC[chunk.start : chunk.end] == chunk.text


def test_cuts_fall_on_sentence_or_line_ends_when_over_the_limit() -> None:
    chunks = chunk_markdown(DOC, max_chars=30)
    conditions = [c.text for c in chunks if c.section.endswith("开通条件")]

    assert conditions == [
        "1. 申请前20个交易日日均证券类资产不低于50万元；",
        "2. 参与证券交易满6个月。\n风险承受能力须为C4及以上！",
    ]
    rates = [c.text for c in chunks if c.section.endswith("利率")]
    assert rates == ["融资年利率8.35%。融券费率10.35%。"]


def test_english_sentences_split_at_periods_but_not_inside_numbers() -> None:
    text = "Margin rate is 8.35% a year. Clients need six months of trading. Ask first."

    assert [c.text for c in chunk_markdown(text, max_chars=40)] == [
        "Margin rate is 8.35% a year.",
        "Clients need six months of trading.",
        "Ask first.",
    ]


def test_a_sentence_longer_than_the_limit_is_cut_at_commas() -> None:
    sentence = "客户需要满足资产要求，需要满足经验要求，需要完成风险测评，还需要签署协议。"

    chunks = chunk_markdown(sentence, max_chars=22)

    assert [c.text for c in chunks] == [
        "客户需要满足资产要求，需要满足经验要求，",
        "需要完成风险测评，还需要签署协议。",
    ]


def test_a_sentence_without_any_break_is_cut_hard_at_the_limit() -> None:
    assert [len(c.text) for c in chunk_markdown("字" * 25, max_chars=10)] == [10, 10, 5]


def test_headings_inside_code_fences_are_not_sections() -> None:
    text = "## 示例\n```\n# 注释\n```\n"

    assert {c.section for c in chunk_markdown(text)} == {"示例"}


def test_text_before_any_heading_has_an_empty_section_and_empty_sections_vanish() -> None:
    chunks = chunk_markdown("导言。\n\n## 空章节\n\n## 正文\n内容。")

    assert [(c.section, c.text) for c in chunks] == [("", "导言。"), ("正文", "内容。")]


_ALPHABET = st.sampled_from(list("融资券开通条件资产万ab1 .。！？；，\n"))


@settings(max_examples=150, deadline=None)
@given(text=st.text(_ALPHABET, max_size=300), max_chars=st.integers(min_value=1, max_value=60))
def test_chunks_are_ordered_bounded_exact_and_cover_all_text(text: str, max_chars: int) -> None:
    chunks = chunk_markdown(text, max_chars=max_chars)

    position = 0
    for chunk in chunks:
        assert chunk.start >= position
        assert 0 < len(chunk.text) <= max_chars
        assert text[chunk.start : chunk.end] == chunk.text
        position = chunk.end
    assert "".join("".join(c.text.split()) for c in chunks) == "".join(text.split())
