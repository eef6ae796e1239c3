"""Shanghai/Shenzhen trading days: the project's one trading calendar.

exchange-calendars (XSHG) decides inside its published range; outside it (years the library does
not cover yet) every weekday counts. `extra_closed` / `extra_open` days from the proactive config
win over both (an unplanned closure, a calendar the library got wrong).
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any


@functools.cache
def _xshg() -> Any:
    import exchange_calendars

    with warnings.catch_warnings():  # pandas deprecation chatter inside the library
        warnings.simplefilter("ignore")
        return exchange_calendars.get_calendar("XSHG")


class TradingCalendar:
    """Is a day an exchange trading day? Overrides first, then XSHG, then the holiday table."""

    def __init__(self, extra_closed: Iterable[date] = (), extra_open: Iterable[date] = ()) -> None:
        self.extra_closed = frozenset(extra_closed)
        self.extra_open = frozenset(extra_open)
        clash = self.extra_closed & self.extra_open
        if clash:
            raise ValueError(f"days both closed and open: {sorted(clash)}")

    def is_trading_day(self, day: date) -> bool:
        if day in self.extra_closed:
            return False
        if day in self.extra_open:
            return True
        calendar = _xshg()
        if calendar.first_session.date() <= day <= calendar.last_session.date():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return bool(calendar.is_session(day.isoformat()))
        return day.weekday() < 5

    def last_trading_day(self, on_or_before: date) -> date:
        day = on_or_before
        while not self.is_trading_day(day):
            day -= timedelta(days=1)
        return day

    def previous_trading_day(self, day: date) -> date:
        return self.last_trading_day(day - timedelta(days=1))


_DEFAULT = TradingCalendar()


def is_trading_day(day: date) -> bool:
    """True on exchange trading days, without operator overrides."""
    return _DEFAULT.is_trading_day(day)


def last_trading_day(on_or_before: date) -> date:
    """The latest trading day on or before the given day, without operator overrides."""
    return _DEFAULT.last_trading_day(on_or_before)
