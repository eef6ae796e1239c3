"""Bot API request parameters and Telegram's validation rules, as pure functions."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from emulator.html import HtmlParseError, html_to_entities, utf16_length

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
# Telegram keeps the first 100 formatting entities of a message and silently ignores the rest
# (the message is accepted; everything after the 100th shows as plain text).
MAX_ENTITIES = 100

JSONDict = dict[str, Any]


class ApiError(Exception):
    """An error answer: HTTP status = error_code, like the real Bot API."""

    def __init__(
        self, error_code: int, description: str, parameters: JSONDict | None = None
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters


def bad_request(detail: str) -> ApiError:
    """A 400 answer with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {detail}")


class Params:
    """Request parameters from any transport: native JSON values or form strings."""

    def __init__(self, raw: Mapping[str, Any] | None) -> None:
        self.raw: JSONDict = {k: v for k, v in (raw or {}).items() if v is not None}

    def get(self, name: str) -> Any:
        return self.raw.get(name)

    def string(self, name: str) -> str | None:
        value = self.raw.get(name)
        if value is None:
            return None
        if isinstance(value, str):
            return value
        if isinstance(value, bool | int | float):
            return json.dumps(value)
        raise bad_request(f"field {name!r} must be a string")

    def integer(self, name: str) -> int | None:
        value = self.raw.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise bad_request(f"field {name!r} must be an integer")
        if isinstance(value, int):
            return value
        try:
            return int(str(value))
        except ValueError:
            raise bad_request(f"field {name!r} must be an integer") from None

    def number(self, name: str) -> float | None:
        value = self.raw.get(name)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"field {name!r} must be a number") from None

    def flag(self, name: str) -> bool:
        value = self.raw.get(name)
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1")
        return bool(value)

    def json(self, name: str) -> Any:
        """A JSON-typed field (object or array), decoded when it came as a string."""
        value = self.raw.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value

    def chat_id(self) -> int | str:
        value = self.raw.get("chat_id")
        if value is None or value == "":
            raise bad_request("chat_id is empty")
        if isinstance(value, str) and value.startswith("@"):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        try:
            return int(str(value))
        except ValueError:
            raise bad_request("chat not found") from None


def check_text(text: str, parse_mode: str | None) -> int:
    """Refuse empty or over-long message text (measured on the visible text). Returns the
    number of formatting entities the text carries (the caller applies MAX_ENTITIES)."""
    visible, count = _parse(text, parse_mode)
    if not visible.strip():
        raise bad_request("message text is empty")
    if utf16_length(visible.strip()) > MAX_TEXT_LENGTH:
        raise bad_request("message is too long")
    return count


def check_caption(caption: str, parse_mode: str | None) -> int:
    """Refuse a caption over 1,024 visible UTF-16 units. Returns its number of entities."""
    visible, count = _parse(caption, parse_mode)
    if utf16_length(visible.strip()) > MAX_CAPTION_LENGTH:
        raise bad_request("message caption is too long")
    return count


def _parse(text: str, parse_mode: str | None) -> tuple[str, int]:
    """The visible text and its number of formatting entities; refuses unparsable markup."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        try:
            plain, entities = html_to_entities(text)
        except HtmlParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
        return plain, len(entities)
    if mode in ("", "markdown", "markdownv2"):
        return text, 0
    raise bad_request("unsupported parse_mode")


def visible_text(text: str, parse_mode: str | None) -> str:
    """The text the user sees; refuses markup Telegram cannot parse."""
    return _parse(text, parse_mode)[0]


def check_markup(markup: Any) -> JSONDict | None:
    """Validate an inline keyboard like Telegram (callback_data 1–64 bytes, one action)."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        return markup  # reply keyboards, ReplyKeyboardRemove, ForceReply: stored as given
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'can\'t parse inline keyboard button: field "inline_keyboard" must be an Array of Arrays'
        )
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise bad_request("can't parse inline keyboard button: Text must be a String")
            actions = [k for k in button if k != "text"]
            if not actions:
                raise bad_request(
                    "can't parse inline keyboard button: "
                    "Text buttons are unallowed in the inline keyboard"
                )
            data = button.get("callback_data")
            if (
                data is not None
                and not 1 <= len(str(data).encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES
            ):
                raise bad_request("BUTTON_DATA_INVALID")
            url = button.get("url")
            if url is not None and not str(url).startswith(("http://", "https://", "tg://")):
                raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")
    return markup
