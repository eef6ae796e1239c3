"""The checker flags banned phrases despite evasions, honours negations, and maps spans back."""

from __future__ import annotations

import json

import pytest

from knowledge_base.compliance import (
    Category,
    CheckResult,
    ComplianceChecker,
    to_utf16_offset,
)


def _flags(result: CheckResult) -> list[tuple[str, str]]:
    return [(v.phrase, v.matched_text) for v in result.violations]


def _assert_spans_point_into(text: str, result: CheckResult) -> None:
    for v in result.violations:
        assert text[v.start : v.end] == v.matched_text


def test_pitch_with_two_banned_phrases_gives_two_violations(checker: ComplianceChecker) -> None:
    text = "这个产品保本，稳赚不赔"
    result = checker.check(text)

    assert not result.ok
    assert [(v.phrase, v.category) for v in result.violations] == [
        ("保本", Category.GUARANTEED_PRINCIPAL),
        ("稳赚不赔", Category.PROMISED_RETURNS),
    ]
    assert [text[v.start : v.end] for v in result.violations] == ["保本", "稳赚不赔"]


@pytest.mark.parametrize(
    ("text", "passage"),
    [
        ("保证年化8%", "保证年化8%"),
        ("我们保证年化收益率 8.5 %，欢迎认购", "保证年化收益率 8.5 %"),
        ("保證年化８％", "保證年化８％"),
        ("保 证 年 化 8 %", "保 证 年 化 8 %"),
        ("承诺年化10%起", "承诺年化10%"),
    ],
)
def test_promised_annual_rate_is_promised_returns(
    checker: ComplianceChecker, text: str, passage: str
) -> None:
    result = checker.check(text)

    assert [(v.phrase, v.category, v.matched_text) for v in result.violations] == [
        ("保证年化X%", Category.PROMISED_RETURNS, passage)
    ]
    _assert_spans_point_into(text, result)


@pytest.mark.parametrize(
    ("evasion", "phrase"),
    [
        # full-width forms
        ("ＧＵＡＲＡＮＴＥＥＤ ＲＥＴＵＲＮ", "guaranteed return"),
        ("１００％安全", "100%安全"),
        # inserted spaces, including the ideographic space
        ("保 本", "保本"),
        ("稳 赚 不 赔", "稳赚不赔"),
        ("零\u3000风\u3000险", "零风险"),
        # punctuation
        ("保-本", "保本"),
        ("稳.赚", "稳赚"),
        ("承/诺/收/益", "承诺收益"),
        # zero-width and other invisible characters
        ("保\u200b本", "保本"),
        ("稳\u200d赚", "稳赚"),
        ("无\u2060风\ufeff险", "无风险"),
        # emoji
        ("保😀本", "保本"),
        ("内💰幕🔥消息", "内幕消息"),
        # traditional characters
        ("保證收益", "保证收益"),
        ("穩賺", "稳赚"),
        ("無風險", "无风险"),
        ("內幕消息", "内幕消息"),
        # English case and spacing
        ("Guaranteed   Return", "guaranteed return"),
        ("RISK-FREE", "risk-free"),
        ("risk free", "risk-free"),
        ("g u a r a n t e e d return", "guaranteed return"),
        ("CAN’T lose", "can't lose"),
    ],
)
def test_evasions_are_still_flagged_at_the_original_span(
    checker: ComplianceChecker, evasion: str, phrase: str
) -> None:
    text = f"您好，这款产品{evasion}，欢迎咨询。"
    result = checker.check(text)

    assert [(v.phrase, v.matched_text) for v in result.violations] == [(phrase, evasion)]
    violation = result.violations[0]
    assert (violation.start, violation.end) == (7, 7 + len(evasion))
    assert text[violation.start : violation.end] == evasion


@pytest.mark.parametrize(
    "text",
    [
        "本产品不保本，可能损失本金。",
        "我们不承诺保本。",
        "这并非保本产品。",
        "本产品为非保本浮动收益型产品，风险等级R3。",
        "本产品不 保本。",
        "低风险不等于无风险。",
        "无风险利率目前约为1.5%。",
        "请确保本次转账使用本人银行卡。",
        "股票不一定涨，请理性看待。",
        "客户问会不会亏，我解释了产品风险。",
        "我不能帮您操作账户，请您本人下单。",
        "请不要把密码发给我，也不要告诉任何人。",
        "There is no guaranteed return.",
        "Returns are not guaranteed.",
        "No investment is risk-free, and the risk-free rate is only a benchmark.",
        "This note is not principal-protected.",
    ],
)
def test_negated_or_benign_contexts_are_clean(checker: ComplianceChecker, text: str) -> None:
    result = checker.check(text)

    assert result.ok, _flags(result)


def test_negation_across_clause_punctuation_does_not_excuse(checker: ComplianceChecker) -> None:
    text = "问：会亏吗？答：不，保本的。"
    result = checker.check(text)

    assert _flags(result) == [("保本", "保本")]


def test_an_exception_only_excuses_its_own_occurrence(checker: ComplianceChecker) -> None:
    text = "这只不保本，那只保本。"
    result = checker.check(text)

    assert len(result.violations) == 1
    assert result.violations[0].start == text.rindex("保本")


