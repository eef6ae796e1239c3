"""What follows the command word of a message, for every command that takes free text."""

from __future__ import annotations

import re

_COMMAND = re.compile(r"^/\S*\s?")


def command_argument(text: str | None) -> str:
    """The text after the command word, spacing and line breaks kept: "/todo 张伟 明天 回电" →
    "张伟 明天 回电", "/ask  a\\nb" → " a\\nb"; text that is not a command comes back whole."""
    value = text or ""
    return _COMMAND.sub("", value, count=1) if value.startswith("/") else value
