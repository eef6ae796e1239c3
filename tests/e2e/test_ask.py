"""Questions over the real Bot API protocol: cited answers, alternatives, 👍/👎, content gaps."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from bot.app import build_application
from bot.bootstrap import Runtime, build_runtime
from emulator import polling
from knowledge_base.out_of_scope import load_policy
from tests.e2e.conftest import Bot
from tests.support.botapi import Conversation

MANAGER = ("M001", 7001, "芳")


async def _manager(demo_bot: Bot) -> Any:
    return await demo_bot.bound_user(*MANAGER)


@asynccontextmanager
async def restarted(bot: Bot) -> AsyncIterator[tuple[Runtime, Conversation]]:
    """Stop the running Application and start a new process's worth: runtime and Application."""
    await bot.telegram.settle()
    await bot.application.updater.stop()
    await bot.application.stop()
    runtime = await build_runtime(bot.runtime.settings)
    application = build_application(bot.runtime.settings, runtime.services)
    try:
        async with polling(application):
            after = Conversation(bot.server.emulator, application)
            after._consumed = dict(bot.telegram._consumed)
            yield runtime, after
    finally:
        await runtime.aclose()


async def test_a_question_is_answered_with_its_citation(demo_bot):
    telegram = demo_bot.telegram
    fang = await _manager(demo_bot)
    question = await telegram.user_sends(fang, "科创板开户条件")
    answer = await telegram.next_message(fang)
    text = answer.plain_text
    assert "KB-STAR-MARKET-ELIGIBILITY" in text
    assert "第 1 版" in text and "审批人 C001" in text and "生效日期 2025-06-06" in text
    assert "50万元" in text  # the approved text itself, not just a pointer
    assert answer.reply_to_message_id == question["message_id"]
    assert "typing" in {action for _, action in demo_bot.server.emulator.chat_actions}
    labels = [b.text for b in answer.buttons]
    assert "👍 有帮助" in labels and "👎 没帮助" in labels
    await telegram.settle()
    telegram.assert_no_more_messages(fang)


async def test_an_uncertain_answer_says_so_and_can_go_to_compliance_keeping_its_buttons(demo_bot):
    """A question the engine only half matches (how much of an ST stock one may buy a day: the
    closest text is the dividend FAQ) is answered under a caveat, with 📨 under the usual
    buttons; sending it to compliance keeps the alternatives and 👍/👎."""
    telegram = demo_bot.telegram
    fang = await _manager(demo_bot)
    curation = demo_bot.runtime.services.curation
    await telegram.user_sends(fang, "国债逆回购怎么操作")
    sure = await telegram.next_message(fang)
    assert "KB-REVERSE-REPO" in sure.plain_text and "不确定" not in sure.plain_text
    assert "📨 提交给合规" not in [b.text for b in sure.buttons]  # given as sure

    await telegram.user_sends(fang, "被戴帽的股票一天最多能买多少")
    reply = await telegram.next_message(fang)
    assert "不确定是否对题" in reply.plain_text and "审批人" in reply.plain_text
    labels = [b.text for b in reply.buttons]
    assert labels[-1] == "📨 提交给合规", reply.describe()
    assert any(label.startswith("📄") for label in labels) and "👍 有帮助" in labels

    press = await telegram.press(fang, reply, "📨 提交给合规")
    await telegram.next_edit(reply)
    assert "已提交给合规" in reply.plain_text and "不确定是否对题" in reply.plain_text
    assert [b.text for b in reply.buttons] == labels[:-1]
    gaps = await curation.open_gaps()
    assert [(q, who) for _, q, who, _ in gaps] == [("被戴帽的股票一天最多能买多少", "M001")]

    # Telegram delivers the same press again: nothing more is queued, the buttons stay.
    await telegram.replay({"callback_query": press})
    await telegram.settle()
    assert len(await curation.open_gaps()) == 1
    assert [b.text for b in reply.buttons] == labels[:-1]
    telegram.assert_no_more_messages(fang)


async def test_the_ask_command_answers_the_same_way(demo_bot):
    telegram = demo_bot.telegram
    fang = await _manager(demo_bot)
    await telegram.user_sends(fang, "/ask 科创板开户条件")
    answer = await telegram.next_message(fang)
    assert "KB-STAR-MARKET-ELIGIBILITY" in answer.plain_text


