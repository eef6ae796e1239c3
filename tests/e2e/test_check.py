"""/check over the real Bot API protocol: flagged spans with compliant wording, a clear ✅,
findings recorded for compliance."""

from __future__ import annotations

import re


async def test_a_draft_promising_returns_is_flagged_with_wording_and_script(demo_bot):
    telegram = demo_bot.telegram
    fang = await demo_bot.bound_user("M001", 7101, "芳")
    await telegram.user_sends(fang, "/check 保证年化8%，稳赚不赔")
    verdict = await telegram.next_message(fang)
    text = verdict.plain_text
    assert "不合规表述" in text and "承诺收益" in text
    marked = re.findall(r"<u><b>(.*?)</b></u>", verdict.text or "")
    assert any("年化8%" in m for m in marked) and any("稳赚" in m for m in marked)
    assert "不得承诺或暗示收益" in text  # the lexicon's compliant wording
    assert "KB-COMPLIANCE-RED-LINES" in text and "审批人 C001" in text
    findings = await demo_bot.runtime.services.feedback.findings(source="draft_check")
    assert [(f.staff_id, f.text) for f in findings] == [("M001", "保证年化8%，稳赚不赔")]
    await telegram.settle()
    telegram.assert_no_more_messages(fang)


async def test_a_clean_draft_gets_a_clear_tick_and_nothing_is_recorded(demo_bot):
    telegram = demo_bot.telegram
    fang = await demo_bot.bound_user("M001", 7102, "芳")
    await telegram.user_sends(fang, "/check 张总您好，周五下午三点方便来营业部面谈吗？")
    verdict = await telegram.next_message(fang)
    assert verdict.plain_text.startswith("✅")
    assert await demo_bot.runtime.services.feedback.findings() == []


async def test_an_empty_check_gets_a_usage_example(demo_bot):
    telegram = demo_bot.telegram
    fang = await demo_bot.bound_user("M001", 7103, "芳")
    for empty in ("/check", "/check    \n  "):
        await telegram.user_sends(fang, empty)
        usage = await telegram.next_message(fang)
        assert "/check " in usage.plain_text and "例如" in usage.plain_text


async def test_english_staff_get_the_verdict_in_english(bot):
    telegram = bot.telegram
    invite = await bot.runtime.services.staff.create_invite("M002")
    tom = telegram.user(id=7104, first_name="Tom", language_code="en")
    await telegram.user_sends(tom, f"/start {invite.code}")
    await telegram.next_message(tom)
    await telegram.user_sends(tom, "/check 这个产品保本")
    verdict = await telegram.next_message(tom)
    assert (
        "Guaranteed principal" in verdict.plain_text and "Compliant wording" in verdict.plain_text
    )
