"""Questions (/ask or plain text) and /check: cited answers, 📄 alternatives, 👍/👎,
📨 提交给合规, and the draft check. The vectors are model-free; the answers are the KB's."""

from __future__ import annotations

import re

from tests.support.ptb import Chat, Harness, labels

# Model-free vectors rank differently from the real model: the tests read which approved
# document answered from its citation instead of assuming one (ranking is tested elsewhere).
CITATION = re.compile(
    r"📎 出处：(KB-[A-Z0-9-]+) 第 (\d+) 版 · 审批人 C001 · 生效日期 \d{4}-\d{2}-\d{2}"
)


def cited(text: str) -> str:
    found = CITATION.search(text)
    assert found, text
    return found.group(1)


async def test_a_question_is_answered_with_its_citation_and_feedback_buttons(li: Chat) -> None:
    answer = await li.send("/ask 科创板开户条件")
    doc_id = cited(answer.plain_text)
    assert answer.reply_to_message_id == (li.last_request or {}).get("message_id")
    assert "👍 有帮助" in labels(answer) and "👎 没帮助" in labels(answer)
    plain = await li.send("科创板开户条件")  # no command: the same answer
    assert cited(plain.plain_text) == doc_id
    assert "/ask 科创板开户条件" in (await li.send("/ask")).plain_text


async def test_feedback_is_recorded_once_then_changed(harness: Harness, li: Chat) -> None:
    answer = await li.send("科创板开户条件")
    assert (await li.press(answer, "👍 有帮助")).toast == "感谢反馈，已记录。"
    assert (await li.press(answer, "👍 有帮助")).toast == "已记录过您的反馈。"
    assert (await li.press(answer, "👎 没帮助")).toast == "已更新您的反馈。"
    assert await harness.services.feedback.feedback_count("M001") == 1


async def test_an_alternative_button_shows_another_document(li: Chat) -> None:
    answer = await li.send("/ask 科创板开户条件")
    alternative = next(label for label in labels(answer) if label.startswith("📄"))
    shown = (await li.press(answer, alternative)).message
    assert cited(shown.plain_text) != cited(answer.plain_text)
    assert shown.plain_text.startswith("📘 " + alternative.removeprefix("📄 ").split(" · ")[0])


async def test_no_approved_answer_can_go_to_compliance_once(harness: Harness, li: Chat) -> None:
    reply = await li.send("公司年会的节目单在哪里看")
    assert "没有经合规审批的答案" in reply.plain_text and "KB-" not in reply.plain_text
    assert labels(reply) == ["📨 提交给合规"]
    gap_data = reply.button("📨 提交给合规").callback_data
    assert gap_data is not None
    press = await li.press(reply, "📨 提交给合规")
    assert "已提交给合规" in (press.toast or "") and "已提交给合规" in reply.plain_text
    assert reply.buttons == []
    gaps = await harness.services.curation.open_gaps()
    assert [(q, who) for _, q, who, _ in gaps] == [("公司年会的节目单在哪里看", "M001")]


async def test_a_question_the_policy_never_answers_says_why(harness: Harness, li: Chat) -> None:
    # a forecast: the compliance red lines forbid it, so no script answers it and she is told
    # so, with the way to the approved talking points; not the "no answer yet" of a content gap
    reply = await li.send("明天大盘会涨吗")
    assert "不从知识库回答" in reply.plain_text and "预测" in reply.plain_text
    assert "没有经合规审批的答案" not in reply.plain_text and "KB-" not in reply.plain_text
    assert labels(reply) == ["📨 提交给合规"]  # a policy that misread her is compliance's to see


async def test_forged_answer_buttons_are_expired(harness: Harness, li: Chat) -> None:
    answer = await li.send("科创板开户条件")
    for data in ("alt:NOPE:9", "fb:x", "gap:0", "fb:up:KB-X:1"):
        press = await li.press_data(answer, data)
        assert press.toast == "按钮已过期" and not press.messages and not press.edited
    assert await harness.services.feedback.feedback_count() == 0


async def test_english_answers_and_buttons(harness: Harness) -> None:
    lin = await harness.staff("M006", 1006, "Lin")
    answer = await lin.send("科创板开户条件")
    assert re.search(r"📎 Source: KB-[A-Z0-9-]+ v\d+ · approved by C001", answer.plain_text)
    assert "👍 Helpful" in labels(answer)
    nothing = await lin.send("明天大盘会涨吗")
    assert labels(nothing) == ["📨 Send to compliance"]
    assert "does not answer this kind of question" in nothing.plain_text
    assert "forecast" in nothing.plain_text and "预测" not in nothing.plain_text


async def test_check_flags_a_draft_and_passes_a_clean_one(harness: Harness, li: Chat) -> None:
    verdict = await li.send("/check 保证年化8%，稳赚不赔")
    assert "不合规表述" in verdict.plain_text and "承诺收益" in verdict.plain_text
    assert "<u><b>" in (verdict.text or "") and "不得承诺或暗示收益" in verdict.plain_text
    findings = await harness.services.feedback.findings(source="draft_check")
    assert [(f.staff_id, f.text) for f in findings] == [("M001", "保证年化8%，稳赚不赔")]
    clean = await li.send("/check 张总您好，周五下午三点方便来营业部面谈吗？")
    assert clean.plain_text.startswith("✅ 未发现违规表述")
    usage = await li.send("/check   ")
    assert "/check " in usage.plain_text and "例如" in usage.plain_text


async def test_check_in_english(harness: Harness) -> None:
    lin = await harness.staff("M006", 1006, "Lin")
    verdict = await lin.send("/check 这个产品保本")
    assert "Guaranteed principal" in verdict.plain_text
    assert "Compliant wording" in verdict.plain_text