async def test_an_alternative_button_shows_another_document(demo_bot):
    telegram = demo_bot.telegram
    fang = await _manager(demo_bot)
    await telegram.user_sends(fang, "/ask 科创板开户条件")
    answer = await telegram.next_message(fang)
    alternatives = [b for b in answer.buttons if b.text.startswith("📄")]
    assert alternatives, answer.describe()
    doc_id = alternatives[0].callback_data.split(":")[1]
    assert doc_id != "KB-STAR-MARKET-ELIGIBILITY"
    await telegram.press(fang, answer, alternatives[0].text)
    shown = await telegram.next_message(fang)
    assert doc_id in shown.plain_text and "审批人" in shown.plain_text
    assert "KB-STAR-MARKET-ELIGIBILITY" not in shown.plain_text


async def test_thumbs_up_is_recorded_once_even_if_pressed_twice(demo_bot):
    telegram = demo_bot.telegram
    fang = await _manager(demo_bot)
    await telegram.user_sends(fang, "科创板开户条件")
    answer = await telegram.next_message(fang)
    first = await telegram.press(fang, answer, "👍 有帮助")
    second = await telegram.press(fang, answer, "👍 有帮助")
    await telegram.settle()
    toasts = {telegram.callback_answer(first)["text"], telegram.callback_answer(second)["text"]}
    assert toasts == {
        "感谢反馈，已记录。",
        "已记录过您的反馈。",
    }  # presses may be handled concurrently
    feedback = demo_bot.runtime.services.feedback
    assert await feedback.feedback_count("M001") == 1
    telegram.assert_no_more_messages(fang)


async def test_no_approved_answer_is_said_plainly_and_can_go_to_compliance(demo_bot):
    telegram = demo_bot.telegram
    fang = await _manager(demo_bot)
    curation = demo_bot.runtime.services.curation
    await telegram.user_sends(fang, "明天大盘会涨吗")
    reply = await telegram.next_message(fang)
    # a forecast: never answered from scripts, and she is told why (the policy's reason)
    assert "不从知识库回答" in reply.plain_text and "预测" in reply.plain_text
    assert "KB-" not in reply.plain_text  # never the nearest unrelated script
    assert [b.text for b in reply.buttons] == ["📨 提交给合规"]
    assert await curation.open_gaps() == []  # nothing queued until the manager confirms

    press = await telegram.press(fang, reply, "📨 提交给合规")
    await telegram.next_edit(reply)
    assert "已提交给合规" in reply.plain_text and reply.buttons == []
    gaps = await curation.open_gaps()
    assert [(q, who) for _, q, who, _ in gaps] == [("明天大盘会涨吗", "M001")]
    assert "已提交给合规" in telegram.callback_answer(press)["text"]

    # The same press delivered again (Telegram redelivery) queues nothing more.
    await telegram.replay({"callback_query": press})
    await telegram.settle()
    assert len(await curation.open_gaps()) == 1
    telegram.assert_no_more_messages(fang)


async def test_buttons_keep_working_after_a_restart(demo_bot):
    """A new process (fresh runtime and Application, empty memory) serves old buttons: the
    question is read back from the quoted message and sections are re-fetched by packed key."""
    telegram = demo_bot.telegram
    fang = await _manager(demo_bot)
    await telegram.user_sends(fang, "/ask 今天天气怎么样")
    no_answer = await telegram.next_message(fang)
    await telegram.user_sends(fang, "科创板开户条件")
    answer = await telegram.next_message(fang)
    alternative = next(b for b in answer.buttons if b.text.startswith("📄"))

    async with restarted(demo_bot) as (runtime, after):
        await after.press(fang, no_answer, "📨 提交给合规")
        await after.next_edit(no_answer)
        assert [q for _, q, _, _ in await runtime.services.curation.open_gaps()] == [
            "今天天气怎么样"
        ]
        await after.press(fang, answer, alternative.text)
        shown = await after.next_message(fang)
        assert alternative.callback_data.split(":")[1] in shown.plain_text
        await after.press(fang, answer, "👎 没帮助")
        await after.settle()
        assert await runtime.services.feedback.feedback_count("M001") == 1


