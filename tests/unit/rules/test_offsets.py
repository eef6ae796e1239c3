"""The UTC offset periods SQLite uses to turn a trade instant into the book's local date."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from crm.rules.sql import utc_offsets

UNTIL = datetime(2026, 11, 21, tzinfo=UTC)


def test_shanghai_has_kept_utc_plus_8_since_its_last_summer_time_in_1991() -> None:
    start, offset = utc_offsets(ZoneInfo("Asia/Shanghai"), UNTIL)[-1]
    assert (start, offset) == (datetime(1991, 9, 14, 17, 0, tzinfo=UTC), 8 * 3600)


def test_summer_time_changes_are_found_to_the_second() -> None:
    periods = dict(utc_offsets(ZoneInfo("Europe/Berlin"), UNTIL))
    assert periods[datetime(2026, 3, 29, 1, 0, tzinfo=UTC)] == 2 * 3600  # clocks go forward
    assert periods[datetime(2026, 10, 25, 1, 0, tzinfo=UTC)] == 1 * 3600  # and back
    assert max(periods) == datetime(2026, 10, 25, 1, 0, tzinfo=UTC)
