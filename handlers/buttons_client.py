"""Buttons of the client card and notes (typed, packed; re-authorised on every press).

Contract with the follow-ups feature: the card's ⏰ button is `CardAction("fu", client_id)`,
packed as `card:fu:<client ref>`; the follow-ups handler claims presses where
`CardAction.matches_action(data, "fu")` and must re-check access to the client itself.

Client ids are fields with metadata CLIENT_ID: packed as the id when plain, else as a short hash
(crm/id_refs.py), and resolved within the presser's book before a handler sees them.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from handlers.callback_data import CLIENT_ID, CallbackData, CallbackDataError, is_row_id

CARD_ACTIONS = ("fu",)


@dataclasses.dataclass(frozen=True)
class ClientPick(CallbackData):
    """Open the card of one of several matches."""

    prefix: ClassVar[str] = "cl"
    client_id: str = dataclasses.field(metadata=CLIENT_ID)


@dataclasses.dataclass(frozen=True)
class CardAction(CallbackData):
    """An action on a card handled by another feature (today: "fu", a follow-up)."""

    prefix: ClassVar[str] = "card"
    action: str
    client_id: str = dataclasses.field(metadata=CLIENT_ID)

    def validate(self) -> bool:
        return self.action in CARD_ACTIONS

    @classmethod
    def matches_action(cls, data: object, action: str) -> bool:
        """PTB pattern for one action: `CallbackQueryHandler(cb, pattern=lambda d: ...)`."""
        if not cls.matches(data):
            return False
        try:
            return cls.unpack(str(data)).action == action
        except CallbackDataError:
            return False


@dataclasses.dataclass(frozen=True)
class NoteStart(CallbackData):
    """📝 on a card: the next message is a note for this client."""

    prefix: ClassVar[str] = "note"
    client_id: str = dataclasses.field(metadata=CLIENT_ID)


@dataclasses.dataclass(frozen=True)
class NotePick(CallbackData):
    """The client for a `/note` whose word was not exact; the pick replies to the request
    (message_id), whose text a press reads back."""

    prefix: ClassVar[str] = "npick"
    client_id: str = dataclasses.field(metadata=CLIENT_ID)
    message_id: int

    def validate(self) -> bool:
        return is_row_id(self.message_id)


@dataclasses.dataclass(frozen=True)
class NoteUndo(CallbackData):
    """↩️ under a saved note: tombstone it (within the undo window)."""

    prefix: ClassVar[str] = "undo"
    note_id: int

    def validate(self) -> bool:
        return is_row_id(self.note_id)


@dataclasses.dataclass(frozen=True)
class ChartRequest(CallbackData):
    """📈 on a card: send the total-assets chart."""

    prefix: ClassVar[str] = "chart"
    client_id: str = dataclasses.field(metadata=CLIENT_ID)


@dataclasses.dataclass(frozen=True)
class MarkContacted(CallbackData):
    """✅ on a card: record a contact now."""

    prefix: ClassVar[str] = "contact"
    client_id: str = dataclasses.field(metadata=CLIENT_ID)
