"""Packed buttons of service tickets (prefix `tk`): respond, resolve, choose a teammate,
reassign to one. `src` says where the button sits: m = a ticket message (redrawn after the
press), l = the /tickets list (redrawn as the list)."""

from __future__ import annotations

import dataclasses
import re
from typing import ClassVar

from handlers.callback_data import CallbackData

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}$")
ACTIONS = ("rsp", "res", "re", "to")


@dataclasses.dataclass(frozen=True)
class TicketAction(CallbackData):
    prefix: ClassVar[str] = "tk"
    action: str
    ticket_id: str
    staff_id: str = "-"
    src: str = "m"

    def validate(self) -> bool:
        return (
            self.action in ACTIONS
            and bool(_ID.match(self.ticket_id))
            and (self.staff_id == "-" or bool(_ID.match(self.staff_id)))
            and (self.action != "to" or self.staff_id != "-")
            and self.src in ("m", "l")
        )

    def fits(self) -> bool:
        """Whether the packed data fits Telegram's 64 bytes (very long ids may not)."""
        try:
            self.pack()
        except ValueError:
            return False
        return True
