"""Packed buttons of /ask: an alternative document, 👍/👎 feedback, and 「提交给合规」."""

from __future__ import annotations

import dataclasses
import re
from typing import ClassVar

from handlers.callback_data import DOCUMENT_ID, CallbackData, is_row_id

_KEY = re.compile(r"^[0-9a-f]{6}$")


@dataclasses.dataclass(frozen=True)
class AlternativeButton(CallbackData):
    """Show one section (by heading key) of an approved document version (doc_id packed as its
    ref, crm/id_refs.py: any document id fits)."""

    prefix: ClassVar[str] = "alt"
    doc_id: str = dataclasses.field(metadata=DOCUMENT_ID)
    version: int
    key: str

    def validate(self) -> bool:
        return is_row_id(self.version) and bool(_KEY.match(self.key))


@dataclasses.dataclass(frozen=True)
class FeedbackButton(CallbackData):
    """👍 ("up") or 👎 ("down") on the answer this button sits under, citing doc_id vN."""

    prefix: ClassVar[str] = "fb"
    vote: str
    doc_id: str = dataclasses.field(metadata=DOCUMENT_ID)
    version: int

    def validate(self) -> bool:
        return self.vote in ("up", "down") and is_row_id(self.version)

    @property
    def helpful(self) -> bool:
        return self.vote == "up"


@dataclasses.dataclass(frozen=True)
class GapButton(CallbackData):
    """Send the question in message `question_id` (the one this reply quotes) to compliance."""

    prefix: ClassVar[str] = "gap"
    question_id: int

    def validate(self) -> bool:
        return self.question_id > 0
