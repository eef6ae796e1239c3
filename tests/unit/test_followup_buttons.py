"""Follow-up buttons: packed within 64 bytes at their largest; forged values do not parse."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crm.id_refs import ref_of
from handlers.buttons_followups import DraftAction, TodoAction, from_minute, to_minute
from handlers.callback_data import CallbackDataError, parse


def test_the_largest_confirmation_fits_and_round_trips() -> None:
    due = to_minute(datetime(2099, 12, 31, 23, 59, tzinfo=UTC))
    button = DraftAction("pick", "C" * 24, 9_999_999_999, due)
    packed = button.pack()
    assert len(packed.encode()) <= 64
    assert parse(packed) == button
    # a longer id travels as its 12-byte hashed ref (resolved by the button wrapper)
    longer = DraftAction("pick", "C" * 32, 9_999_999_999, due)
    assert parse(longer.pack()) == DraftAction("pick", ref_of("C" * 32), 9_999_999_999, due)
    assert from_minute(due) == datetime(2099, 12, 31, 23, 59, tzinfo=UTC)


@pytest.mark.parametrize(
    "data",
    [
        "fu:save:3100000001:5:29000000",  # unknown action
        "fu:ok:3100000001:0:29000000",  # no request message
        "fu:ok:3100000001:5:-1",
        "fu:ok::5:29000000",
        "fu:ok:3100000001:5",
        "todo:done:-3",
        "todo:done:1:2",
        "todo:drop:1",
        "todo:done:abc",
    ],
)
def test_forged_data_does_not_parse(data: str) -> None:
    with pytest.raises(CallbackDataError):
        parse(data)


def test_todo_actions_round_trip() -> None:
    for action in ("done", "later", "fin", "hour", "tmrw", "more"):
        assert TodoAction.unpack(TodoAction(action, 42).pack()) == TodoAction(action, 42)
