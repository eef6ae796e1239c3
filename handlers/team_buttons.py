"""Packed buttons of /team: pick a team (admins), open a manager's list. Prefix `team`."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from handlers.callback_data import CallbackData, stored_id


@dataclasses.dataclass(frozen=True)
class TeamAction(CallbackData):
    """pick (ref: a supervisor id, or None for every team) · list (ref: a manager id).

    ref is a staff id packed as its ref (crm/id_refs.py); None packs as "*"."""

    prefix: ClassVar[str] = "team"
    action: str
    ref: str | None = dataclasses.field(metadata=stored_id("staff", none="*"))

    def validate(self) -> bool:
        if self.action == "pick":
            return True
        return self.action == "list" and self.ref is not None
