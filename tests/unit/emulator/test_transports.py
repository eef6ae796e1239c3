"""The real PTB Application long-polls the emulator, in-process and over HTTP."""

from __future__ import annotations

import asyncio
import io
import socket

import aiohttp
import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, RetryAfter

from emulator import BotApiEmulator, EmulatedUser, RateLimits, polling
from tests.support.botapi import BotApiServer
from tests.unit.emulator.conftest import FakeClock, Harness, add_handlers

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + (640).to_bytes(4, "big") + (480).to_bytes(4, "big")


async def test_a_command_is_answered_and_a_button_press_round_trips(harness: Harness) -> None:
    telegram = harness.telegram
    li = telegram.user(id=1001, first_name="丽", username="li")

    await telegram.user_sends(li, "/echo 你好 世界")
    reply = await telegram.next_message(li)
    assert reply.plain_text == "echo 你好 世界"
    assert [b.text for b in reply.buttons] == ["确认", "稍后"]

    query = await telegram.press(li, reply, "确认")
    await telegram.next_edit(reply)
    assert reply.plain_text == "已选择 confirm"
    assert reply.buttons == []  # the edit did not repeat the keyboard
    assert telegram.callback_answer(query) == {"text": "已确认", "show_alert": False, "url": None}

    await telegram.settle()
    telegram.assert_no_more_messages(li)
    assert harness.emulator.api_errors == []


async def test_the_bot_downloads_a_voice_note_the_user_sent(harness: Harness) -> None:
    telegram = harness.telegram
    li = telegram.user(id=1001, first_name="丽")

    await telegram.user_sends_voice(li, b"OggS" + bytes(96))

    assert (await telegram.next_message(li)).text == "语音 100 字节"


async def test_too_long_text_is_refused_counting_utf16_units(harness: Harness) -> None:
    li = harness.telegram.user(id=1001, first_name="丽")
    bot = harness.app.bot

    await bot.send_message(li.id, "字" * 4096)
    with pytest.raises(BadRequest, match="too long"):
        await bot.send_message(li.id, "字" * 4097)
    # 2,049 emoji are 4,098 UTF-16 code units.
    with pytest.raises(BadRequest, match="too long"):
        await bot.send_message(li.id, "😀" * 2049)

    assert len(harness.emulator.sent_messages(li)) == 1


async def test_callback_data_over_64_bytes_is_refused(harness: Harness) -> None:
    li = harness.telegram.user(id=1001, first_name="丽")
    bot = harness.app.bot

    def keyboard(data: str) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup([[InlineKeyboardButton("确认", callback_data=data)]])

    await bot.send_message(li.id, "ok", reply_markup=keyboard("x" * 64))
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(li.id, "too much", reply_markup=keyboard("x" * 65))
    # 22 Chinese characters are 66 bytes in UTF-8.
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(li.id, "too much", reply_markup=keyboard("确" * 22))


async def test_flood_limits_answer_429_until_the_clock_moves(harness: Harness) -> None:
    li = harness.telegram.user(id=1001, first_name="丽")
    bot = harness.app.bot
    harness.emulator.rate_limits = RateLimits()

    await bot.send_message(li.id, "第一条")
    with pytest.raises(RetryAfter):
        await bot.send_message(li.id, "第二条")
    error = harness.emulator.api_errors[-1]
    assert (error.error_code, error.description) == (429, "Too Many Requests: retry after 1")

    harness.clock.advance(1.0)
    await bot.send_message(li.id, "第二条")
    assert [m.text for m in harness.emulator.sent_messages(li)] == ["第一条", "第二条"]


async def test_sending_to_a_user_who_blocked_the_bot_is_forbidden(harness: Harness) -> None:
    li = harness.telegram.user(id=1001, first_name="丽")
    harness.emulator.set_blocked(li)

    with pytest.raises(Forbidden, match="blocked by the user"):
        await harness.app.bot.send_message(li.id, "hello")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await harness.app.bot.send_message(4242, "hello")


async def test_an_uploaded_photo_is_stored_with_its_caption(harness: Harness) -> None:
    li = harness.telegram.user(id=1001, first_name="丽")

    sent = await harness.app.bot.send_photo(
        li.id, io.BytesIO(PNG), caption="<b>资产</b>走势", parse_mode="HTML"
    )

    photo = harness.emulator.sent_messages(li)[-1]
    assert photo.photo is not None
    assert (photo.photo.content, photo.photo.width, photo.photo.height) == (PNG, 640, 480)
    assert photo.plain_text == "资产走势"
    assert sent.caption == "资产走势" and sent.photo[-1].width == 640


async def test_the_http_server_releases_its_port_and_long_poll_on_exit() -> None:
    emulator = BotApiEmulator(clock=FakeClock())
    async with BotApiServer(emulator) as server:
        port = server.port
        app = add_handlers(server.application_builder().build())
        async with asyncio.timeout(5):  # safety net: a lingering long poll would hang here
            async with polling(app, poll_timeout=30):
                assert app.updater is not None and app.updater.running
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass


async def test_the_http_server_accepts_json_bodies_and_serves_files() -> None:
    emulator = BotApiEmulator(clock=FakeClock())
    li = emulator.add_user(EmulatedUser(id=1001, first_name="丽"))
    voice = emulator.user_sends_voice(li, content=b"OggS-bytes")
    async with BotApiServer(emulator) as server, aiohttp.ClientSession() as http:
        api = f"{server.base_url}{emulator.token}"
        async with http.post(
            f"{api}/sendMessage", json={"chat_id": li.id, "text": "你好"}
        ) as response:
            assert response.status == 200
            assert (await response.json())["result"]["text"] == "你好"
        async with http.get(
            f"{api}/getFile", params={"file_id": voice["voice"]["file_id"]}
        ) as response:
            file_path = (await response.json())["result"]["file_path"]
        async with http.get(f"{server.base_file_url}{emulator.token}/{file_path}") as response:
            assert await response.read() == b"OggS-bytes"
        async with http.post(f"{api}/sendTelepathy", json={}) as response:
            assert response.status == 404
        async with http.get(f"{server.base_url}1:wrong/getMe") as response:
            assert response.status == 401
