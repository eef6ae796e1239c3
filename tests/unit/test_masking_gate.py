"""The masking gate (bot/masking_bot.py): whatever a view forgets, nothing leaves unmasked.

A test-only handler, registered on the very Application `bot.app.build_application` builds,
deliberately sends unmasked phone and ID numbers in every width and separator through every
outgoing path (message, edit, photo caption, toast, button label); the recorded Bot API calls
must carry them masked, and callback data and HTML attributes must be left as they were.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler, CommandHandler

from bot.masking_bot import mask_html, mask_parameters
from tests.support.ptb import ApiCall, Harness
from tests.unit.test_masking import _LEAKED, _digits_only

# One phone and one ID number, typed in ways a view might pass them on.
PHONE_FORMS = [
    "13812345678",
    "１３８１２３４５６７８",
    "138.1234.5678",
    "138\u200b1234\u200b5678",
    "1３8-1234 ５678",
]
ID_NUMBER = "11010519491231002X"
ID_FULL_WIDTH = "１１０１０５１９４９１２３１００２Ｘ"
ONE_PIXEL_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)
TEST_GROUP = -1000  # before everything the Application registers


def leaked(text: str) -> bool:
    """Whether an unmasked phone/ID number is in the text content (tags and attributes aside)."""
    return bool(_LEAKED.search(_digits_only(re.sub(r"<[^>]*>", "", text))))


def call_texts(call: ApiCall) -> list[str]:
    """Every user-visible text of one recorded call: text, caption and button labels."""
    found = [call.params[k] for k in ("text", "caption") if isinstance(call.params.get(k), str)]
    markup = call.params.get("reply_markup")
    if isinstance(markup, str):
        markup = json.loads(markup)
    if isinstance(markup, dict):
        for row in markup.get("inline_keyboard", []):
            found += [button["text"] for button in row]
    return found


def leaky_text() -> str:
    phones = "，".join(PHONE_FORMS)
    return (
        f'<a href="tg://user?id=13812345678">张伟</a> 电话 {phones}；'
        f"证件 {ID_FULL_WIDTH}；拆开的 138<b>1234</b>5678"
    )


async def leaky_view(update: Update, context: Any) -> None:
    """A careless view: raw numbers in text, edit, caption and buttons."""
    assert update.effective_chat is not None
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(f"📞 {form}", callback_data=f"leak:{i}")]
            for i, form in enumerate(PHONE_FORMS)
        ]
        + [[InlineKeyboardButton(f"🪪 {ID_NUMBER}", url="https://example.com/13812345678")]]
    )
    bot = context.bot
    chat_id = update.effective_chat.id
    sent = await bot.send_message(chat_id, leaky_text(), parse_mode=ParseMode.HTML)
    await bot.edit_message_text(
        f"已改：{PHONE_FORMS[1]} {ID_NUMBER}",
        chat_id=chat_id,
        message_id=sent.message_id,
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard,
    )
    await bot.send_photo(chat_id, ONE_PIXEL_PNG, caption=f"图 {PHONE_FORMS[2]}")
    await bot.send_message(chat_id, f"plain {PHONE_FORMS[3]} {ID_FULL_WIDTH}")
    raise ApplicationHandlerStop


async def leaky_toast(update: Update, context: Any) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer(f"已拨 {PHONE_FORMS[4]}", show_alert=True)
    raise ApplicationHandlerStop


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    opened = await Harness.open(tmp_path / "data")
    opened.application.add_handler(CommandHandler("leak", leaky_view), group=TEST_GROUP)
    opened.application.add_handler(
        CallbackQueryHandler(leaky_toast, pattern=r"^leak:"), group=TEST_GROUP
    )
    try:
        yield opened
    finally:
        await opened.close()


async def test_every_outgoing_path_is_masked_on_the_wire(harness: Harness) -> None:
    chat = harness.user(1001)

    outcome = await chat.send_all("/leak")

    methods = [call.method for call in outcome.calls]
    for method in ("sendMessage", "editMessageText", "sendPhoto"):
        assert method in methods, methods
    texts = [text for call in outcome.calls for text in call_texts(call)]
    assert len(texts) >= 10, texts  # text, edit + 6 labels, caption, plain text
    assert not [text for text in texts if leaked(text)], texts
    assert not [text for text in texts if "002X" not in text and "1949" in text], texts
    first = outcome.calls[methods.index("sendMessage")].params["text"]
    assert first.count("138****5678") == len(PHONE_FORMS) + 1, first
    assert '<a href="tg://user?id=13812345678">张伟</a>' in first  # the attribute is kept
    assert "110*************2X" in first
    # callback data and URLs are not text: kept as they were, so the buttons still work.
    edit = outcome.calls[methods.index("editMessageText")]
    markup = edit.params["reply_markup"]
    markup = json.loads(markup) if isinstance(markup, str) else markup
    buttons = [button for row in markup["inline_keyboard"] for button in row]
    assert [b.get("callback_data") for b in buttons[:-1]] == [
        f"leak:{i}" for i in range(len(PHONE_FORMS))
    ]
    assert buttons[-1]["url"] == "https://example.com/13812345678"
    assert buttons[-1]["text"] == "🪪 110*************2X"
    # What the user sees in the chat (the emulator's copy) is masked too.
    shown = [m.plain_text for m in harness.sent_to(chat)]
    assert shown and not [text for text in shown if leaked(text)], shown


async def test_a_toast_is_masked(harness: Harness) -> None:
    chat = harness.user(1002)
    outcome = await chat.send_all("/leak")
    card = next(m for m in outcome.messages + outcome.edited if m.buttons)

    press = await chat.press(card, 0)

    assert press.toast == "已拨 138****5678"


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<a href="tg://user?id=13812345678">13812345678</a>', None),
        ("<b>１３８</b>１２３４<i>５６７８</i>", "<b>138****5678</b><i></i>"),
        ("a &amp; b <code>138 1234 5678</code>", "a &amp; b <code>138****5678</code>"),
        ("no numbers <b>here</b>", "no numbers <b>here</b>"),
    ],
)
def test_html_is_masked_in_its_text_only(html: str, expected: str | None) -> None:
    masked = mask_html(html)
    if expected is None:
        assert masked == '<a href="tg://user?id=13812345678">138****5678</a>'
    else:
        assert masked == expected
    assert not leaked(masked)


def test_parameters_other_than_texts_are_untouched() -> None:
    data = {"chat_id": 13812345678, "text": "13812345678", "message_id": 5}
    masked = mask_parameters(data)
    assert masked == {"chat_id": 13812345678, "text": "138****5678", "message_id": 5}
    assert data["text"] == "13812345678"  # a new dict: the caller's is not changed
