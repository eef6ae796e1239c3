"""Issue 15 §5: what a question asks for (conditions, fees, process…) picks the section shown."""

from __future__ import annotations

from datetime import date

import pytest

from knowledge_base import answering
from knowledge_base.answering import rank_documents
from knowledge_base.sections import heading_intents, offers, question_intents, wanted
from retrieval import SearchHit


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("两融开户门槛是多少", "conditions"),
        ("rzrq要多少资产", "conditions"),  # an asset threshold, asked in everyday words
        ("合约到期了还想继续借，需要满足什么条件", "conditions"),
        ("Who is eligible for margin trading?", "conditions"),
        ("融资利率是多少，手续费怎么收", "fees"),
        ("What commission does the client pay?", "fees"),
        ("可转债怎么开通权限", "process"),
        ("期权开户的流程是什么", "process"),
        ("开信用账户要带些什么", "materials"),
        ("What documents should the client bring?", "materials"),
        ("买可转债会亏钱吗", "risks"),
        ("What are the risks of selling options?", "risks"),
        ("转账多久能到账", "timing"),
        ("When does forced liquidation start?", "timing"),
        ("维持担保比例怎么算", "calculation"),
        ("客户投诉该找谁", "contacts"),
    ],
)
def test_a_question_is_read_for_what_it_asks(question, intent):
    assert intent in question_intents(question)


def test_a_specific_phrase_is_read_once():
    # 「怎么算」 asks for a calculation, not for the procedure 「怎么」 alone would suggest
    assert question_intents("维持担保比例怎么算") == {"calculation"}
    # 「开通」 alone says "process" only when nothing more specific is asked
    assert question_intents("开通可转债要满足什么条件") == {"conditions"}
    assert question_intents("可转债怎么开通权限") == {"process"}


def test_a_question_naming_only_a_topic_asks_for_nothing_in_particular():
    assert question_intents("融资融券") == frozenset()
    assert question_intents("510050") == frozenset()


@pytest.mark.parametrize(
    ("heading", "intent"),
    [
        ("办理条件", "conditions"),
        ("开通条件", "conditions"),
        ("Eligibility", "conditions"),
        ("办理流程", "process"),
        ("办理方式", "process"),
        ("How to apply", "process"),
        ("需准备的材料", "materials"),
        ("利率标准", "fees"),
        ("Standard commission", "fees"),
        ("主要风险", "risks"),
        ("交易时间", "timing"),
        ("Hours and timing", "timing"),
        ("计算公式", "calculation"),
    ],
)
def test_a_heading_is_read_for_what_it_offers(heading, intent):
    assert intent in heading_intents(heading)


def test_a_conditions_heading_is_not_a_process_heading():
    # 「办理」 in 「办理条件」 does not make the conditions section a procedure
    assert heading_intents("办理条件") == {"conditions"}
    assert not offers("办理条件", question_intents("可转债怎么开通权限"))
    assert offers("办理流程", question_intents("可转债怎么开通权限"))
    assert offers("办理时效与费用", question_intents("开户要交多少手续费"))


def test_english_cues_are_whole_words():
    # "fee" is not found inside "feedback", nor "pay" inside "paying-agent"-like compounds
    assert "fees" not in question_intents("Where do I send feedback?")
    assert heading_intents("Repayment") == frozenset()


def hit(passage: str, section: str, cosine: float, *, doc: str = "KB-CB") -> SearchHit:
    return SearchHit(
        id=passage,
        text=section,
        metadata={
            "doc_id": doc,
            "version": 1,
            "title": "可转债交易权限",
            "section": section,
            "body": f"{section}的正文",
            "kind": "faq",
            "language": "zh",
            "product_risk": None,
            "approved_by": "C001",
            "effective_from": "2026-01-05",
            "expires_on": None,
        },
        score=cosine,
        dense_score=cosine,
        dense_rank=None,
        lexical_score=None,
        lexical_rank=None,
    )


HITS = [hit("p1", "办理流程", 0.905), hit("p2", "开通条件", 0.900), hit("p3", "适用范围", 0.890)]


def ranked(question: str) -> answering.RankedResult:
    return rank_documents(
        HITS,
        "hybrid",
        language="zh",
        today=date(2026, 11, 21),
        question=question,
    )[0]


def test_a_conditions_question_is_shown_the_conditions_section_of_a_close_document():
    assert ranked("可转债权限需要满足什么条件").section == "开通条件"
    assert ranked("可转债怎么开通权限").section == "办理流程"


def test_the_bonus_chooses_the_section_but_not_the_document_score():
    plain = rank_documents(HITS, "hybrid", language="zh", today=date(2026, 11, 21))[0]
    asked = ranked("可转债权限需要满足什么条件")
    assert plain.section == "办理流程"  # without an intent the closest chunk is shown
    assert asked.score == pytest.approx(plain.score)
    assert asked.dense_score == pytest.approx(plain.dense_score)


def test_a_far_section_is_not_shown_for_its_heading_alone():
    far = [hit("p1", "办理流程", 0.95), hit("p2", "开通条件", 0.85)]
    best = rank_documents(
        far,
        "hybrid",
        language="zh",
        today=date(2026, 11, 21),
        question="需要满足什么条件",
    )[0]
    assert best.section == "办理流程"


def test_a_heading_about_what_not_to_do_offers_only_that():
    # wording to avoid is no script to read out; the meaning of limits does not state them
    assert heading_intents("禁用表述") == {"restrictions"}
    assert not offers("禁用表述", question_intents("打电话给客户开头该怎么说"))
    assert heading_intents("限额的含义") == {"definition"}
    assert not offers("限额的含义", question_intents("最多能持有几张"))


def test_a_named_form_or_order_type_is_not_what_is_asked():
    # 「风险揭示书」 is a form: the question is about signing it, not about risks
    assert "risks" not in question_intents("风险揭示书我能帮客户代签吗")
    assert "conditions" not in question_intents("条件单在哪里设置")
    assert "risks" in question_intents("这个产品风险大吗")


def test_without_a_procedure_how_to_open_is_answered_by_what_it_takes():
    # issue 15 §5: 「可转债怎么开通权限」 was shown "how to recognise a convertible bond"
    no_procedure = [
        hit("p1", "如何识别可转债", 0.905),
        hit("p2", "开通条件", 0.900),
        hit("p3", "交易规则要点", 0.895),
    ]
    best = rank_documents(
        no_procedure,
        "hybrid",
        language="zh",
        today=date(2026, 11, 21),
        question="可转债怎么开通权限",
    )[0]
    assert best.section == "开通条件"
    # with a procedure section, the procedure is what a how-to question gets
    assert ranked("可转债怎么开通权限").section == "办理流程"


def test_nearest_aspects_count_only_when_the_document_has_none_of_the_asked_ones():
    asked = question_intents("怎么开通")
    assert wanted(asked, frozenset({"process", "conditions"})) == asked
    assert "conditions" in wanted(asked, frozenset({"conditions", "definition"}))
    assert wanted(frozenset(), frozenset({"conditions"})) == frozenset()
