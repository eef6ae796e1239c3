"""Greeting templates are filled completely (issue 14): every approved template of kind
`template` in the sample knowledge base, filled for a sample client and manager, leaves no
{placeholder}; a template naming a placeholder ambot cannot fill is refused, never sent
half-filled."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from crm.alert_tasks import (
    GreetingTemplate,
    NoGreetingTemplateError,
    TemplatePlaceholderError,
    fill_greeting,
    fill_template,
    template_variants,
)
from knowledge_base.documents import load_directory

SAMPLES = Path(__file__).resolve().parents[2] / "knowledge_base" / "samples" / "docs"
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def approved_templates() -> list[GreetingTemplate]:
    return [
        GreetingTemplate(
            v.doc_id, v.version, v.title, v.approved_by or "", v.effective_from, v.body
        )
        for v in load_directory(SAMPLES)
        if v.kind == "template" and v.status == "approved" and v.effective_from is not None
    ]


TEMPLATES = approved_templates()


def test_the_samples_hold_the_birthday_and_anniversary_templates() -> None:
    ids = {t.doc_id for t in TEMPLATES}
    assert {"KB-GREETING-BIRTHDAY", "KB-GREETING-ANNIVERSARY"} <= ids


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.doc_id)
@pytest.mark.parametrize("years", [1, 6])
def test_every_approved_template_fills_without_a_placeholder_left(
    template: GreetingTemplate, years: int
) -> None:
    variants = fill_greeting(template, client_name="张伟", manager_name="李明", years=years)
    assert variants
    for variant in variants:
        assert not PLACEHOLDER.search(variant.text), (template.doc_id, variant.text)
        assert "张伟" in variant.text and "李明" in variant.text
        assert "「" not in variant.text and "」" not in variant.text


def test_the_anniversary_says_the_years_and_prefers_the_long_version_from_five() -> None:
    (anniversary,) = [t for t in TEMPLATES if t.doc_id == "KB-GREETING-ANNIVERSARY"]
    two = fill_greeting(anniversary, client_name="张伟", manager_name="李明", years=2)
    assert two[0].text.startswith("张伟您好！今天是您在我们公司开户2周年的日子")
    assert all("一起走过了" not in v.text for v in two)  # the 满5年 version is not offered
    six = fill_greeting(anniversary, client_name="张伟", manager_name="李明", years=6)
    assert six[0].text == (
        "张伟您好！不知不觉我们已经一起走过了6年，谢谢您一直以来的支持。"
        "如果您对账户服务有任何想法，欢迎随时告诉我。——李明"
    )


def test_the_instructions_are_not_offered_as_messages() -> None:
    (birthday,) = [t for t in TEMPLATES if t.doc_id == "KB-GREETING-BIRTHDAY"]
    headings = [heading for heading, _ in template_variants(birthday.body)]
    assert headings == ["短信/微信模板", "简短版"]


def test_an_unknown_placeholder_is_refused_naming_it() -> None:
    bad = GreetingTemplate(
        "KB-GREETING-BAD",
        1,
        "坏模板",
        "C001",
        date(2026, 1, 1),
        "## 模板\n\n「{client_name}您好，您的账户余额为{balance}元。——{manager_name}」\n",
    )
    with pytest.raises(TemplatePlaceholderError) as raised:
        fill_greeting(bad, client_name="张伟", manager_name="李明", years=3)
    assert raised.value.placeholder == "balance" and raised.value.doc_id == "KB-GREETING-BAD"
    assert "{balance}" in str(raised.value)


def test_years_are_only_filled_where_known() -> None:
    with pytest.raises(TemplatePlaceholderError):
        fill_template("「{client_name}，{years}年」", {"client_name": "张伟"}, doc_id="X")


def test_a_template_without_a_message_is_refused() -> None:
    empty = GreetingTemplate("KB-X", 1, "无正文", "C001", date(2026, 1, 1), "## 说明\n只有说明。")
    with pytest.raises(NoGreetingTemplateError):
        fill_greeting(empty, client_name="张伟", manager_name="李明")
