"""/help and the command menu per role, and the guard's refusal of a command not for the role."""

from __future__ import annotations

from typing import Any

from handlers.roles import commands_for
from tests.support.ptb import Chat, Harness, labels


def chat_menus(harness: Harness, chat: Chat) -> list[dict[str, Any]]:
    """The setMyCommands calls scoped to this chat, in order."""
    wanted = {"type": "chat", "chat_id": chat.id}
    return [
        call.params
        for call in harness.request.calls
        if call.method == "setMyCommands" and call.params.get("scope") == wanted
    ]


def menu_names(menu: dict[str, Any]) -> list[str]:
    return [command["command"] for command in menu["commands"]]


async def test_a_manager_sees_manager_commands_and_no_admin_ones(
    harness: Harness, li: Chat
) -> None:
    help_message = await li.send("/help")
    text = help_message.plain_text
    assert "/client 张伟" in text and "/todos" in text and "/check" in text
    assert "/staff" not in text
    menus = chat_menus(harness, li)
    assert menus and menu_names(menus[-1]) == list(commands_for("manager"))
    assert "staff" not in menu_names(menus[-1])
    refused = await li.send("/staff")
    assert refused.plain_text == "此功能仅限管理员使用。发送 /help 查看您可用的命令。"


async def test_a_compliance_officer_is_not_shown_manager_features(harness: Harness) -> None:
    shen = await harness.staff("C001", 3001, "沈静怡")
    help_message = await shen.send("/help")
    text = help_message.plain_text
    assert "合规专员" in text and "/ask" in text and "/check" in text
    for manager_only in ("/client", "/note", "/todo", "/today", "/settings", "/staff"):
        assert manager_only not in text, manager_only
    assert "晨报" not in text and "客户 360°" not in text
    assert menu_names(chat_menus(harness, shen)[-1]) == [
        "start",
        "help",
        "ask",
        "check",
        "review",
        "lexicon",
    ]
    for command in ("/client 张伟", "/todos", "/today", "/note 张伟 回访"):
        outcome = await shen.send_all(command)
        assert [m.plain_text for m in outcome.messages] == [
            "此功能仅限客户经理和主管使用。发送 /help 查看您可用的命令。"
        ], command
    # her own commands still work
    assert "保本" in (await shen.send("/check 这个产品保本")).plain_text


async def test_an_admin_sees_staff_management_only(harness: Harness) -> None:
    han = await harness.staff("A001", 4001, "韩雪")
    text = (await han.send("/help")).plain_text
    assert "管理员" in text and "/staff" in text
    for other in ("/ask", "/check", "/client", "/todos", "/today"):
        assert other not in text, other
    assert menu_names(chat_menus(harness, han)[-1]) == [
        "start",
        "help",
        "review",
        "team",
        "broadcast",
        "staff",
        "lexicon",
    ]
    refused = await han.send("/ask 科创板开户条件")
    assert refused.plain_text == (
        "此功能仅限客户经理、主管和合规专员使用。发送 /help 查看您可用的命令。"
    )


async def test_a_supervisor_keeps_the_book_commands(harness: Harness) -> None:
    zhou = await harness.staff("S001", 5001, "周建国")
    text = (await zhou.send("/help")).plain_text
    assert "团队主管" in text and "/today" in text and "/client 张伟" in text
    assert "/staff" not in text and "预警升级" in text
    assert menu_names(chat_menus(harness, zhou)[-1]) == list(commands_for("supervisor"))


async def test_english_refusals_and_the_menu_follow_the_language(harness: Harness) -> None:
    shen = await harness.staff("C001", 3001, "沈静怡")
    help_message = await shen.send("/help")
    await shen.press(help_message, "🌐")
    assert labels(help_message) == ["🌐 切换为中文"]
    assert "compliance officer" in help_message.plain_text
    menu = chat_menus(harness, shen)[-1]
    assert {c["command"]: c["description"] for c in menu["commands"]}["help"] == "Help"
    refused = await shen.send("/client 张伟")
    assert refused.plain_text == (
        "This is only for account managers and supervisors. "
        "Send /help to see the commands you can use."
    )
    calls = len(chat_menus(harness, shen))
    await shen.send("/help")
    assert len(chat_menus(harness, shen)) == calls  # set once per role and language
