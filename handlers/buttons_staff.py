"""Packed buttons of /staff (admins): prefix `stf` is reserved for them."""

from __future__ import annotations

import dataclasses
import re
from typing import ClassVar

from handlers.callback_data import STAFF_ID, CallbackData


@dataclasses.dataclass(frozen=True)
class StaffAction(CallbackData):
    """off (deactivate staff_id) · unbind (staff_id's Telegram account) · page (ref = page).

    ref is declared a staff id: packed as its ref (crm/id_refs.py), so any stored staff id fits;
    a page number packs as itself."""

    prefix: ClassVar[str] = "stf"
    action: str
    ref: str = dataclasses.field(metadata=STAFF_ID)

    def validate(self) -> bool:
        if self.action == "page":
            return re.fullmatch(r"[0-9]{1,3}", self.ref) is not None
        return self.action in ("off", "unbind")
