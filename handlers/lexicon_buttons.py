"""Packed buttons of /lexicon (compliance and admins): prefix `lex` is reserved for them."""

from __future__ import annotations

import dataclasses
import re
from typing import ClassVar

from handlers.callback_data import CallbackData

_KEY = re.compile(r"[0-9a-f]{10}")
CATEGORY_COUNT = 5


@dataclasses.dataclass(frozen=True)
class LexiconAction(CallbackData):
    """p (ref = page) · r (retire the entry whose key is ref) · a (add: ask for the phrase) ·
    c (ref = the category number, 1–5, of the phrase the pressed message quotes)."""

    prefix: ClassVar[str] = "lex"
    action: str
    ref: str

    def validate(self) -> bool:
        if self.action == "p":
            return re.fullmatch(r"[0-9]{1,3}", self.ref) is not None
        if self.action == "r":
            return _KEY.fullmatch(self.ref) is not None
        if self.action == "a":
            return self.ref == "0"
        if self.action == "c":
            return self.ref.isdigit() and 1 <= int(self.ref) <= CATEGORY_COUNT
        return False
