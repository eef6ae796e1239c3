"""The masking gate: one place every outgoing Bot API call passes through.

`MaskingBot` is the Application's bot. Every method (send_message, edit_message_text,
send_photo, answer_callback_query, …) ends in `Bot._post` → `_do_post` with the final parameters;
there `text`, `caption`, the captions of InputMedia, and the texts of inline/reply keyboard
buttons go through `crm.masking.mask_text`, so a view that forgets to mask cannot leak a phone
or ID number. callback_data, URLs and everything else are left alone. HTML text (parse_mode
HTML) is masked in its text content only: tag attributes such as `href="tg://user?id=…"` keep
their value, while a number split by tags (`138<b>1234</b>5678`) is still found.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMedia,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import JSONDict, ODVInput
from telegram.ext import ExtBot

from crm.masking import mask_text

_TAG = re.compile(r"<[^>]*>")
# Invisible (Unicode Cf, "tag") characters standing for an HTML tag while the text content is
# masked: the masking view drops them between digits, so a number split by tags is still one
# number. Each tag gets its own two-character marker, so the tags a mask swallowed are known.
_MARKER_ALPHABET = tuple(chr(code) for code in range(0xE0020, 0xE0080))


def mask_html(text: str) -> str:
    """Mask the text content of an HTML message; tags (and their attributes) are kept.

    A tag inside a masked number (`138<b>1234</b>5678`) is moved after the number."""
    tags = _TAG.findall(text)
    if not tags:
        return mask_text(text)
    alphabet = [ch for ch in _MARKER_ALPHABET if ch not in text]
    base = len(alphabet)
    parts = _TAG.split(text)
    if base < 2 or len(tags) > base * base:  # pragma: no cover - absurd inputs: part by part
        return "".join(
            mask_text(part) + (tags[i] if i < len(tags) else "") for i, part in enumerate(parts)
        )
    index = {ch: i for i, ch in enumerate(alphabet)}
    joined = parts[0] + "".join(
        alphabet[i // base] + alphabet[i % base] + part for i, part in enumerate(parts[1:])
    )
    masked = mask_text(joined)
    if masked == joined:
        return text
    out: list[str] = []
    emitted = 0  # tags[:emitted] are in out
    position = 0
    while position < len(masked):
        ch = masked[position]
        if ch in index and position + 1 < len(masked) and masked[position + 1] in index:
            tag = index[ch] * base + index[masked[position + 1]]
            out.extend(tags[emitted : tag + 1])  # and any a mask swallowed before it
            emitted = max(emitted, tag + 1)
            position += 2
            continue
        out.append(ch)
        position += 1
    out.extend(tags[emitted:])
    return "".join(out)


def _mask_for(parse_mode: object) -> Any:
    return mask_html if isinstance(parse_mode, str) and parse_mode.upper() == "HTML" else mask_text


def _masked_markup(markup: object) -> object:
    if isinstance(markup, InlineKeyboardMarkup):
        rows = [[_masked_inline_button(b) for b in row] for row in markup.inline_keyboard]
        return InlineKeyboardMarkup(rows, api_kwargs=dict(markup.api_kwargs) or None)
    if isinstance(markup, ReplyKeyboardMarkup):
        keyboard = [[_masked_reply_button(b) for b in row] for row in markup.keyboard]
        return ReplyKeyboardMarkup(
            keyboard,
            resize_keyboard=markup.resize_keyboard,
            one_time_keyboard=markup.one_time_keyboard,
            selective=markup.selective,
            input_field_placeholder=markup.input_field_placeholder,
            is_persistent=markup.is_persistent,
        )
    return markup


def _masked_inline_button(button: InlineKeyboardButton) -> InlineKeyboardButton:
    masked = mask_text(button.text)
    if masked == button.text:
        return button
    clone = copy.copy(button)
    with clone._unfrozen():
        clone.text = masked
    return clone


def _masked_reply_button(button: str | KeyboardButton) -> str | KeyboardButton:
    if isinstance(button, str):
        return mask_text(button)
    masked = mask_text(button.text)
    if masked == button.text:
        return button
    clone = copy.copy(button)
    with clone._unfrozen():
        clone.text = masked
    return clone


def _masked_media(media: object) -> object:
    if isinstance(media, InputMedia):
        caption = media.caption
        if isinstance(caption, str):
            masked = _mask_for(media.parse_mode)(caption)
            if masked != caption:
                media = copy.copy(media)
                with media._unfrozen():
                    media.caption = masked
        return media
    if isinstance(media, Sequence) and not isinstance(media, str | bytes):
        return [_masked_media(item) for item in media]
    return media


def mask_parameters(data: JSONDict) -> JSONDict:
    """The parameters of one Bot API call with every user-visible text masked (a new dict)."""
    masked = dict(data)
    mask = _mask_for(data.get("parse_mode"))
    if isinstance(masked.get("text"), str):
        masked["text"] = mask(masked["text"])
    if isinstance(masked.get("caption"), str):
        masked["caption"] = mask(masked["caption"])
    if "reply_markup" in masked:
        masked["reply_markup"] = _masked_markup(masked["reply_markup"])
    if "media" in masked:
        masked["media"] = _masked_media(masked["media"])
    return masked


class MaskingBot(ExtBot[None]):
    """ExtBot whose every outgoing call is masked (see the module docstring)."""

    async def _do_post(
        self,
        endpoint: str,
        data: JSONDict,
        *,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> bool | JSONDict | list[JSONDict]:
        return await super()._do_post(
            endpoint,
            mask_parameters(data),
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )
