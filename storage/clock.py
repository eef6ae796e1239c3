"""The one clock: services take a `Clock` (injected in tests, so no test reads the wall clock)
and default to `utc_now`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


class DemoClock:
    """A clock running from `base` (the wall clock by default) plus an offset that only grows:
    the console's /demo_tick advances it so timed work (escalations, snoozes, SLA clocks) can be
    watched without waiting."""

    def __init__(self, base: Clock = utc_now) -> None:
        self._base = base
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return self._base() + self.offset

    def advance(self, step: timedelta) -> datetime:
        """Move time forward by `step`; returns the new now."""
        if step < timedelta(0):
            raise ValueError("a demo clock only moves forward")
        self.offset += step
        return self()
