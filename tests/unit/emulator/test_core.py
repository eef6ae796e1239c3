"""The emulator answers Bot API calls the way Telegram does (JSON level, no PTB)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from emulator import BotApiEmulator, EmulatedUser, RateLimits, UploadedFile
from tests.unit.emulator.conftest import FakeClock

LI = EmulatedUser(id=1001, first_name="丽", username="li", language_code="zh-hans")
KEYBOARD = {"inline_keyboard": [[{"text": "确认", "callback_data": "ok"}]]}


@pytest.fixture
def emulator(clock: FakeClock) -> BotApiEmulator:
    emulator = BotApiEmulator(clock=clock)
    emulator.add_user(LI)
    return emulator


async def send(emulator: BotApiEmulator, **params: Any) -> tuple[int, dict[str, Any]]:
    return await emulator.call("sendMessage", {"chat_id": LI.id, **params})


async def test_unknown_method_is_404(emulator: BotApiEmulator) -> None:
    assert await emulator.call("sendTelepathy", {}) == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
    )


async def test_a_wrong_token_is_unauthorized(emulator: BotApiEmulator) -> None:
    status, body = await emulator.call("getMe", {}, token="1:wrong")
    assert (status, body["description"]) == (401, "Unauthorized")


async def test_get_me_describes_the_bot(emulator: BotApiEmulator) -> None:
    status, body = await emulator.call("getMe")
    assert status == 200
    assert body["result"]["username"] == "ambot_demo_bot" and body["result"]["is_bot"] is True


@pytest.mark.parametrize(
    ("params", "code", "description"),
    [
        ({"text": ""}, 400, "Bad Request: message text is empty"),
        ({"text": "  \n "}, 400, "Bad Request: message text is empty"),
        ({"text": "<b> </b>", "parse_mode": "HTML"}, 400, "Bad Request: message text is empty"),
        ({"text": "x" * 4097}, 400, "Bad Request: message is too long"),
        ({"text": "hi", "chat_id": 555}, 400, "Bad Request: chat not found"),
        ({"text": "hi", "parse_mode": "Morse"}, 400, "Bad Request: unsupported parse_mode"),
        (
            {
                "text": "hi",
                "reply_markup": {"inline_keyboard": [[{"text": "x", "callback_data": ""}]]},
            },
            400,
            "Bad Request: BUTTON_DATA_INVALID",
        ),
        (
            {"text": "hi", "reply_parameters": {"message_id": 99}},
            400,
            "Bad Request: message to be replied not found",
        ),
    ],
)
async def test_invalid_messages_are_refused_like_telegram(
    emulator: BotApiEmulator, params: dict[str, Any], code: int, description: str
) -> None:
    status, body = await send(emulator, **params)
    assert (status, body["error_code"], body["description"]) == (code, code, description)
    assert emulator.sent_messages() == []


@pytest.mark.parametrize(
    ("html", "detail"),
    [
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("line<br>break", 'Unsupported start tag "br" at byte offset 4'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ('<a href="x', "Unclosed start tag at byte offset 0"),
    ],
)
async def test_bad_html_cannot_be_parsed(emulator: BotApiEmulator, html: str, detail: str) -> None:
    status, body = await send(emulator, text=html, parse_mode="HTML")
    assert status == 400
    assert body["description"] == f"Bad Request: can't parse entities: {detail}"


async def test_good_html_is_accepted_and_measured_without_tags(emulator: BotApiEmulator) -> None:
    text = (
        "<b>粗</b><strong>体</strong> <i>i</i><em>e</em> <u>u</u><ins>n</ins> <s>s</s><strike>t</strike>"
        '<del>d</del> <a href="https://example.com/?a=1&amp;b=2">链接</a> <code>c</code> '
        '<pre><code class="language-python">x = 1</code></pre> <tg-spoiler>秘</tg-spoiler>'
        '<span class="tg-spoiler">密</span> <blockquote expandable>引用</blockquote> '
        "&lt;tag&gt; &amp; &quot; &#20320; AT&T"
    )
    status, body = await send(emulator, text=text, parse_mode="HTML")
    assert status == 200, body
    result = body["result"]
    assert result["text"].endswith('<tag> & " 你 AT&T')
    link = next(e for e in result["entities"] if e["type"] == "text_link")
    assert link["url"] == "https://example.com/?a=1&b=2"
    assert any(e["type"] == "pre" and e.get("language") == "python" for e in result["entities"])

    # The 4,096 limit applies to the visible text, not to the markup.
    status, _ = await send(emulator, text="<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    assert status == 200


async def test_a_blocked_user_gives_403(emulator: BotApiEmulator) -> None:
    emulator.set_blocked(LI)
    status, body = await send(emulator, text="hi")
    assert (status, body["description"]) == (403, "Forbidden: bot was blocked by the user")


async def test_get_updates_confirms_by_offset(emulator: BotApiEmulator) -> None:
    first = emulator.user_sends_text(LI, None, "/start abc")
    emulator.user_sends_text(LI, None, "second")

    status, body = await emulator.call("getUpdates", {"limit": 1})
    assert status == 200
    [update] = body["result"]
    assert update["message"] == first
    assert update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]

    _, body = await emulator.call("getUpdates", {"offset": update["update_id"] + 1})
    assert [u["message"]["text"] for u in body["result"]] == ["second"]
    assert emulator.confirmed_offset == update["update_id"] + 1


async def test_a_long_poll_wakes_when_the_user_writes(emulator: BotApiEmulator) -> None:
    poll = asyncio.create_task(emulator.call("getUpdates", {"timeout": 30}))
    async with asyncio.timeout(5):
        await emulator.wait_until(lambda: emulator.polling)
    assert not poll.done()

    emulator.user_sends_text(LI, None, "你好")
    async with asyncio.timeout(5):
        status, body = await poll
    assert status == 200 and body["result"][0]["message"]["text"] == "你好"


async def test_a_second_poller_terminates_the_first_with_409(emulator: BotApiEmulator) -> None:
    first = asyncio.create_task(emulator.call("getUpdates", {"timeout": 30}))
    async with asyncio.timeout(5):
        await emulator.wait_until(lambda: emulator.polling)
    second = asyncio.create_task(emulator.call("getUpdates", {"timeout": 30}))
    async with asyncio.timeout(5):
        status, body = await first
    assert status == 409 and "only one bot instance" in body["description"]
    emulator.close()
    async with asyncio.timeout(5):
        assert (await second)[0] == 200


async def test_get_updates_is_refused_while_a_webhook_is_set(emulator: BotApiEmulator) -> None:
    await emulator.call("setWebhook", {"url": "https://bot.example.com/hook"})
    status, _ = await emulator.call("getUpdates", {})
    assert status == 409
    await emulator.call("deleteWebhook", {"drop_pending_updates": True})
    assert (await emulator.call("getUpdates", {}))[0] == 200


async def test_replay_redelivers_the_same_message_under_a_new_update_id(
    emulator: BotApiEmulator,
) -> None:
    message = emulator.user_sends_text(LI, None, "记录：已电话沟通")
    original = emulator.pending_updates[0]
    again = emulator.replay(original)

    assert again["update_id"] == original["update_id"] + 1
    assert again["message"] == message


async def test_editing_without_a_keyboard_drops_it_and_identical_edits_fail(
    emulator: BotApiEmulator,
) -> None:
    _, body = await send(emulator, text="原文", reply_markup=KEYBOARD)
    message_id = body["result"]["message_id"]
    edit = {"chat_id": LI.id, "message_id": message_id}

    same = await emulator.call(
        "editMessageText", {**edit, "text": "原文", "reply_markup": KEYBOARD}
    )
    assert same[0] == 400 and same[1]["description"].startswith(
        "Bad Request: message is not modified"
    )

    status, _ = await emulator.call("editMessageText", {**edit, "text": "新文"})
    assert status == 200
    message = emulator.bot_message(LI, message_id)
    assert (message.text, message.buttons, len(message.edits)) == ("新文", [], 1)

    missing = await emulator.call("editMessageText", {**edit, "message_id": 999, "text": "x"})
    assert missing[1]["description"] == "Bad Request: message to edit not found"


async def test_form_encoded_parameters_are_understood(emulator: BotApiEmulator) -> None:
    """Over HTTP PTB sends strings: JSON for objects, digits for ids."""
    status, body = await emulator.call(
        "sendMessage",
        {
            "chat_id": str(LI.id),
            "text": "表单",
            "reply_markup": '{"inline_keyboard": [[{"text": "a", "callback_data": "b"}]]}',
        },
    )
    assert status == 200
    assert body["result"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "b"


async def test_callback_queries_are_answered_once(emulator: BotApiEmulator) -> None:
    _, body = await send(emulator, text="选择", reply_markup=KEYBOARD)
    query = emulator.user_presses(LI, None, body["result"]["message_id"], "ok")
    assert query["message"]["text"] == "选择"

    first = await emulator.call(
        "answerCallbackQuery", {"callback_query_id": query["id"], "text": "好"}
    )
    second = await emulator.call("answerCallbackQuery", {"callback_query_id": query["id"]})
    assert (first[0], second[0]) == (200, 400)
    assert emulator.callback_answers[query["id"]]["text"] == "好"

    with pytest.raises(LookupError, match="no button"):
        emulator.user_presses(LI, None, body["result"]["message_id"], "forged")


async def test_rate_limits_per_private_chat_and_overall(clock: FakeClock) -> None:
    emulator = BotApiEmulator(clock=clock, rate_limits=RateLimits())
    users = [emulator.add_user(EmulatedUser(id=2000 + i, first_name=f"u{i}")) for i in range(31)]

    for user in users[:30]:
        assert (await emulator.call("sendMessage", {"chat_id": user.id, "text": "早报"}))[0] == 200
    status, body = await emulator.call("sendMessage", {"chat_id": users[30].id, "text": "早报"})
    assert (status, body["parameters"]) == (429, {"retry_after": 1})

    clock.advance(1.0)
    assert (await emulator.call("sendMessage", {"chat_id": users[30].id, "text": "早报"}))[0] == 200
    status, body = await emulator.call("sendMessage", {"chat_id": users[30].id, "text": "再来"})
    assert (status, body["parameters"]["retry_after"]) == (429, 1)

    emulator.rate_limits = None
    assert (await emulator.call("sendMessage", {"chat_id": users[30].id, "text": "再来"}))[0] == 200


async def test_groups_allow_twenty_messages_a_minute(clock: FakeClock) -> None:
    emulator = BotApiEmulator(clock=clock, rate_limits=RateLimits())
    group = emulator.add_group(-100, "财富管理一组")
    for _ in range(20):
        assert (await emulator.call("sendMessage", {"chat_id": group.id, "text": "x"}))[0] == 200
        clock.advance(1.5)
    status, body = await emulator.call("sendMessage", {"chat_id": group.id, "text": "x"})
    # The first of the 20 was sent 30 s ago: it leaves the one-minute window in 30 s.
    assert (status, body["parameters"]["retry_after"]) == (429, 30)


async def test_files_are_kept_for_get_file_and_download(emulator: BotApiEmulator) -> None:
    message = emulator.user_sends_voice(LI, content=b"OggS-voice")
    status, body = await emulator.call("getFile", {"file_id": message["voice"]["file_id"]})
    assert status == 200
    stored = emulator.file(body["result"]["file_path"])
    assert stored is not None and stored.content == b"OggS-voice"
    assert (await emulator.call("getFile", {"file_id": "nope"}))[0] == 400


async def test_commands_are_stored_per_scope_and_language(emulator: BotApiEmulator) -> None:
    commands = [{"command": "brief", "description": "今日简报"}]
    assert (await emulator.call("setMyCommands", {"commands": commands, "language_code": "zh"}))[
        0
    ] == 200
    assert (await emulator.call("getMyCommands", {"language_code": "zh"}))[1]["result"] == commands
    assert (await emulator.call("getMyCommands", {}))[1]["result"] == []
    bad = [{"command": "Brief!", "description": "x"}]
    assert (await emulator.call("setMyCommands", {"commands": bad}))[1]["description"] == (
        "Bad Request: BOT_COMMAND_INVALID"
    )


async def test_group_messages_carry_the_group_chat(emulator: BotApiEmulator) -> None:
    group = emulator.add_group(-1001, "财富管理一组")
    message = emulator.user_sends_text(LI, group, "/brief@ambot_demo_bot")

    assert message["chat"] == {"id": -1001, "type": "group", "title": "财富管理一组"}
    assert message["from"]["id"] == LI.id
    assert message["entities"][0]["length"] == len("/brief@ambot_demo_bot")
    _, body = await emulator.call("getChat", {"chat_id": -1001})
    assert body["result"]["title"] == "财富管理一组"


async def test_documents_actions_and_deletions(emulator: BotApiEmulator) -> None:
    upload = UploadedFile("客户清单.csv", b"client_id\nC001\n", "text/csv")
    status, body = await emulator.call(
        "sendDocument", {"chat_id": LI.id, "caption": "导出"}, {"document": upload}
    )
    assert status == 200
    assert body["result"]["document"]["file_name"] == "客户清单.csv"
    sent = emulator.sent_messages(LI)[-1]
    assert sent.document is not None and sent.document.content == upload.content

    assert (await emulator.call("sendChatAction", {"chat_id": LI.id, "action": "typing"}))[0] == 200
    assert emulator.chat_actions == [(LI.id, "typing")]

    delete = {"chat_id": LI.id, "message_id": sent.message_id}
    assert (await emulator.call("deleteMessage", delete))[0] == 200
    assert sent.deleted
    assert (await emulator.call("deleteMessage", delete))[1]["description"] == (
        "Bad Request: message to delete not found"
    )
