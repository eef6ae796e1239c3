"""Conversation state of one staff member in this process: the client she is working on and a
pending step ("the next message is the note for client X").

Kept in PTB's per-user data (memory). Buttons never rely on it: they carry packed data. The one
mechanism for "the next message is …": a feature sets `Pending(kind, …)` and registers a
`PendingStepHandler(app, kind, callback)`, which claims a message only while the sender's
pending step is of that kind (like a ConversationHandler state, or aiogram's FSM filter). The
guard clears the step when she moves on (a command or a button).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telegram import Update
from telegram.ext import Application, MessageHandler, filters
from telegram.ext.filters import BaseFilter

# What a pending step claims unless the feature says otherwise: a new plain text message.
PLAIN_TEXT = filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND


@dataclass(frozen=True)
class Pending:
    """What the next plain message means, e.g. Pending("note", client_id="3100000001")."""

    kind: str
    client_id: str | None = None
    extra: str | None = None


def _data(context: Any) -> dict[str, Any]:
    data: dict[str, Any] = context.user_data
    return data


def current_client(
    context: Any, *, now: datetime | None = None, ttl: timedelta | None = None
) -> str | None:
    """The client she is working on; with `now` and `ttl`, only if set less than `ttl` ago."""
    data = _data(context)
    value = data.get("current_client")
    if not isinstance(value, str):
        return None
    if now is not None and ttl is not None:
        at = data.get("current_client_at")
        if not isinstance(at, datetime) or not at <= now < at + ttl:
            return None
    return value


def set_current_client(context: Any, client_id: str | None, *, at: datetime | None = None) -> None:
    """Make her the current client, `at` the moment (the service clock's) she was opened."""
    data = _data(context)
    data["current_client"] = client_id
    data["current_client_at"] = at


def pending_in(user_data: Mapping[str, Any] | None) -> Pending | None:
    """The pending step kept in one user's data, if any."""
    value = (user_data or {}).get("pending")
    return value if isinstance(value, Pending) else None


def pending(context: Any) -> Pending | None:
    return pending_in(_data(context))


def set_pending(context: Any, step: Pending | None) -> None:
    _data(context)["pending"] = step


class PendingStepHandler(MessageHandler[Any, Any]):
    """A MessageHandler for the next message of a `kind` step: it matches (message_filter, plain
    text by default) only while the sender's pending step is of that kind."""

    def __init__(
        self,
        app: Application[Any, Any, Any, Any, Any, Any],
        kind: str,
        callback: Any,
        message_filter: BaseFilter = PLAIN_TEXT,
    ) -> None:
        super().__init__(message_filter, callback)
        self._app = app
        self.kind = kind

    def check_update(self, update: object) -> Any:
        if not isinstance(update, Update) or update.effective_user is None:
            return None
        step = pending_in(self._app.user_data.get(update.effective_user.id))
        if step is None or step.kind != self.kind:
            return None
        return super().check_update(update)
