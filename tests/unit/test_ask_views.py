"""Views of /ask and /check: escaping, citations, marked spans, masking, buttons, long drafts."""

from __future__ import annotations

from datetime import date

import pytest

from crm.id_refs import hashed_ref
from crm.suitability import assess
from handlers.ask import command_argument
from handlers.buttons_ask import AlternativeButton, FeedbackButton, GapButton
from handlers.callback_data import CallbackDataError, parse
from handlers.render.ask import SuitabilityNote, approved_markdown, no_answer_view, section_view
from handlers.render.check import check_view
from handlers.splitting import TELEGRAM_LIMIT, split_html, utf16_len
from knowledge_base.answering import Citation
from knowledge_base.asking import ApprovedSection, section_key
from knowledge_base.compliance import (
    CheckResult,
    ComplianceChecker,
    Violation,
    default_lexicon_path,
    load_lexicon,
)
from knowledge_base.compliance.lexicon import Category

CHECKER = ComplianceChecker(load_lexicon(default_lexicon_path()))


def _section(**changes: object) -> ApprovedSection:
    values: dict[str, object] = {
        "doc_id": "KB-STAR-MARKET-ELIGIBILITY",
        "version": 1,
        "title": "科创板<开通>",
        "section": "开通条件",
        "text": "1. 资产日均不低于**50万元**；\n- <script>alert(1)</script>",
        "kind": "script",
        "product_risk": None,
        "approved_by": "C001",
        "effective_from": date(2025, 6, 6),
    }
    values.update(changes)
    return ApprovedSection(**values)  # type: ignore[arg-type]


def test_an_answer_shows_the_escaped_text_and_its_full_citation() -> None:
    view = section_view(
        _section(), "zh", alternatives=[_section(doc_id="KB-ACCOUNT-OPENING", section="材料")]
    )
    assert "科创板&lt;开通&gt;" in view.text and "&lt;script&gt;" in view.text
    assert "<b>50万元</b>" in view.text and "• " in view.text
    assert "KB-STAR-MARKET-ELIGIBILITY 第 1 版 · 审批人 C001 · 生效日期 2025-06-06" in view.text
    data = [b.data for row in view.buttons for b in row]
    assert parse(data[0]) == AlternativeButton("KB-ACCOUNT-OPENING", 1, section_key("材料"))
    assert parse(data[1]) == FeedbackButton("up", "KB-STAR-MARKET-ELIGIBILITY", 1)
    assert parse(data[2]) == FeedbackButton("down", "KB-STAR-MARKET-ELIGIBILITY", 1)


def test_english_staff_get_an_english_citation() -> None:
    view = section_view(_section(), "en")
    assert (
        "Source: KB-STAR-MARKET-ELIGIBILITY v1 · approved by C001 · effective 2025-06-06"
        in view.text
    )


def test_a_suitability_note_carries_the_warning_and_the_disclosure() -> None:
    verdict = assess("C2", "R4")
    assert verdict is not None
    disclosure = _section(
        doc_id="KB-RISK-DISCLOSURE-R4", kind="disclosure", text="## 主要风险\n- 亏损"
    )
    view = section_view(
        _section(product_risk="R4", kind="product"),
        "zh",
        suitability=SuitabilityNote("张<伟>", verdict, disclosure),
    )
    assert "适当性提示" in view.text and "张&lt;伟&gt;" in view.text and "R2 及以下" in view.text
    assert "<b>主要风险</b>" in view.text and "KB-RISK-DISCLOSURE-R4" in view.text


def test_an_uncertain_answer_says_so_above_the_text_and_offers_compliance_last() -> None:
    alternative = _section(doc_id="KB-ACCOUNT-OPENING", section="材料")
    view = section_view(_section(), "zh", alternatives=[alternative], uncertain_of=42)
    caveat = view.text.index("不确定是否对题")
    assert caveat < view.text.index("KB-STAR-MARKET-ELIGIBILITY 第 1 版")
    data = [parse(b.data) for row in view.buttons for b in row]
    assert data[0] == AlternativeButton("KB-ACCOUNT-OPENING", 1, section_key("材料"))
    assert data[-1] == GapButton(42)
    assert "相近的内容" in view.text  # the alternatives are pointed to
    alone = section_view(_section(), "zh", uncertain_of=42)
    assert "不确定是否对题" in alone.text and "相近的内容" not in alone.text  # none to point to
    english = section_view(_section(), "en", uncertain_of=42)
    assert "Not sure this is on your question" in english.text
    assert "related texts" not in english.text
    sure = section_view(_section(), "zh", alternatives=[alternative])
    assert "不确定" not in sure.text
    assert GapButton(42) not in [parse(b.data) for row in sure.buttons for b in row]


