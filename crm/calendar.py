"""Shanghai/Shenzhen trading days: weekdays that are not mainland public holidays."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar


def is_trading_day(day: date) -> bool:
    """True on exchange trading days; beyond the holiday table's years, weekdays only."""
    if day.weekday() >= 5:
        return False
    try:
        return not chinese_calendar.is_holiday(day)
    except NotImplementedError:  # the library's holiday table does not cover this year yet
        return True


def last_trading_day(on_or_before: date) -> date:
    day = on_or_before
    while not is_trading_day(day):
        day -= timedelta(days=1)
    return day
