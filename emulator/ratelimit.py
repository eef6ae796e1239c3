"""Telegram's flood limits as sliding windows over an injectable clock.

Telegram documents roughly 30 messages per second overall, one per second per private chat and
20 per minute per group; beyond that it answers 429 with `parameters.retry_after` (seconds).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RateLimits:
    """The limits to enforce; None switches a limit off."""

    overall_per_second: int | None = 30
    per_private_chat_per_second: int | None = 1
    per_group_per_minute: int | None = 20


class _Window:
    """At most `limit` events in any `period` seconds."""

    def __init__(self, limit: int, period: float) -> None:
        self.limit = limit
        self.period = period
        self._times: deque[float] = deque()

    def retry_after(self, now: float) -> float | None:
        while self._times and self._times[0] <= now - self.period:
            self._times.popleft()
        if len(self._times) < self.limit:
            return None
        return self._times[0] + self.period - now

    def record(self, now: float) -> None:
        self._times.append(now)


class RateLimiter:
    """Decides whether one more message may be sent now; records it when allowed."""

    def __init__(self, limits: RateLimits, clock: Callable[[], float]) -> None:
        self.limits = limits
        self._clock = clock
        self._overall = (
            _Window(limits.overall_per_second, 1.0) if limits.overall_per_second else None
        )
        self._chats: dict[int, _Window] = {}

    def _chat_window(self, chat_id: int, chat_type: str) -> _Window | None:
        window = self._chats.get(chat_id)
        if window is not None:
            return window
        if chat_type == "private":
            if not self.limits.per_private_chat_per_second:
                return None
            window = _Window(self.limits.per_private_chat_per_second, 1.0)
        else:
            if not self.limits.per_group_per_minute:
                return None
            window = _Window(self.limits.per_group_per_minute, 60.0)
        self._chats[chat_id] = window
        return window

    def acquire(self, chat_id: int, chat_type: str) -> int | None:
        """None and the send is recorded, or the whole seconds to wait (Telegram's retry_after)."""
        now = self._clock()
        windows = [w for w in (self._overall, self._chat_window(chat_id, chat_type)) if w]
        waits = [wait for w in windows if (wait := w.retry_after(now)) is not None]
        if waits:
            return max(1, math.ceil(max(waits)))
        for window in windows:
            window.record(now)
        return None
