"""Which client a question is about and when a permission business is above her level: the pure
decision (handlers/ask_client.py) and its lines, escaped, in both languages."""

from __future__ import annotations

from datetime import date

import pytest

from crm.suitability import assess
from handlers.ask_client import business_warning
from handlers.render.ask import section_view
from handlers.render.suitability import ClientInContext
from knowledge_base.asking import ApprovedSection


def _section(kind: str, risk: str | None) -> ApprovedSection:
    return ApprovedSection(
        "KB-STAR-MARKET-ELIGIBILITY", 1, "科创板<权限>", "开通条件", "1. 资产日均不低于50万元",
        kind, risk, "C001", date(2025, 6, 6),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("level", "kind", "risk", "warned"),
    [
        ("C2", "script", "R4", True),
        ("C3", "faq", "R4", True),
        ("C4", "script", "R4", False),
        ("C5", "script", "R4", False),
        (None, "script", "R4", True),  # no valid assessment: assess first
        ("C2", "script", None, False),  # not rated: nothing to judge
        ("C2", "product", "R4", False),  # products keep their own warning and disclosure
        ("C2", "disclosure", "R4", False),
    ],
)
def test_a_business_above_her_level_or_without_a_level_is_warned_of(
    level: str | None, kind: str, risk: str | None, warned: bool
) -> None:
    found = business_warning(ClientInContext("苏毅", level), _section(kind, risk))
    assert (found is not None) is warned


def test_the_warning_comes_first_escaped_and_names_the_required_level() -> None:
    client = ClientInContext("张<伟>", None)
    section = _section("script", "R4")
    view = section_view(section, "zh", client=client, business=business_warning(client, section))
    text = view.text
    assert text.startswith("👤 针对客户 <b>张&lt;伟&gt;</b>（未测评）")
    assert "张&lt;伟&gt; 没有有效的风险测评等级，「科创板&lt;权限&gt;」要求 C4 及以上" in text
    assert text.index("⚠️") < text.index("📘")
    english = section_view(
        section, "en", client=client, business=business_warning(client, section)
    ).text
    assert english.startswith("👤 For client <b>张&lt;伟&gt;</b> (not assessed)")
    assert (
        "has no valid risk assessment, and 「科创板&lt;权限&gt;」 requires C4 or above" in english
    )


def test_a_business_rated_r4_requires_c4() -> None:
    verdict = assess("C2", "R4")
    assert verdict is not None and verdict.required_client_risk == "C4"
