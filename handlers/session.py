"""Conversation state of one staff member in this process: the client she is working on and a
pending step ("the next message is the note for client X").

Kept in PTB's per-user data (memory). Buttons never rely on it: they carry packed data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Pending:
    """What the next plain message means, e.g. Pending("note", client_id="3100000001")."""

    kind: str
    client_id: str | None = None
    extra: str | None = None


def _data(context: Any) -> dict[str, Any]:
    data: dict[str, Any] = context.user_data
    return data


def current_client(context: Any) -> str | None:
    value = _data(context).get("current_client")
    return value if isinstance(value, str) else None


def set_current_client(context: Any, client_id: str | None) -> None:
    _data(context)["current_client"] = client_id


def pending(context: Any) -> Pending | None:
    value = _data(context).get("pending")
    return value if isinstance(value, Pending) else None


def set_pending(context: Any, step: Pending | None) -> None:
    _data(context)["pending"] = step