@pytest.mark.parametrize(
    ("text", "phrase"),
    [("保本保息", "保本保息"), ("稳赚不赔", "稳赚不赔"), ("把账户密码给我", "把账户密码给我")],
)
def test_overlapping_hits_report_the_longest_once(
    checker: ComplianceChecker, text: str, phrase: str
) -> None:
    result = checker.check(text)

    assert [(v.phrase, v.start, v.end) for v in result.violations] == [(phrase, 0, len(text))]


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("零风险", Category.GUARANTEED_PRINCIPAL),
        ("principal protected", Category.GUARANTEED_PRINCIPAL),
        ("承诺收益", Category.PROMISED_RETURNS),
        ("年化收益6%稳拿", Category.PROMISED_RETURNS),
        ("double your money", Category.PROMISED_RETURNS),
        ("这只票肯定涨", Category.PERFORMANCE_PREDICTION),
        ("明年必涨", Category.PERFORMANCE_PREDICTION),
        ("it will definitely go up", Category.PERFORMANCE_PREDICTION),
        ("内幕消息", Category.INDUCEMENT),
        ("抄底机会千载难逢", Category.INDUCEMENT),
        ("错过再等十年", Category.INDUCEMENT),
        ("我帮您操作账户吧", Category.INDUCEMENT),
        ("an insider tip", Category.INDUCEMENT),
        ("透露其他客户的持仓", Category.CLIENT_INFORMATION_DISCLOSURE),
        ("把账户密码给我", Category.CLIENT_INFORMATION_DISCLOSURE),
        ("张总的手机号是多少我不清楚，客户的身份证号是", Category.CLIENT_INFORMATION_DISCLOSURE),
        ("just send me your password", Category.CLIENT_INFORMATION_DISCLOSURE),
    ],
)
def test_categories(checker: ComplianceChecker, text: str, category: Category) -> None:
    result = checker.check(text)

    assert [v.category for v in result.violations] == [category]


def test_a_compliant_draft_is_ok(checker: ComplianceChecker) -> None:
    draft = (
        "张先生您好，您关注的现金增利产品业绩比较基准为2.1%，业绩比较基准不代表实际收益。"
        "本产品为非保本浮动收益型产品，风险等级R2，与您C3的风险承受能力相匹配。"
        "过往业绩不代表未来表现，投资有风险，入市需谨慎。如需办理，请您本人通过官方APP下单确认。"
        "Past performance is not indicative of future results; investing involves risk."
    )
    result = checker.check(draft * 20)

    assert result.ok
    assert result.to_json() == {"ok": True, "violations": []}


@pytest.mark.parametrize("text", ["", "   ", "\n\t\u3000"])
def test_empty_or_blank_text_is_ok(checker: ComplianceChecker, text: str) -> None:
    assert checker.check(text) == CheckResult(ok=True, violations=())


def test_english_phrases_match_whole_words(checker: ComplianceChecker) -> None:
    assert checker.check("Gamblers at the casino lose money.").ok
    plural = "We offer guaranteed returns and insider tips."
    result = checker.check(plural)

    assert _flags(result) == [
        ("guaranteed return", "guaranteed returns"),
        ("insider tip", "insider tips"),
    ]


def test_full_mobile_numbers_are_flagged_but_masked_ones_and_amounts_are_not(
    checker: ComplianceChecker,
) -> None:
    result = checker.check("王总电话 138 0013 8000，身份证110101199003078765")

    assert [(v.phrase, v.matched_text) for v in result.violations] == [
        ("完整手机号", "138 0013 8000"),
        ("完整身份证号", "110101199003078765"),
    ]
    assert checker.check("王总电话138****8000，成交金额13,800,138,000元").ok


def test_exact_entries_match_verbatim_only(checker: ComplianceChecker) -> None:
    assert [v.phrase for v in checker.check("这只票🚀🚀🚀").violations] == ["🚀🚀🚀（暗示必涨）"]
    assert checker.check("这只票🚀 🚀 🚀").ok


def test_offsets_are_code_points_with_a_utf16_helper_for_telegram(
    checker: ComplianceChecker,
) -> None:
    text = "🔥🔥保本"
    violation = checker.check(text).violations[0]

    assert (violation.start, violation.end) == (2, 4)
    assert to_utf16_offset(text, violation.start) == 4
    assert to_utf16_offset(text, violation.end) == 6


def test_json_output_matches_the_kb_check_contract(checker: ComplianceChecker) -> None:
    text = "这个产品保本，稳赚不赔"
    payload = checker.check(text).to_json()

    assert payload["ok"] is False
    assert [set(item) for item in payload["violations"]] == [
        {"phrase", "category", "start", "end", "suggestion"}
    ] * 2
    first = payload["violations"][0]
    assert (first["phrase"], first["category"], first["start"], first["end"]) == (
        "保本",
        "guaranteed_principal",
        4,
        6,
    )
    assert "投资有风险" in first["suggestion"]
    assert json.loads(json.dumps(payload, ensure_ascii=False)) == payload


def test_detailed_json_adds_the_matched_text_and_the_approved_document(
    checker: ComplianceChecker,
) -> None:
    item = checker.check("保 本").to_json(detailed=True)["violations"][0]

    assert item["matched_text"] == "保 本"
    assert item["suggest_doc"] == "KB-COMPLIANCE-RED-LINES"