def test_no_answer_offers_only_the_compliance_button() -> None:
    view = no_answer_view(42, "zh")
    assert "没有经合规审批的答案" in view.text
    assert [parse(b.data) for row in view.buttons for b in row] == [GapButton(42)]


def test_a_question_out_of_scope_is_told_the_policys_reason_as_text() -> None:
    view = no_answer_view(42, "zh", out_of_scope="涉及<预测> & 目标价")
    assert "不从知识库回答：涉及&lt;预测&gt; &amp; 目标价" in view.text  # compliance data, escaped
    assert "没有经合规审批的答案" not in view.text
    assert [parse(b.data) for row in view.buttons for b in row] == [GapButton(42)]


@pytest.mark.parametrize(
    "data",
    [
        "alt:NOPE:9",
        "fb:x",
        "gap:0",
        "gap:-1",
        "fb:maybe:KB-A:1",
        "alt:KB-A:0:abcdef",
        "alt:KB-A:1:xyz",
        "alt:<b>:1:abcdef",
    ],
)
def test_forged_button_data_does_not_parse(data: str) -> None:
    with pytest.raises(CallbackDataError):
        parse(data)


def test_a_document_id_too_long_for_callback_data_travels_as_a_hash() -> None:
    """An id of 63 characters keeps its 👍/👎 (packed as a ref the press resolves among the
    approved documents: handlers/buttons.py STORED_ID_LOOKUPS)."""
    doc_id = "KB-" + "X" * 60
    view = section_view(_section(doc_id=doc_id), "zh")
    data = [b.data for row in view.buttons for b in row]
    assert len(data) == 2 and "KB-XXX" in view.text
    assert all(len(d.encode()) <= 64 and doc_id not in d for d in data)
    assert parse(data[0]) == FeedbackButton("up", hashed_ref(doc_id), 1)


def test_command_argument_keeps_line_breaks() -> None:
    assert command_argument("/ask  科创板\n开户") == " 科创板\n开户"
    assert command_argument("/check@ambot_bot 保本") == "保本"
    assert command_argument("/ask") == ""
    assert command_argument("纯文本") == "纯文本"


def test_a_flagged_draft_marks_every_span_and_suggests_wording() -> None:
    draft = "这个<b>产品</b>保本，电话13812345678"
    result = CHECKER.check(draft)
    view = check_view(
        draft,
        result,
        "zh",
        scripts={
            "KB-COMPLIANCE-RED-LINES": Citation(
                "KB-COMPLIANCE-RED-LINES", 2, "合规红线", "C001", date(2026, 3, 2)
            )
        },
        finding_id=7,
    )
    assert "<u><b>保本</b></u>[1]" in view.text
    assert "&lt;b&gt;产品&lt;/b&gt;" in view.text
    assert "13812345678" not in view.text and "138****5678" in view.text
    assert "承诺保本" in view.text and "本产品不保本" in view.text
    assert "KB-COMPLIANCE-RED-LINES 第 2 版" in view.text and "#7" in view.text


def test_a_clean_draft_gets_a_clear_tick() -> None:
    view = check_view("周五下午三点方便面谈吗？", CHECKER.check("周五下午三点方便面谈吗？"), "zh")
    assert view.text.startswith("✅")


def test_a_long_draft_full_of_emoji_and_tags_splits_into_valid_pieces() -> None:
    draft = ("保本😀<i>x</i>&amp;" * 500)[:5000]
    view = check_view(draft, CHECKER.check(draft), "zh")
    pieces = split_html(view.text)
    assert len(pieces) > 1
    assert all(utf16_len(p) <= TELEGRAM_LIMIT for p in pieces)
    assert all(p.count("<u>") == p.count("</u>") for p in pieces)


def test_approved_markdown_escapes_before_formatting() -> None:
    assert approved_markdown("## A&B\n**<x>**") == "<b>A&amp;B</b>\n<b>&lt;x&gt;</b>"


def test_a_clean_draft_that_quotes_a_banned_phrase_says_it_was_read_as_a_quotation() -> None:
    mention = Violation("稳赚不赔", Category.PROMISED_RETURNS, 7, 11, "", "稳赚不赔")
    result = CheckResult(ok=True, mentions=(mention, mention))
    view = check_view('您朋友说的"稳赚不赔"不对', result, "zh")
    assert "未发现违规表述" in view.text and view.text.count("「稳赚不赔」") == 1
    english = check_view('You heard "稳赚不赔"?', result, "en")
    assert "No banned phrases" in english.text and "The quoted “稳赚不赔”" in english.text
    assert "引号" not in check_view("周五见", CheckResult(ok=True), "zh").text
