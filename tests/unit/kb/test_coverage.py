"""Concept coverage: a document that never names the question's topic does not answer it."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from knowledge_base.answering import Decision, rank_documents, with_features
from knowledge_base.coverage import CoverageIndex, document_text
from knowledge_base.glossary import Glossary, GlossaryEntry, load_glossary, parse_glossary
from retrieval import SearchHit

TODAY = date(2026, 11, 21)

GLOSSARY = Glossary(
    [
        GlossaryEntry(("开户", "open an account"), generic=True),
        GlossaryEntry(("融资融券", "两融", "margin trading")),
        GlossaryEntry(("股票期权", "期权", "options")),
        GlossaryEntry(("融资利率", "两融利率", "margin interest rate")),
        GlossaryEntry(("科创板",), pattern=r"(?<![0-9])68[89][0-9]{3}(?![0-9])"),
    ]
)
DOCS = {
    "KB-MARGIN": document_text("融资融券开通条件", ["两融", "margin trading"], "资产50万元。"),
    "KB-OPTIONS": document_text("股票期权开户条件", ["期权"], "资产50万元，需通过测试。"),
    "KB-STAR": document_text("科创板权限", ["688"], "资产50万元。"),
}
COVERAGE = CoverageIndex.build(GLOSSARY, [(doc, 1, text) for doc, text in DOCS.items()])


def hit(doc_id: str, dense: float, lexical: float | None = None) -> SearchHit:
    metadata: dict[str, Any] = {
        "doc_id": doc_id,
        "version": 1,
        "title": doc_id,
        "section": "条件",
        "body": DOCS.get(doc_id, ""),
        "kind": "faq",
        "language": "zh",
        "product_risk": None,
        "approved_by": "C001",
        "effective_from": "2026-01-01",
        "expires_on": None,
    }
    return SearchHit(doc_id, "", metadata, 0.0, dense, None, lexical, None)


def ranked(question: str, *hits: SearchHit) -> list[Any]:
    pooled = rank_documents(list(hits), "hybrid", language="zh", today=TODAY)
    return with_features(pooled, question, COVERAGE)


def test_a_question_about_options_is_not_covered_by_the_margin_document() -> None:
    [best] = ranked("期权开通要多少资产", hit("KB-MARGIN", 0.93, 12.0))

    assert best.uncovered == ("股票期权",)
    assert Decision().judge(best, "hybrid") == "uncovered:股票期权"


def test_a_neighbouring_rate_question_is_not_covered_by_the_eligibility_document() -> None:
    [best] = ranked("两融利率现在多少", hit("KB-MARGIN", 0.93, 20.0))

    assert best.uncovered == ("融资利率",)  # 融资融券 itself is covered
    assert not Decision().should_answer(best, "hybrid")


def test_generic_concepts_and_codes_the_document_names_do_not_veto() -> None:
    [best] = ranked("开户后能买688001吗", hit("KB-STAR", 0.93, 5.0))

    assert best.uncovered == ()  # 开户 is generic; the code names 科创板, which the title names
    assert Decision().should_answer(best, "hybrid")


def test_the_document_that_covers_the_topic_is_ranked_before_a_closer_worded_one() -> None:
    results = ranked(
        "股票期权开户要啥条件", hit("KB-MARGIN", 0.95, 15.0), hit("KB-OPTIONS", 0.90, 3.0)
    )

    assert [r.doc_id for r in results] == ["KB-OPTIONS", "KB-MARGIN"]
    assert results[0].uncovered == () and results[1].uncovered == ("股票期权",)


def test_an_english_question_is_covered_by_the_bilingual_tags() -> None:
    [best] = ranked("What does a client need for margin trading?", hit("KB-MARGIN", 0.90, 4.0))

    assert best.uncovered == ()


def test_a_question_naming_no_concept_and_an_unknown_document_are_not_vetoed() -> None:
    [plain] = ranked("资产要多少", hit("KB-MARGIN", 0.93))
    [unknown] = ranked("期权条件", hit("KB-ELSEWHERE", 0.93))

    assert plain.uncovered == () and unknown.uncovered == ()


def test_a_homophone_guess_does_not_count_as_naming_a_concept() -> None:
    glossary = Glossary([GlossaryEntry(("弃购", "放弃认购"))])
    coverage = CoverageIndex.build(glossary, [("KB-NOTE", 1, "收益凭证 起购金额")])

    # 起购 reads like 弃购 in pinyin: search may use the guess, coverage must not
    assert coverage.distinctive("收益凭证起购多少") == ()


def test_lexical_coverage_is_the_share_of_question_tokens_in_the_document() -> None:
    coverage = CoverageIndex.build(GLOSSARY, [("KB-X", 1, "国债逆回购 GC001")])

    assert coverage.lexical_coverage("GC001 逆回购", "KB-X", 1) == pytest.approx(1.0)
    assert coverage.lexical_coverage("GC001 天气", "KB-X", 1) == pytest.approx(0.5)
    assert coverage.lexical_coverage("", "KB-X", 1) is None


def test_the_sample_glossary_marks_setting_words_generic_and_topics_distinctive() -> None:
    sample = {e.canonical: e.generic for e in load_glossary().entries}

    assert sample["开户"] and sample["客户经理"] and sample["权限开通"]
    assert not sample["股票期权"] and not sample["新三板"] and not sample["融资利率"]


def test_generic_must_be_a_boolean() -> None:
    with pytest.raises(ValueError, match="generic must be true or false"):
        parse_glossary([{"terms": ["开户"], "generic": "yes"}])
