"""Packed buttons of /staff (admins): prefix `stf` is reserved for them."""

from __future__ import annotations

import dataclasses
import re
from typing import ClassVar

from handlers.callback_data import CallbackData

_STAFF_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,32}$")


@dataclasses.dataclass(frozen=True)
class StaffAction(CallbackData):
    """off (deactivate staff_id) · unbind (staff_id's Telegram account) · page (ref = page)."""

    prefix: ClassVar[str] = "stf"
    action: str
    ref: str

    def validate(self) -> bool:
        if self.action == "page":
            return re.fullmatch(r"[0-9]{1,3}", self.ref) is not None
        return self.action in ("off", "unbind") and bool(_STAFF_ID.match(self.ref))