@pytest.mark.parametrize(
    "data",
    ["alt:NOPE:9", "fb:x", "gap:0", "alt:KB-STAR-MARKET-ELIGIBILITY:1:zzzzzz", "fb:up:KB-X:1"],
)
async def test_forged_buttons_get_the_expired_notice_and_nothing_else(demo_bot, data):
    telegram = demo_bot.telegram
    fang = await _manager(demo_bot)
    await telegram.user_sends(fang, "科创板开户条件")
    answer = await telegram.next_message(fang)
    query = demo_bot.server.emulator.user_presses(
        fang, fang.id, answer.message_id, data, strict=False
    )
    await telegram.settle()
    assert telegram.callback_answer(query)["text"] == "按钮已过期"
    telegram.assert_no_more_messages(fang)
    assert await demo_bot.runtime.services.feedback.feedback_count() == 0
    assert await demo_bot.runtime.services.curation.open_gaps() == []


async def _client_of(demo_bot: Bot, manager_id: str, risk_level: str) -> Any:
    from sqlalchemy import select

    from storage.rows import ClientRow

    async with demo_bot.runtime.uow() as work:
        row = await work.session.scalar(
            select(ClientRow)
            .where(ClientRow.manager_id == manager_id, ClientRow.risk_level == risk_level)
            .order_by(ClientRow.client_id)
        )
        return (row.client_id, row.name) if row is not None else None


async def test_a_product_above_the_clients_risk_level_gets_a_warning_and_disclosure(demo_bot):
    telegram = demo_bot.telegram
    fang = await _manager(demo_bot)
    client = await _client_of(demo_bot, "M001", "C2")
    assert client is not None, "the demo book has a C2 client of M001"
    client_id, name = client
    await telegram.user_sends(fang, f"/client {client_id}")
    await telegram.next_message(fang)  # the card: the client is now in context

    await telegram.user_sends(fang, "鑫源科技成长基金怎么样")
    answer = await telegram.next_message(fang)
    text = answer.plain_text
    assert "KB-PRODUCT-TECH-GROWTH" in text
    assert "适当性提示" in text and "C2" in text and "R4" in text and name in text
    assert "KB-RISK-DISCLOSURE-R4" in text and "R4 风险揭示" in text


async def test_a_suitable_product_or_no_client_context_gets_no_warning(demo_bot):
    telegram = demo_bot.telegram
    fang = await _manager(demo_bot)
    await telegram.user_sends(fang, "鑫源科技成长基金怎么样")
    answer = await telegram.next_message(fang)
    assert "KB-PRODUCT-TECH-GROWTH" in answer.plain_text
    assert "适当性提示" not in answer.plain_text  # no client in context

    client = await _client_of(demo_bot, "M001", "C5")
    if client is not None:
        await telegram.user_sends(fang, f"/client {client[0]}")
        await telegram.next_message(fang)
        await telegram.user_sends(fang, "鑫源科技成长基金怎么样")
        assert "适当性提示" not in (await telegram.next_message(fang)).plain_text


@pytest.mark.parametrize("question", ["易方达蓝筹精选最近净值怎么样", "下个月降准吗"])
async def test_a_live_figure_or_a_forecast_no_pattern_names_gets_no_script(demo_bot, question):
    # No pattern of the out-of-scope policy names these (no 今天/现在, no 涨/跌): the refusal
    # model reads how close the question comes to the out-of-scope examples against the
    # in-scope look-alikes (knowledge_base/intents.py) and says plainly it has no approved
    # answer instead of showing the nearest product sheet (without the examples: P 0.29 and
    # 0.41, answered; with them 0.10 and 0.11, against a threshold of 0.25).
    telegram = demo_bot.telegram
    fang = await _manager(demo_bot)
    assert load_policy().classify(question) is None
    await telegram.user_sends(fang, question)
    reply = await telegram.next_message(fang)
    assert "暂时没有经合规审批的答案" in reply.plain_text
    assert "KB-" not in reply.plain_text
    assert [b.text for b in reply.buttons] == ["📨 提交给合规"]
