"""/start (invites), /help with its language button, strangers, groups, and the fallbacks."""

from __future__ import annotations

from bot.app import COMMANDS, set_commands
from tests.support.ptb import Chat, Harness, labels, message_update, user_json


async def test_an_invite_binds_and_welcomes_then_help_switches_language(harness: Harness) -> None:
    invite = await harness.services.staff.create_invite("M001")
    li = harness.user(1001, "丽")
    welcome = await li.send(f"/start {invite.code}")
    assert "绑定成功" in welcome.plain_text and "李明" in welcome.plain_text
    assert "客户经理" in welcome.plain_text and "/client 张伟" in welcome.plain_text

    again = await li.send(f"/start {invite.code}")
    assert "您已绑定为 李明" in again.plain_text
    assert "您好，李明" in (await li.send("/start")).plain_text

    help_message = await li.send("/help")
    assert "工号 M001" in help_message.plain_text and "/todos" in help_message.plain_text
    assert labels(help_message) == ["🌐 Switch to English"]
    press = await li.press(help_message, "🌐")
    assert press.toast == "✅ Language set to English."
    assert press.edited == [help_message] and not press.messages
    assert "What I can do for you" in help_message.plain_text
    assert labels(help_message) == ["🌐 切换为中文"]
    back = await li.press(help_message, "🌐")
    assert back.toast == "✅ 已切换为中文。" and "我能为您做什么" in help_message.plain_text


async def test_english_telegram_users_are_welcomed_in_english(harness: Harness) -> None:
    invite = await harness.services.staff.create_invite("M006")
    tom = harness.user(1006, "Tom", language_code="en")
    welcome = await tom.send(f"/start {invite.code}")
    assert "Linked" in welcome.plain_text and "account manager" in welcome.plain_text
    assert "Unknown" not in (await tom.send("/help")).plain_text


async def test_bad_invite_codes_are_refused_with_the_reason(harness: Harness) -> None:
    invite = await harness.services.staff.create_invite("M001")
    await harness.user(1001).send(f"/start {invite.code}")
    other = harness.user(1002, "冒名")
    assert "已被使用" in (await other.send(f"/start {invite.code}")).plain_text
    assert "邀请码无效" in (await other.send("/start made-up-code")).plain_text
    english = harness.user(1003, "Eve", language_code="en")
    assert "not valid" in (await english.send("/start made-up-code")).plain_text


async def test_strangers_get_one_polite_refusal_for_anything(harness: Harness) -> None:
    stranger = harness.user(2002, "路人")
    for text in ("/help", "/client 张伟", "客户张伟的电话是多少 13812345678"):
        outcome = await stranger.send_all(text)
        assert [m.plain_text for m in outcome.messages] == [
            "您好，这是券商内部的客户经理助手，仅限已授权的员工使用。"
            "如您是员工，请向管理员索取邀请链接。"
        ]
    english = harness.user(2003, "Eve", language_code="en")
    assert "only authorised staff" in (await english.send("/start")).plain_text


async def test_a_strangers_button_press_is_refused_with_an_alert(harness: Harness) -> None:
    stranger = harness.user(2002, "路人")
    refusal = await stranger.send("/help")
    press = await stranger.press_data(refusal, "lang:en")
    assert press.answer is not None and press.answer["show_alert"] is True
    assert "仅限已授权的员工" in (press.toast or "") and not press.messages


async def test_group_chats_are_refused(harness: Harness, li: Chat) -> None:
    group = harness.emulator.add_group(-5001, "营业部群")
    update = message_update(
        "/help",
        user=user_json(li.id, "丽"),
        chat=group.to_api(),
        update_id=harness.next_update_id(),
        date=harness.timestamp(),
    )
    outcome = await harness.process(update, group.id)
    assert [m.plain_text for m in outcome.messages] == [
        "为保护客户信息，本助手只在私聊中使用，请私信我。"
    ]


async def test_unknown_commands_documents_and_forged_buttons_get_the_fallbacks(
    li: Chat,
) -> None:
    unknown = await li.send("/frobnicate<b>")
    assert unknown.plain_text == "暂不支持 /frobnicate<b> 命令。发送 /help 查看可用的命令。"
    document = await li.send_document("clients.csv")
    assert [m.plain_text for m in document.messages] == [
        "这条消息我暂时还处理不了。发送 /help 查看我现在能做的事。"
    ]
    help_message = await li.send("/help")
    for forged in ("lang:xx", "client:K0001", "nonsense"):
        press = await li.press_data(help_message, forged)
        assert press.toast == "按钮已过期" and not press.messages and not press.edited


async def test_the_command_menu_lists_every_command_in_both_languages(harness: Harness) -> None:
    await set_commands(harness.application)
    menus = [c.params for c in harness.request.calls if c.method == "setMyCommands"]
    assert [m.get("language_code") for m in menus] == ["zh", "en", None]
    for menu in menus:
        assert [c["command"] for c in menu["commands"]] == list(COMMANDS)
    zh, en = ({c["command"]: c["description"] for c in m["commands"]} for m in menus[:2])
    assert en["help"] == "Help" and zh["help"] == "查看帮助"
