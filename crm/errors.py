"""Domain errors of crm, with typed fields.

Adapters turn them into replies by type (handlers/errors.py); nothing parses `str(exc)`, which is
for logs and the CLI only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

InviteProblem = Literal["unknown", "used", "expired", "inactive", "already_bound"]
WhenProblem = Literal["unparseable", "past", "no_task"]


class DomainError(Exception):
    """Base for errors whose reply is safe to show to the user who caused them."""

    code = "error"


class NotAuthorizedError(DomainError):
    code = "not_authorized"


class UsageError(DomainError):
    code = "usage"


class NotFoundError(DomainError):
    code = "not_found"


class NoBookError(NotAuthorizedError):
    """The viewer has no client book: her role keeps none (compliance, admin) or she is inactive."""

    code = "no_book"

    def __init__(self, role: str) -> None:
        super().__init__(f"no client book for role {role}")
        self.role = role


class NoMatchingClientError(NotFoundError):
    """No client in the viewer's book matches the word she typed."""

    code = "no_matching_client"

    def __init__(self, query: str) -> None:
        super().__init__(query)
        self.query = query


class TooLongError(UsageError):
    """A text over its limit (characters after cleaning)."""

    code = "too_long"

    def __init__(self, *, limit: int, length: int) -> None:
        super().__init__(f"{length} characters, limit {limit}")
        self.limit = limit
        self.length = length


class NoteTooLongError(TooLongError):
    code = "note_too_long"


class TaskTooLongError(TooLongError):
    """The task of a follow-up is longer than its title may be."""

    code = "task_too_long"


class AlreadyClosedError(UsageError):
    """The alert or follow-up is already handled (done, acknowledged, cancelled)."""

    code = "closed"


class TopLevelError(UsageError):
    """The alert is already escalated as far as it goes."""

    code = "top_level"


class NoteDeletedError(UsageError):
    """The note was undone; it cannot be revised any more."""

    code = "note_deleted"

    def __init__(self, note_id: int) -> None:
        super().__init__(f"note {note_id} was undone")
        self.note_id = note_id


class UndoWindowClosedError(UsageError):
    """The note is older than the undo window."""

    code = "undo_window_closed"

    def __init__(self, note_id: int, *, window_minutes: int) -> None:
        super().__init__(f"note {note_id} is older than {window_minutes} minutes")
        self.note_id = note_id
        self.window_minutes = window_minutes


class WhenError(UsageError):
    """A due-time phrase that cannot be used: unparseable, past, or no task after the time."""

    code = "when"

    def __init__(self, reason: WhenProblem) -> None:
        super().__init__(reason)
        self.reason: WhenProblem = reason


class AmbiguousClientError(UsageError):
    """The client word of a request matches several clients; the user must pick one."""

    code = "ambiguous_client"

    def __init__(self, matches: list[tuple[str, str]]) -> None:
        super().__init__("several clients match")
        self.matches = matches  # (client_id, name), best first


class StaleRequestError(UsageError):
    """The request message behind a button no longer reads as it did (edited or missing)."""

    code = "stale"


class InviteError(DomainError):
    """An invite code that is unknown, used, expired, or for an inactive staff member."""

    code = "invite"

    def __init__(self, reason: InviteProblem) -> None:
        super().__init__(reason)
        self.reason: InviteProblem = reason


DateProblem = Literal["month", "day", "day_in_year", "day_of_month", "hour", "minute"]


class InvalidDateError(WhenError):
    """A date or clock time that does not exist, with the part that is wrong: month (13月1日),
    day (2月30日: that month never has it), day_in_year (2027年2月29日: not in that year),
    day_of_month (32号: no month has it), hour (25:00), minute (10:61). `reason` stays
    "unparseable" for readers that only know WhenError."""

    code = "invalid_date"

    def __init__(
        self,
        problem: DateProblem,
        *,
        year: int | None = None,
        month: int | None = None,
        day: int | None = None,
        hour: int | None = None,
        minute: int | None = None,
    ) -> None:
        super().__init__("unparseable")
        self.problem: DateProblem = problem
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute

    def __str__(self) -> str:
        fields = ("year", "month", "day", "hour", "minute")
        given = ", ".join(
            f"{name}={getattr(self, name)}" for name in fields if getattr(self, name) is not None
        )
        return f"no such {self.problem}: {given}"


class SnoozeNotLaterError(UsageError):
    """A snooze would not move the follow-up later (「明天 09:30」 on a task due tomorrow at
    10:00); nothing changed. Times are aware UTC; zone is the owner's, where "tomorrow" was read."""

    code = "snooze_not_later"

    def __init__(self, follow_up_id: int, *, due_at: datetime, until: datetime, zone: str) -> None:
        super().__init__(
            f"follow-up {follow_up_id} is due {due_at:%Y-%m-%d %H:%M}Z, not before {until:%Y-%m-%d %H:%M}Z"
        )
        self.follow_up_id = follow_up_id
        self.due_at = due_at
        self.until = until
        self.zone = zone


class MessageReusedError(DomainError):
    """The message key (bot, chat, message id) of a write already holds other content: the ids
    were numbered again (a bot or session that reuses a bot id). Nothing was saved, and the
    stored row is not shown as if it were this message's."""

    code = "message_reused"

    def __init__(self, what: str) -> None:
        super().__init__(f"{what}: message key holds other content")
        self.what = what


class StorageBusyError(DomainError):
    """The database did not take the write (locked past the busy timeout, or unreachable).
    Nothing was saved; the user should send it again. Carries no SQL and no user text."""

    code = "storage_busy"

    def __init__(self, operation: str) -> None:
        super().__init__(f"database busy or unavailable during {operation}; nothing saved")
        self.operation = operation
