"""Buttons of the follow-up feature (typed, packed, re-authorised by the service on every press).

The confirmation cannot carry the task text (64 bytes), and nothing is kept in memory: it is sent
as a reply to the request message, and a press reads the request back from
`callback_query.message.reply_to_message` (Telegram returns it with the press), while the button
carries the client, the request's message id and the exact due minute that was shown.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import ClassVar

from handlers.callback_data import CLIENT_ID, MAX_ROW_ID, CallbackData

DRAFT_ACTIONS = ("ok", "no", "pick")
TODO_ACTIONS = ("done", "later", "fin", "hour", "tmrw", "more", "greet")
MAX_DUE_MINUTE = 10**9  # ≈ year 3871: anything larger is forged


def to_minute(moment: datetime) -> int:
    """Whole minutes since the epoch (UTC): due times are confirmed to the minute."""
    return int(moment.timestamp() // 60)


def from_minute(minute: int) -> datetime:
    return datetime.fromtimestamp(minute * 60, tz=UTC)


@dataclasses.dataclass(frozen=True)
class DraftAction(CallbackData):
    """✅/✖️ on a confirmation, or picking the client of an ambiguous /todo."""

    prefix: ClassVar[str] = "fu"
    action: str
    client_id: str = dataclasses.field(metadata=CLIENT_ID)  # packed as its ref (crm/id_refs.py)
    message_id: int  # the request message this confirmation replies to
    due: int  # to_minute(due_at); 0 for "pick"

    def validate(self) -> bool:
        return (
            self.action in DRAFT_ACTIONS and self.message_id > 0 and 0 <= self.due <= MAX_DUE_MINUTE
        )


@dataclasses.dataclass(frozen=True)
class TodoAction(CallbackData):
    """An action on a saved follow-up (done, snooze, the greeting task's text) or paging the
    /todos list (more)."""

    prefix: ClassVar[str] = "todo"
    action: str
    number: int  # the follow-up id; the list offset for "more"

    def validate(self) -> bool:
        return self.action in TODO_ACTIONS and 0 <= self.number <= MAX_ROW_ID
