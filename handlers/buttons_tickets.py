"""Packed buttons of service tickets (prefix `tk`): respond, resolve, choose a teammate,
reassign to one. `src` says where the button sits: m = a ticket message (redrawn after the
press), l = the /tickets list (redrawn as the list). The ticket and the teammate travel as refs
(crm/id_refs.py): any stored id fits, and the press resolves them among what the presser may see."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from handlers.callback_data import TICKET_ID, CallbackData, stored_id

ACTIONS = ("rsp", "res", "re", "to")


@dataclasses.dataclass(frozen=True)
class TicketAction(CallbackData):
    prefix: ClassVar[str] = "tk"
    action: str
    ticket_id: str = dataclasses.field(metadata=TICKET_ID)
    staff_id: str | None = dataclasses.field(default=None, metadata=stored_id("staff", none="-"))
    src: str = "m"

    def validate(self) -> bool:
        return (
            self.action in ACTIONS
            and (self.action != "to" or self.staff_id is not None)
            and self.src in ("m", "l")
        )

    def fits(self) -> bool:
        """Whether the packed data fits Telegram's 64 bytes (ids travel as refs: it always does)."""
        try:
            self.pack()
        except ValueError:
            return False
        return True
