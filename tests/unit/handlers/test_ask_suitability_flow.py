"""Questions about a client (issue 15 §8): `/ask 苏毅 科创板…` names her, a card opened just
before lends her to the next questions for ten minutes, and a business that needs a permission
(科创板, 融资融券, …) above her risk level is warned of above the approved script.

The demo book (seeded): M001's 苏毅 is C2 and 张伟 C4; M005 has another 张伟, rated C1, and
金佳燕; M006 (English) has 李慧, C3. The permission documents are rated R4."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from audit import Entry
from storage.rows import ClientRow
from tests.support.ptb import Chat, Harness

STAR = "科创板股票交易权限开通"  # the document's title: lands on KB-STAR-MARKET-ELIGIBILITY
MARGIN = "融资融券开通条件"  # KB-MARGIN-ELIGIBILITY
STAR_WARNING_SU_YI = (
    "⚠️ 苏毅 风险等级 C2，低于「科创板股票交易权限开通」要求的 C4：请勿推荐，先做适当性评估。"
)


async def _journal(harness: Harness) -> list[Entry]:
    journal = harness.services.journal
    await journal.flush()
    return [e async for e in journal.entries(datetime(2000, 1, 1, tzinfo=UTC))]


async def _client(harness: Harness, manager_id: str, name: str) -> ClientRow:
    async with harness.runtime.uow() as work:
        row = await work.session.scalar(
            select(ClientRow).where(ClientRow.manager_id == manager_id, ClientRow.name == name)
        )
        assert row is not None, (manager_id, name)
        work.session.expunge(row)
        return row


async def test_a_named_client_below_the_permission_is_warned_of_above_the_script(
    harness: Harness, li: Chat
) -> None:
    su_yi = await _client(harness, "M001", "苏毅")
    assert su_yi.risk_level == "C2"
    answer = (await li.send(f"/ask 苏毅 {STAR}")).plain_text
    assert answer.startswith("👤 针对客户 苏毅（C2）")
    assert STAR_WARNING_SU_YI in answer
    assert answer.index(STAR_WARNING_SU_YI) < answer.index("📘 科创板股票交易权限开通")
    assert "出处：KB-STAR-MARKET-ELIGIBILITY" in answer
    # Her name and level only: no client id, no phone or ID number, masked or not.
    assert su_yi.phone and su_yi.id_number
    for secret in (su_yi.client_id, su_yi.phone, su_yi.id_number, "****"):
        assert secret not in answer
    reads = [e for e in await _journal(harness) if e.kind == "client.ask"]
    assert [(e.actor, e.subject) for e in reads] == [("M001", f"client:{su_yi.client_id}")]
    assert "KB-STAR-MARKET-ELIGIBILITY v1" in str(reads[0].body)

    plain = (await li.send(f"苏毅 {MARGIN}")).plain_text  # a plain question names her too
    assert plain.startswith("👤 针对客户 苏毅（C2）")
    assert "低于「融资融券开通条件」要求的 C4" in plain and "出处：KB-MARGIN-ELIGIBILITY" in plain


async def test_a_named_client_at_the_required_level_gets_no_warning(li: Chat) -> None:
    answer = (await li.send(f"/ask 张伟 {MARGIN}")).plain_text
    assert answer.startswith("👤 针对客户 张伟（C4）")
    assert "⚠️" not in answer and "适当性" not in answer
    assert "出处：KB-MARGIN-ELIGIBILITY" in answer


async def test_a_first_word_that_is_no_client_leaves_the_question_as_it_was(
    harness: Harness, li: Chat
) -> None:
    question = f"请问 {STAR}"
    expected = await harness.services.answers.answer(question, record_gap=False)
    assert expected.best is not None
    answer = (await li.send(f"/ask {question}")).plain_text
    assert answer.startswith(f"📘 {expected.best.title}")  # the whole text was the question
    assert "针对客户" not in answer and "⚠️" not in answer
    assert not [e for e in await _journal(harness) if e.kind == "client.ask"]


async def test_another_managers_client_is_never_resolved(harness: Harness, li: Chat) -> None:
    jin = await _client(harness, "M005", "金佳燕")  # C1, in M005's book only
    answer = (await li.send(f"/ask 金佳燕 {STAR}")).plain_text
    assert "针对客户" not in answer and "⚠️" not in answer and "C1" not in answer
    # Two clients named 张伟: each manager's question is about her own.
    assert (await li.send(f"/ask 张伟 {STAR}")).plain_text.startswith("👤 针对客户 张伟（C4）")
    wang = await harness.staff("M005", 1005, "王")
    theirs = (await wang.send(f"/ask 张伟 {STAR}")).plain_text
    assert theirs.startswith("👤 针对客户 张伟（C1）")
    assert "低于「科创板股票交易权限开通」要求的 C4" in theirs
    reads = [(e.actor, e.subject) for e in await _journal(harness) if e.kind == "client.ask"]
    assert ("M001", f"client:{jin.client_id}") not in reads
    zhang_m005 = await _client(harness, "M005", "张伟")
    zhang_m001 = await _client(harness, "M001", "张伟")
    assert reads == [
        ("M001", f"client:{zhang_m001.client_id}"),
        ("M005", f"client:{zhang_m005.client_id}"),
    ]


async def test_a_question_after_the_card_inherits_her_until_the_context_expires(
    harness: Harness, li: Chat
) -> None:
    await li.send("/client 苏毅")
    harness.clock.advance(minutes=9)
    inherited = (await li.send(MARGIN)).plain_text  # a plain question, nine minutes later
    assert inherited.startswith("👤 针对客户 苏毅（C2）")
    assert "低于「融资融券开通条件」要求的 C4" in inherited
    harness.clock.advance(minutes=2)  # eleven minutes after the card; asking did not extend it
    expired = (await li.send(f"/ask {MARGIN}")).plain_text
    assert "针对客户" not in expired and "⚠️" not in expired
    assert "出处：KB-MARGIN-ELIGIBILITY" in expired


async def test_a_client_named_alone_is_the_context_of_the_next_questions(
    harness: Harness, li: Chat
) -> None:
    reply = (await li.send("/ask 苏毅")).plain_text
    assert "接下来 10 分钟内您的提问都针对客户 苏毅（C2）" in reply
    answer = (await li.send(STAR)).plain_text
    assert answer.startswith("👤 针对客户 苏毅（C2）") and STAR_WARNING_SU_YI in answer


async def test_a_gap_about_a_client_goes_to_compliance_without_her_name(
    harness: Harness, li: Chat
) -> None:
    reply = await li.send("/ask 苏毅 明天大盘会涨吗")
    assert reply.plain_text.startswith("👤 针对客户 苏毅（C2）")
    assert "不从知识库回答" in reply.plain_text
    press = await li.press(reply, "📨 提交给合规")
    assert "已提交给合规" in (press.toast or "")
    gaps = await harness.services.curation.open_gaps()
    assert [(q, who) for _, q, who, _ in gaps] == [("明天大盘会涨吗", "M001")]


async def test_an_alternative_section_keeps_the_client_named_in_the_question(li: Chat) -> None:
    answer = await li.send(f"/ask 苏毅 {STAR}")
    alternative = next(b.text for b in answer.buttons if b.text.startswith("📄"))
    shown = (await li.press(answer, alternative)).message.plain_text
    assert shown.startswith("👤 针对客户 苏毅（C2）")


async def test_in_english(harness: Harness) -> None:
    lin = await harness.staff("M006", 1006, "Lin")
    answer = (await lin.send("/ask 李慧 STAR Market eligibility")).plain_text
    assert answer.startswith("👤 For client 李慧 (C3)")
    assert (
        "⚠️ 李慧 is rated C3, below the C4 that 「科创板股票交易权限开通」 requires: "
        "do not recommend it; do a suitability assessment first."
    ) in answer
    assert "Source: KB-STAR-MARKET-ELIGIBILITY" in answer
    suited = (await lin.send("/ask 陈宇新 STAR Market eligibility")).plain_text  # C5
    assert suited.startswith("👤 For client 陈宇新 (C5)") and "⚠️" not in suited
    alone = (await lin.send("/ask 李慧")).plain_text
    assert "for the next 10 minutes your questions are about client 李慧 (C3)" in alone
