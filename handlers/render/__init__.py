"""Pure views: domain results in, (text, buttons) out. No I/O, no Telegram calls.

One module per feature; shared building blocks live here.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from crm.masking import mask_text


def user_text(text: str) -> str:
    """Text someone typed, ready for an HTML message: phone and ID numbers masked, escaped."""
    return escape(mask_text(text))


@dataclass(frozen=True)
class Button:
    text: str
    data: str


@dataclass(frozen=True)
class View:
    """A message to send: HTML text and rows of inline buttons."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
