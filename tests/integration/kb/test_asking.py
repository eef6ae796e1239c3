"""Re-fetching sections and disclosures for buttons, the confirmed gap queue, and feedback and
draft-check findings recorded once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from knowledge_base.asking import AskingService, section_key
from knowledge_base.curation import CurationService
from knowledge_base.feedback import FeedbackService
from storage.engine import session_factory
from storage.rows import StaffRow
from storage.uow import UnitOfWorkFactory

NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)


def doc(
    doc_id: str, body: str, *, kind: str = "script", risk: str | None = None, **meta: str
) -> str:
    extra = f"product_risk: {risk}\n" if risk else ""
    extra += "".join(f"{k}: {v}\n" for k, v in meta.items())
    return (
        f"---\nid: {doc_id}\nversion: 1\nkind: {kind}\ntitle: {doc_id} 标题\nlanguage: zh\n"
        f"status: approved\napproved_by: C001\neffective_from: 2026-01-05\n{extra}---\n{body}\n"
    )


@pytest.fixture
async def services(engine, tmp_path: Path):
    uow = UnitOfWorkFactory(session_factory(engine))
    async with uow() as work:
        work.session.add_all(
            [
                StaffRow(staff_id="C001", name="合规", role="compliance"),
                StaffRow(staff_id="M001", name="王芳", role="manager"),
            ]
        )
        await work.commit()
    curation = CurationService(uow, clock=lambda: NOW)
    docs = {
        "a.md": doc("KB-A", "## 条件\n第一条。\n\n## 材料\n身份证。\n### 补充\n银行卡。"),
        "r4.md": doc("KB-R4", "## 风险\n可能亏损。", kind="disclosure", risk="R4"),
        "old.md": doc("KB-OLD", "## 条件\n过期。", expires_on="2026-06-01"),
    }
    for name, text in docs.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    await curation.import_directory(tmp_path, by="C001", migrate=True)
    return (
        AskingService(uow, curation, clock=lambda: NOW),
        FeedbackService(uow, clock=lambda: NOW),
        curation,
    )


async def test_a_section_is_fetched_by_its_heading_key_while_served(services):
    asking, _, curation = services
    section = await asking.section("KB-A", 1, section_key("材料"))
    assert section is not None and section.text == "身份证。" and section.approved_by == "C001"
    nested = await asking.section("KB-A", 1, section_key("材料 > 补充"))
    assert nested is not None and nested.text == "银行卡。"
    assert await asking.section("KB-A", 2, section_key("材料")) is None
    assert await asking.section("KB-A", 1, "000000") is None
    assert await asking.section("KB-OLD", 1, section_key("条件")) is None  # expired
    await curation.retire("KB-A", by="C001", reason="停止使用")
    assert await asking.section("KB-A", 1, section_key("材料")) is None


async def test_the_disclosure_and_citation_lookups(services):
    asking, _, _ = services
    disclosure = await asking.disclosure_for("R4")
    assert disclosure is not None and disclosure.doc_id == "KB-R4" and "可能亏损" in disclosure.text
    assert await asking.disclosure_for("R5") is None
    citation = await asking.citation_for("KB-A")
    assert citation is not None and (citation.doc_id, citation.version) == ("KB-A", 1)
    assert await asking.citation_for("KB-OLD") is None


async def test_a_gap_is_queued_once_per_person_and_question(services):
    asking, _, curation = services
    first, second = await asyncio.gather(
        asking.submit_gap("明天大盘\u200b会涨吗", asked_by="M001"),
        asking.submit_gap("明天大盘会涨吗 ", asked_by="M001"),
    )
    assert {first.new, second.new} == {True, False} and first.gap_id == second.gap_id
    assert [q for _, q, _, _ in await curation.open_gaps()] == ["明天大盘会涨吗"]


async def test_feedback_is_one_row_per_staff_and_message(services):
    _, feedback, _ = services
    args = {
        "staff_id": "M001",
        "chat_id": 1,
        "message_id": 9,
        "question": "q",
        "doc_id": "KB-A",
        "version": 1,
    }
    results = await asyncio.gather(
        *(feedback.record_answer_feedback(**args, helpful=True) for _ in range(3))
    )
    assert sorted(r.status for r in results) == ["recorded", "unchanged", "unchanged"]
    changed = await feedback.record_answer_feedback(**args, helpful=False)
    assert changed.status == "changed"
    assert await feedback.feedback_count() == 1


async def test_a_draft_finding_is_recorded_once_while_unreviewed(services):
    _, feedback, _ = services
    items = [
        {
            "phrase": "保本",
            "category": "guaranteed_principal",
            "start": 0,
            "end": 2,
            "suggestion": "…",
        }
    ]
    first = await feedback.record_draft_findings(staff_id="M001", text="保本", violations=items)
    again = await feedback.record_draft_findings(staff_id="M001", text="保本", violations=items)
    assert first.new and not again.new and first.finding_id == again.finding_id
    findings = await feedback.findings(source="draft_check")
    assert [(f.staff_id, f.text, f.violations[0]["phrase"]) for f in findings] == [
        ("M001", "保本", "保本")
    ]
