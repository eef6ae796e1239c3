"""One reading of the SLA clocks (crm/tickets.py) for the sweep, the views and /team: a clock
the sweep would raise at `now` is one that breached_clocks counts, with the same due time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crm.proactive import DEFAULT_SLA
from crm.tickets import breached_clocks, running_clock

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
M = timedelta(minutes=1)


@pytest.mark.parametrize(
    ("category", "opened", "responded", "closed", "expected"),
    [
        ("inquiry", NOW - 10 * M, None, None, []),  # 5 minutes left
        ("inquiry", NOW - 20 * M, None, None, [("response", NOW - 5 * M)]),
        ("inquiry", NOW - 20 * M, NOW - 2 * M, None, [("response", NOW - 5 * M)]),  # late
        ("inquiry", NOW - 20 * M, NOW - 16 * M, None, []),  # in time, resolution running
        ("inquiry", NOW - 200 * M, NOW - 190 * M, None, [("resolution", NOW - 70 * M)]),
        ("inquiry", NOW - 200 * M, NOW - 190 * M, NOW - 100 * M, []),  # resolved in time
        ("complaint", NOW - 25 * 60 * M, None, NOW - 23 * 60 * M, []),  # closed in time
        ("complaint", NOW - 25 * 60 * M, None, None, [("response", NOW - 60 * M)]),
    ],
)
def test_breached_clocks_and_the_running_clock_agree(
    category: str,
    opened: datetime,
    responded: datetime | None,
    closed: datetime | None,
    expected: list[tuple[str, datetime]],
) -> None:
    breached = breached_clocks(DEFAULT_SLA, category, opened, responded, closed, NOW)
    assert breached == expected
    status = "closed" if closed is not None else "open"
    running = running_clock(DEFAULT_SLA, category, status, opened, responded)
    if running is not None and running[1] <= NOW:  # what the sweep raises now
        assert running in breached
