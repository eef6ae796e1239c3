"""Access over the real Bot API protocol: invite → /start code → /help; strangers and groups refused."""

from __future__ import annotations


async def test_invite_start_and_help(bot):
    telegram = bot.telegram
    invite = await bot.runtime.services.staff.create_invite("M001")
    li = telegram.user(id=1001, first_name="丽")

    await telegram.user_sends(li, f"/start {invite.code}")
    welcome = await telegram.next_message(li)
    assert "绑定成功" in welcome.plain_text and "王芳" in welcome.plain_text
    assert "客户经理" in welcome.plain_text

    await telegram.user_sends(li, "/help")
    help_message = await telegram.next_message(li)
    assert "王芳" in help_message.plain_text and "M001" in help_message.plain_text
    assert "/help" in help_message.plain_text
    assert [b.text for b in help_message.buttons] == ["🌐 Switch to English"]

    await telegram.press(li, help_message, 0)
    await telegram.next_edit(help_message)
    assert "What I can do" in help_message.plain_text
    await telegram.settle()
    telegram.assert_no_more_messages(li)


async def test_unknown_user_gets_one_polite_refusal(bot, caplog):
    telegram = bot.telegram
    stranger = telegram.user(id=2002, first_name="路人")
    await telegram.user_sends(stranger, "客户张伟的电话是多少 13812345678")
    refusal = await telegram.next_message(stranger)
    assert "仅限已授权的员工" in refusal.plain_text
    await telegram.settle()
    telegram.assert_no_more_messages(stranger)
    assert "13812345678" not in caplog.text and "张伟" not in caplog.text


async def test_used_expired_or_unknown_codes_are_refused(bot):
    telegram = bot.telegram
    invite = await bot.runtime.services.staff.create_invite("M001")
    first = telegram.user(id=1001, first_name="丽")
    second = telegram.user(id=1002, first_name="冒名")
    await telegram.user_sends(first, f"/start {invite.code}")
    await telegram.next_message(first)

    await telegram.user_sends(second, f"/start {invite.code}")
    assert "已被使用" in (await telegram.next_message(second)).plain_text
    await telegram.user_sends(second, "/start made-up-code")
    assert "邀请码无效" in (await telegram.next_message(second)).plain_text
    await telegram.user_sends(second, "/help")
    assert "仅限已授权的员工" in (await telegram.next_message(second)).plain_text


async def test_group_chats_are_refused(bot):
    telegram = bot.telegram
    invite = await bot.runtime.services.staff.create_invite("M001")
    li = telegram.user(id=1001, first_name="丽")
    await telegram.user_sends(li, f"/start {invite.code}")
    await telegram.next_message(li)

    group = telegram.group(-5001, "营业部群")
    await telegram.user_sends(li, "/help", chat=group)
    refusal = await telegram.next_message(group)
    assert "只在私聊中使用" in refusal.plain_text
    await telegram.settle()
    telegram.assert_no_more_messages(group)


async def test_forged_button_gets_expired_notice(bot):
    telegram = bot.telegram
    invite = await bot.runtime.services.staff.create_invite("M001")
    li = telegram.user(id=1001, first_name="丽")
    await telegram.user_sends(li, f"/start {invite.code}")
    welcome = await telegram.next_message(li)
    query = bot.server.emulator.user_presses(li, li.id, welcome.message_id, "lang:xx", strict=False)
    await telegram.settle()
    assert telegram.callback_answer(query)["text"] == "按钮已过期"
    forged = bot.server.emulator.user_presses(
        li, li.id, welcome.message_id, "client:K0001", strict=False
    )
    await telegram.settle()
    assert telegram.callback_answer(forged)["text"] == "按钮已过期"
    telegram.assert_no_more_messages(li)


async def test_english_speaking_staff_get_english(bot):
    telegram = bot.telegram
    invite = await bot.runtime.services.staff.create_invite("M002")
    tom = telegram.user(id=1003, first_name="Tom", language_code="en")
    await telegram.user_sends(tom, f"/start {invite.code}")
    welcome = await telegram.next_message(tom)
    assert "Linked" in welcome.plain_text and "account manager" in welcome.plain_text


async def test_command_menu_is_set_in_both_languages(bot):
    emulator = bot.server.emulator
    zh = (await emulator.call("getMyCommands", {"language_code": "zh"}))[1]["result"]
    en = (await emulator.call("getMyCommands", {"language_code": "en"}))[1]["result"]
    default = (await emulator.call("getMyCommands", {}))[1]["result"]
    names = [c["command"] for c in zh]
    assert {"start", "help", "client", "note", "todo", "todos", "ask", "check"} <= set(names)
    assert names == [c["command"] for c in en] == [c["command"] for c in default]
    assert any(c["description"] == "Help" for c in en)
    assert all(c["description"] != e["description"] for c, e in zip(zh, en, strict=True))


async def test_messages_no_feature_handles_get_a_pointer_to_help(bot):
    telegram = bot.telegram
    invite = await bot.runtime.services.staff.create_invite("M001")
    li = telegram.user(id=1001, first_name="丽")
    await telegram.user_sends(li, f"/start {invite.code}")
    await telegram.next_message(li)
    await telegram.user_sends(li, "/frobnicate<b>")
    unknown = await telegram.next_message(li)
    assert "/frobnicate<b>" in unknown.plain_text and "/help" in unknown.plain_text
    # Plain text that no flow claims is a question (issue 4 point 5), answered honestly.
    await telegram.user_sends(li, "随便说点什么 🙂\u200b")
    assert "没有经合规审批的答案" in (await telegram.next_message(li)).plain_text
