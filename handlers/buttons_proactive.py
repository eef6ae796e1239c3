"""Packed buttons of the proactive features: briefing items, alert actions, escalation pings,
settings. Prefixes `brief`, `al`, `esc`, `set` are reserved for them."""

from __future__ import annotations

import dataclasses
import re
from typing import ClassVar

from handlers.callback_data import TICKET_ID, CallbackData, is_row_id, stored_id

_DIGITS = re.compile(r"[0-9]{1,10}")


@dataclasses.dataclass(frozen=True)
class BriefingAction(CallbackData):
    """more (kind p, ref = yyyymmdd day, page) · done (kind a|f|t = alert, follow-up, ticket).

    Card and note buttons of briefing items are the client feature's own (cl:, note:). ref is
    declared a ticket id (packed as its ref, crm/id_refs.py: any stored ticket id fits); a day
    or a row id packs as itself."""

    prefix: ClassVar[str] = "brief"
    action: str
    kind: str
    ref: str = dataclasses.field(metadata=TICKET_ID)
    page: int = 0

    def validate(self) -> bool:
        kinds = {"more": ("p",), "done": ("a", "f", "t")}
        # a day (yyyymmdd), an alert id or a follow-up id
        numeric = self.kind in ("p", "a", "f")
        return (
            self.kind in kinds.get(self.action, ())
            and (
                not numeric
                or (_DIGITS.fullmatch(self.ref) is not None and is_row_id(int(self.ref)))
            )
            and 0 <= self.page < 1000
        )


@dataclasses.dataclass(frozen=True)
class AlertAction(CallbackData):
    """确认 ack · 稍后 snz · 升级 esc on an alert message to its owner."""

    prefix: ClassVar[str] = "al"
    action: str
    alert_id: int

    def validate(self) -> bool:
        return self.action in ("ack", "snz", "esc") and is_row_id(self.alert_id)


@dataclasses.dataclass(frozen=True)
class EscalationAction(CallbackData):
    """On a supervisor's ping: ack, re (choose a teammate), to (reassign to staff_id, packed as
    its ref: crm/id_refs.py)."""

    prefix: ClassVar[str] = "esc"
    action: str
    alert_id: int
    staff_id: str | None = dataclasses.field(default=None, metadata=stored_id("staff", none="-"))

    def validate(self) -> bool:
        return (
            self.action in ("ack", "re", "to")
            and is_row_id(self.alert_id)
            and (self.action != "to" or self.staff_id is not None)
        )


# The time zones offered as buttons in /settings (any IANA name can be typed: /settings Europe/Paris).
TIME_ZONE_CHOICES = (
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Europe/London",
    "America/New_York",
)


@dataclasses.dataclass(frozen=True)
class SettingsAction(CallbackData):
    """time (value HHMM) · lang (zh|en) · zones (value "-": show the zone buttons) · tz (value:
    an index into TIME_ZONE_CHOICES, so the data stays short and never holds a slash)."""

    prefix: ClassVar[str] = "set"
    action: str
    value: str

    def validate(self) -> bool:
        if self.action == "lang":
            return self.value in ("zh", "en")
        if self.action == "zones":
            return self.value == "-"
        if self.action == "tz":
            return self.value.isdigit() and int(self.value) < len(TIME_ZONE_CHOICES)
        if self.action == "time":
            return (
                len(self.value) == 4
                and self.value.isdigit()
                and int(self.value[:2]) < 24
                and int(self.value[2:]) < 60
            )
        return False
