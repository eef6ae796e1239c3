"""The console chat: typed lines in, bot messages out, buttons as numbered choices."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import Update
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes, MessageHandler, filters

from bot.console import ConsoleUser, render_html, run_console
from emulator import BotApiEmulator, use_emulator
from tests.unit.emulator.conftest import FakeClock, add_handlers
from tests.unit.emulator.test_transports import PNG


async def cmd_chart(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send a chart."""
    assert update.message is not None
    await update.message.reply_photo(io.BytesIO(PNG), caption="<b>资产</b>走势", parse_mode="HTML")


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Acknowledge free text."""
    assert update.message is not None
    await update.message.reply_text(f"收到：{update.message.text}")


async def script(*lines: str) -> AsyncIterator[str]:
    for line in lines:
        yield line


async def test_buttons_are_numbered_and_a_typed_number_presses_them(
    tmp_path: Path, clock: FakeClock
) -> None:
    emulator = BotApiEmulator(clock=clock)
    app = add_handlers(use_emulator(ApplicationBuilder(), emulator).build())
    app.add_handler(CommandHandler("chart", cmd_chart))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    output: list[str] = []

    await run_console(
        app,
        emulator,
        ConsoleUser(telegram_user_id=1001, first_name="丽"),
        input_lines=script("/echo 早上好", "1", "2", "/chart", "/quit", "/echo 不会发送"),
        write=output.append,
        media_dir=tmp_path,
    )

    assert "你正以 丽（Telegram id 1001） 的身份对话 · you are chatting as 丽" in output
    transcript = output[output.index("你 › /echo 早上好") :]
    assert transcript == [
        "你 › /echo 早上好",
        "ambot › echo 早上好",
        "        A: [1] 确认  [2] 稍后",
        "你 › 1",
        "ambot › 💬 已确认",
        "ambot › ✎ 已选择 confirm",
        # The edit removed the keyboard, so "2" is plain text now.
        "你 › 2",
        "ambot › 收到：2",
        "你 › /chart",
        f"ambot › [图片: 资产走势] saved to {tmp_path / '1001_6.png'}",
        "你 › /quit",
        "再见 / bye",
    ]
    assert (tmp_path / "1001_6.png").read_bytes() == PNG
    assert not app.running


async def test_a_letter_and_a_number_press_an_earlier_keyboard(
    tmp_path: Path, clock: FakeClock
) -> None:
    """As a tap on an earlier message: B is the latest keyboard, A2 still presses A's 稍后."""
    emulator = BotApiEmulator(clock=clock)
    app = add_handlers(use_emulator(ApplicationBuilder(), emulator).build())
    output: list[str] = []

    await run_console(
        app,
        emulator,
        ConsoleUser(telegram_user_id=1001, first_name="丽"),
        input_lines=script("/echo 一", "/echo 二", "a2", "A1", "1"),
        write=output.append,
        media_dir=tmp_path,
    )

    transcript = output[output.index("你 › /echo 一") :]
    assert transcript == [
        "你 › /echo 一",
        "ambot › echo 一",
        "        A: [1] 确认  [2] 稍后",
        "你 › /echo 二",
        "ambot › echo 二",
        "        B: [1] 确认  [2] 稍后",
        "你 › a2",
        "ambot › 💬 稍后提醒",
        "ambot › ✎ 已选择 later",
        # A has no buttons left: said so, nothing sent.
        "你 › A1",
        "（A 没有这个按钮 · no such button）",
        # A plain number is still the latest keyboard's: B.
        "你 › 1",
        "ambot › 💬 已确认",
        "ambot › ✎ 已选择 confirm",
        "再见 / bye",
    ]


async def test_end_of_input_leaves_the_chat_cleanly(tmp_path: Path, clock: FakeClock) -> None:
    emulator = BotApiEmulator(clock=clock)
    app = add_handlers(use_emulator(ApplicationBuilder(), emulator).build())
    output: list[str] = []

    await run_console(
        app, emulator, ConsoleUser(1001, "丽"), input_lines=script(), write=output.append
    )

    assert output[-1] == "再见 / bye"
    assert not app.running and emulator.sent_messages() == []


def test_html_becomes_terminal_text() -> None:
    html = '<b>张伟</b> 资产 <a href="https://crm.example.com/c/1">详情</a> &lt;P1&gt;'
    assert render_html(html, ansi=False) == "张伟 资产 详情 (https://crm.example.com/c/1) <P1>"
    assert render_html("<b>粗<i>斜</i></b>", ansi=True) == (
        "\x1b[1m粗\x1b[3m斜\x1b[0m\x1b[1m\x1b[0m"
    )


async def test_the_console_refuses_an_application_that_would_reach_telegram(
    clock: FakeClock,
) -> None:
    emulator = BotApiEmulator(clock=clock)
    app = ApplicationBuilder().token(emulator.token).build()

    with pytest.raises(ValueError, match="InProcessRequest"):
        await run_console(app, emulator, ConsoleUser(1001, "丽"), input_lines=script())
