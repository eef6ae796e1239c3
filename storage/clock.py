"""The one clock: services take a `Clock` (injected in tests, so no test reads the wall clock)
and default to `utc_now`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)
