"""Packed buttons of /review (compliance): prefix `rv`, integer keys only.

`rv:ACTION:REF:ARG` — REF is a row id (a version, gap, finding, 👎 or 👍), ARG the queue page to go
back to, or for a gap link the version row id of the document to link. The longest packs to
`rv:gl:2147483647:2147483647` (26 bytes).
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from handlers.callback_data import CallbackData, is_row_id

MAX_PAGE = 999

# action → what REF is ("" for none)
ACTIONS = {
    "pg": "",  # a page of the queue (ARG)
    "od": "version",  # open a draft (or a version)
    "og": "gap",
    "of": "finding",
    "ob": "feedback",
    "ap": "version",  # approve
    "rj": "version",  # reject (asks the reason)
    "rt": "version",  # retire the document's version in force (asks the reason)
    "gl": "gap",  # link the gap to the document of version ARG
    "gt": "gap",  # link the gap to a document typed next
    "gn": "gap",  # draft a new document for the gap (the next .md file)
    "gd": "gap",  # dismiss (asks the reason)
    "fr": "finding",  # reviewed
    "fn": "finding",  # reviewed, with a note asked next
    "br": "feedback",
    "bn": "feedback",
    "ol": "feedback",  # open a 👍 answer offered as a similar question
    "la": "feedback",  # 加为相似问: adopt its question for the cited document
    "li": "feedback",  # 忽略
}


@dataclasses.dataclass(frozen=True)
class ReviewButton(CallbackData):
    prefix: ClassVar[str] = "rv"
    action: str
    ref: int
    arg: int = 0

    def validate(self) -> bool:
        if self.action not in ACTIONS:
            return False
        if self.action == "pg":
            return self.ref == 0 and 0 <= self.arg <= MAX_PAGE
        if not is_row_id(self.ref):
            return False
        if self.action == "gl":
            return is_row_id(self.arg)
        return 0 <= self.arg <= MAX_PAGE
