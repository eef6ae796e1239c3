"""The 收到 button of a broadcast (prefix `bc`)."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from handlers.callback_data import CallbackData, is_row_id


@dataclasses.dataclass(frozen=True)
class BroadcastAck(CallbackData):
    """收到 on broadcast `broadcast_id`; re-authorised: only a recipient may press it."""

    prefix: ClassVar[str] = "bc"
    broadcast_id: int

    def validate(self) -> bool:
        return is_row_id(self.broadcast_id)
