"""Telegram manners for /ask and /check: bad inputs answered clearly, long replies split safely,
everything escaped, the menu and /help complete."""

from __future__ import annotations

from handlers.splitting import TELEGRAM_LIMIT, utf16_len


def no_errors(bot) -> None:
    assert bot.server.emulator.api_errors == [], bot.server.emulator.api_errors[-3:]


async def test_empty_and_whitespace_questions_get_a_usage_example(demo_bot):
    telegram = demo_bot.telegram
    fang = await demo_bot.bound_user("M001", 7201, "芳")
    for empty in ("/ask", "/ask    ", "/ask \u200b\u202e "):
        await telegram.user_sends(fang, empty)
        usage = await telegram.next_message(fang)
        assert "/ask 科创板开户条件" in usage.plain_text
    await telegram.settle()
    telegram.assert_no_more_messages(fang)
    assert await demo_bot.runtime.services.curation.open_gaps() == []


async def test_a_ten_thousand_character_question_is_handled_clearly(demo_bot):
    telegram = demo_bot.telegram
    fang = await demo_bot.bound_user("M001", 7202, "芳")
    await telegram.user_sends(fang, "科创板开户条件" + "，请详细说明" * 1666)
    reply = await telegram.next_message(fang)
    assert "只按前 500 个字检索" in reply.plain_text
    assert "KB-STAR-MARKET-ELIGIBILITY" in reply.plain_text
    await telegram.settle()
    telegram.assert_no_more_messages(fang)
    no_errors(demo_bot)


async def test_invisible_and_direction_characters_do_not_hide_the_question(demo_bot):
    telegram = demo_bot.telegram
    fang = await demo_bot.bound_user("M001", 7203, "芳")
    await telegram.user_sends(fang, "😀科创板\u200b开户\u202e条件\u2066 🙏")
    reply = await telegram.next_message(fang)
    assert "KB-STAR-MARKET-ELIGIBILITY" in reply.plain_text
    no_errors(demo_bot)


async def test_html_and_markdown_in_questions_are_harmless_and_kept(demo_bot):
    telegram = demo_bot.telegram
    fang = await demo_bot.bound_user("M001", 7204, "芳")
    await telegram.user_sends(fang, "<b>科创板</b> *开户* _条件_ [点我](http://evil.example)")
    answered = await telegram.next_message(fang)
    assert "KB-STAR-MARKET-ELIGIBILITY" in answered.plain_text

    injected = "<b>公司年会</b>在哪里举行 & <i>"
    await telegram.user_sends(fang, injected)
    no_answer = await telegram.next_message(fang)
    assert "没有经合规审批的答案" in no_answer.plain_text
    await telegram.press(fang, no_answer, "📨 提交给合规")
    await telegram.next_edit(no_answer)
    gaps = await demo_bot.runtime.services.curation.open_gaps()
    assert [q for _, q, _, _ in gaps] == [injected]  # stored exactly as typed: nothing lost
    no_errors(demo_bot)


async def test_a_long_draft_near_the_limit_is_split_safely(demo_bot):
    telegram = demo_bot.telegram
    fang = await demo_bot.bound_user("M001", 7205, "芳")
    unit = "稳赚😀<i>不</i>&amp;<b>赔</b>👨‍👩‍👧 "
    draft = (unit * (5000 // len(unit) + 1))[:5000]
    await telegram.user_sends(fang, f"/check {draft}")
    await telegram.settle()
    pieces = demo_bot.server.emulator.sent_messages(fang)[1:]  # after the /start welcome
    assert len(pieces) >= 2
    assert all(utf16_len(p.text or "") <= TELEGRAM_LIMIT for p in pieces)
    joined = "".join(p.plain_text for p in pieces)
    assert "&lt;i&gt;" not in joined and "<i>不</i>" in joined  # escaped once, shown as typed
    assert "已记录供合规复核" in pieces[-1].plain_text
    no_errors(demo_bot)


async def test_the_menu_and_help_cover_every_command(demo_bot):
    telegram = demo_bot.telegram
    emulator = demo_bot.server.emulator
    zh = {
        c["command"]
        for c in (await emulator.call("getMyCommands", {"language_code": "zh"}))[1]["result"]
    }
    en = {
        c["command"]
        for c in (await emulator.call("getMyCommands", {"language_code": "en"}))[1]["result"]
    }
    assert {"start", "help", "client", "note", "todo", "todos", "ask", "check"} <= zh == en
    fang = await demo_bot.bound_user("M001", 7206, "芳")
    await telegram.user_sends(fang, "/help")
    text = (await telegram.next_message(fang)).plain_text
    for example in (
        "/client 张伟",
        "/note 张伟 客户关注科创板，下周约面谈",
        "/todo 张伟 明天上午10点 回电",
        "/todos",
        "/ask 科创板开户条件",
        "/check 这个产品保本",
    ):
        assert example in text, example
    for command in zh:
        assert f"/{command}" in text, command
