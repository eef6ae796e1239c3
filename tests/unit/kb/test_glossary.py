"""The domain glossary: which concepts a question names, and how it is expanded for search."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge_base.glossary import (
    Glossary,
    GlossaryEntry,
    GlossaryError,
    load_glossary,
    parse_glossary,
)
from retrieval import normalize


@pytest.fixture(scope="module")
def sample() -> Glossary:
    return load_glossary()


def canonical(glossary: Glossary, question: str) -> list[str]:
    return [e.canonical for e in glossary.match(question)]


def test_the_sample_glossary_covers_the_domain_without_ambiguous_spellings(
    sample: Glossary,
) -> None:
    spellings = [normalize(t) for e in sample.entries for t in (*e.terms, *e.typos)]
    assert len(sample) >= 100
    assert len(spellings) == len(set(spellings))  # each spelling names one concept


def test_an_english_question_gets_the_chinese_term_for_the_embedding(sample: Glossary) -> None:
    expansion = sample.expand("How much in assets does a client need to trade ChiNext stocks?")

    assert "创业板" in expansion.dense_query()
    assert "ChiNext" not in expansion.extra_terms()  # already in the question


def test_bm25_gets_every_synonym_of_each_named_concept(sample: Glossary) -> None:
    query = sample.expand("两融开通要多少资产").lexical_query()

    assert query.startswith("两融开通要多少资产 ")
    for term in ("融资融券", "margin trading", "信用账户"):
        assert term in query


@pytest.mark.parametrize(
    ("question", "concept"),
    [
        ("北郊所涨跌幅多少", "北交所"),  # homophone slip, 3 characters
        ("开护要带什么", "开户"),  # homophone slip, 2 characters
        ("科创版权限", "科创板"),
        ("可转在怎么买", "可转债"),  # fuzzy initial zh → z
        ("融资融劵利息", "融资融券"),  # listed typo (劵 for 券; its 融资 names the concept too)
        ("688xxx买不了", "科创板"),  # code pattern
        ("GC007手续费", "国债逆回购"),
        ("STAR Market shares", "科创板"),
        ("client complaints", "投诉"),  # plural of a listed English word
    ],
)
def test_typos_codes_and_english_name_the_right_concept(
    sample: Glossary, question: str, concept: str
) -> None:
    assert concept in canonical(sample, question)


@pytest.mark.parametrize(
    ("question", "not_concept"),
    [
        ("帮我写一首诗", "交易时间"),  # 首诗 sounds like 收市 but shares no character
        ("沪深300指数基金", "创业板"),  # an index name, not a ChiNext code
        ("STAR Market shares", "ST"),  # a Latin term matches whole words only
    ],
)
def test_lookalikes_do_not_name_a_concept(
    sample: Glossary, question: str, not_concept: str
) -> None:
    assert not_concept not in canonical(sample, question)


def test_a_question_naming_nothing_is_left_as_is(sample: Glossary) -> None:
    expansion = sample.expand("今天天气怎么样")

    assert expansion.entries == ()
    assert expansion.dense_query() == expansion.lexical_query() == "今天天气怎么样"


def test_typos_are_recognised_but_never_added() -> None:
    glossary = Glossary([GlossaryEntry(("融资融券", "margin trading"), typos=("融资融卷",))])

    assert glossary.expand("融资融卷").extra_terms() == ["融资融券", "margin trading"]


def test_a_bad_glossary_reports_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "glossary.yaml"
    path.write_text(
        "- terms: [开户]\n- terms: []\n- terms: [x]\n  pattern: '('\n- names: [y]\n",
        encoding="utf-8",
    )

    with pytest.raises(GlossaryError) as error:
        load_glossary(path)

    problems = " | ".join(error.value.problems)
    assert "entry 2: needs at least one term" in problems
    assert "entry 3: bad pattern" in problems
    assert "entry 4: unknown keys names" in problems


def test_a_glossary_must_be_a_list() -> None:
    with pytest.raises(GlossaryError, match="list"):
        parse_glossary({"terms": ["开户"]})


def test_every_english_term_is_recognised_in_a_sentence_spaced_or_hyphenated(
    sample: Glossary,
) -> None:
    terms = [
        (entry, term)
        for entry in sample.entries
        for term in (*entry.terms, *entry.typos)
        if term.isascii() and any(c.isalpha() for c in term)
    ]
    assert len(terms) >= 50
    missed = []
    for entry, term in terms:
        hyphenated = "-".join(term.split())
        for question in (f"What about {term}?", f"client asks: {hyphenated.upper()} rules"):
            if entry not in sample.match(question):
                missed.append((term, question))
    assert missed == []
