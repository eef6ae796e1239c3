"""Issue 15 §5: a question about conditions is answered with the conditions section of its
document, a question about the procedure with the procedure, through the answering service."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from knowledge_base import answering
from knowledge_base.answering import AnswerService, Decision
from knowledge_base.curation import CurationService
from retrieval import HashingEmbedder
from storage.engine import session_factory
from storage.rows import StaffRow
from storage.uow import UnitOfWorkFactory

NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
PERMISSION = """---
id: KB-CB-PERMISSION
version: 1
kind: faq
title: 可转债交易权限
language: zh
status: approved
approved_by: C001
effective_from: 2026-01-05
tags: [可转债, 权限]
---
## 开通条件
前20个交易日日均资产不低于10万元，参与证券交易满24个月，风险承受能力C3及以上。

## 办理流程
客户需要在APP申请开通可转债交易权限，系统自动校验后签署风险揭示书，次一交易日生效。
"""
OTHER = """---
id: KB-REPO
version: 1
kind: faq
title: 国债逆回购交易规则
language: zh
status: approved
approved_by: C001
effective_from: 2026-01-05
tags: [国债逆回购, GC001]
---
## 要点
GC001 一千元起，按实际占款天数计息。
"""


@pytest.fixture
async def answers(engine, tmp_path: Path):
    uow = UnitOfWorkFactory(session_factory(engine))
    async with uow() as work:
        work.session.add(StaffRow(staff_id="C001", name="合规", role="compliance"))
        await work.commit()
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "permission.md").write_text(PERMISSION, encoding="utf-8")
    (docs / "repo.md").write_text(OTHER, encoding="utf-8")
    curation = CurationService(uow, clock=lambda: NOW)
    await curation.import_directory(docs, by="C001", migrate=True)
    service = AnswerService(
        curation,
        HashingEmbedder(),
        tmp_path / "index",
        clock=lambda: NOW,
        decision=Decision(dense_alone=0.0, dense_only=0.0, lexical_only=0.0),
    )
    await service.reindex()
    return service


QUESTION = "客户开通可转债权限需要满足什么条件"


async def test_a_conditions_question_gets_the_conditions_section(answers):
    answer = await answers.answer(QUESTION, record_gap=False)

    assert answer.decision == "answer" and answer.best is not None
    assert answer.best.doc_id == "KB-CB-PERMISSION"
    assert answer.best.section == "开通条件"
    assert "日均资产不低于10万元" in answer.best.text


async def test_a_process_question_on_the_same_document_gets_the_procedure(answers):
    answer = await answers.answer("可转债权限怎么开通", record_gap=False)

    assert answer.best is not None and answer.best.doc_id == "KB-CB-PERMISSION"
    assert answer.best.section == "办理流程"


async def test_without_the_heading_match_the_closer_worded_procedure_was_shown(
    answers, monkeypatch
):
    # the situation issue 15 §5 reports: the procedure shares more words with the question
    monkeypatch.setattr(answering, "SECTION_BONUS", 0.0)

    answer = await answers.answer(QUESTION, record_gap=False)

    assert answer.best is not None and answer.best.section == "办理流程"
