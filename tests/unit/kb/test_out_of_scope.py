"""The out-of-scope policy: forecasts, stock picks, live quotes, personal advice, HR/admin."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge_base.out_of_scope import (
    OutOfScopeError,
    OutOfScopePolicy,
    load_policy,
    parse_policy,
)


@pytest.fixture(scope="module")
def policy() -> OutOfScopePolicy:
    return load_policy()


def category(policy: OutOfScopePolicy, question: str) -> str | None:
    match = policy.classify(question)
    return match.category.category if match else None


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("这只股票明天会涨吗", "forecast"),
        ("大盘下周还会跌吗", "forecast"),
        ("贵州茅台目标价多少", "forecast"),
        ("现在是不是抄底的好时机", "forecast"),
        ("Will the index go up next month?", "forecast"),
        ("帮我推荐一只股票", "stock_pick"),
        ("买哪只券商股比较好", "stock_pick"),
        ("这票该不该卖", "stock_pick"),
        ("Should my client buy more bank shares?", "stock_pick"),
        ("现在上证指数多少点", "live_quote"),
        ("GC001今天年化多少", "live_quote"),
        ("What is the current share price of Ping An?", "live_quote"),
        ("客户怎么做税务筹划少交税", "personal_advice"),
        ("出差的报销流程是什么", "internal_admin"),
        ("How many days of annual leave do I get?", "internal_admin"),
        ("今日的股價是多少", "live_quote"),  # traditional characters are folded first
        ("北向资金今天流入多少", "live_quote"),  # money flows are market data
        ("How much northbound inflow was there today?", "live_quote"),
    ],
)
def test_requests_the_firm_never_answers_from_scripts(
    policy: OutOfScopePolicy, question: str, expected: str
) -> None:
    assert category(policy, question) == expected


@pytest.mark.parametrize(
    "question",
    [
        "客户问大盘还会不会跌，我该怎么回答",  # asks for talking points, not a forecast
        "客户经理可以给客户推荐股票吗",  # asks about the rule (red lines)
        "研究所对四季度市场怎么看",  # the research institute's approved view
        "国债逆回购收益怎么计算",  # a documented formula, not a live rate
        "创业板现在涨跌幅限制是多少",  # a trading rule
        "现在佣金费率是多少",  # an approved fee document
        "What is the current price limit on the STAR Market?",
        "客户能不能买科创板股票",  # eligibility
        "国庆休市期间能交易吗",
        "融资融券开通条件",
        "高净值客户资金流出预警后要做什么",  # a documented procedure, not market data
        "客户资金转出了怎么沟通",
    ],
)
def test_script_questions_next_to_those_topics_go_to_search(
    policy: OutOfScopePolicy, question: str
) -> None:
    assert policy.classify(question) is None


def test_a_match_carries_the_reason_code_and_the_reason_for_the_manager(
    policy: OutOfScopePolicy,
) -> None:
    match = policy.classify("推荐一只股票")

    assert match is not None
    assert match.code == "out_of_scope:stock_pick"
    assert "投资顾问" in match.category.reason("zh")
    assert "adviser" in match.category.reason("en")
    assert match.matched == "推荐一只股票"


def test_exemptions_only_apply_to_their_own_category() -> None:
    policy = parse_policy(
        {
            "categories": [
                {
                    "category": "forecast",
                    "reason_zh": "预测",
                    "reason_en": "forecast",
                    "patterns": ["会涨"],
                    "unless": ["研究所"],
                },
                {
                    "category": "admin",
                    "reason_zh": "行政",
                    "reason_en": "admin",
                    "patterns": ["报销"],
                },
            ]
        }
    )

    assert policy.classify("研究所说会涨") is None
    match = policy.classify("研究所报销")
    assert match is not None and match.category.category == "admin"


def test_a_bad_policy_reports_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "out_of_scope.yaml"
    path.write_text(
        "categories:\n"
        "  - category: Forecast\n    reason_zh: x\n    reason_en: x\n    patterns: ['(']\n"
        "  - category: admin\n    patterns: []\n    colour: red\n",
        encoding="utf-8",
    )

    with pytest.raises(OutOfScopeError) as error:
        load_policy(path)

    problems = " | ".join(error.value.problems)
    for expected in (
        "lower-case identifier",
        "bad pattern",
        "reason_zh is required",
        "needs at least one pattern",
        "unknown keys colour",
    ):
        assert expected in problems
