"""Packed buttons of /team: pick a team (admins), open a manager's list. Prefix `team`."""

from __future__ import annotations

import dataclasses
import re
from typing import ClassVar

from handlers.callback_data import CallbackData

_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,32}$")


@dataclasses.dataclass(frozen=True)
class TeamAction(CallbackData):
    """pick (ref: a supervisor id, or "*" for every team) · list (ref: a manager id)."""

    prefix: ClassVar[str] = "team"
    action: str
    ref: str

    def validate(self) -> bool:
        if self.action == "pick":
            return self.ref == "*" or bool(_ID.match(self.ref))
        return self.action == "list" and bool(_ID.match(self.ref))
