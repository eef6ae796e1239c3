"""Packed button data: round-trips, stays under 64 bytes, and refuses forged presses."""

import pytest

from handlers.callback_data import MAX_BYTES, CallbackDataError, LanguageChoice, parse


def test_round_trip():
    data = LanguageChoice("en").pack()
    assert data == "lang:en"
    assert parse(data) == LanguageChoice("en")


@pytest.mark.parametrize(
    "forged",
    ["", "lang", "lang:fr", "lang:en:extra", "nope:1", "x" * 65, "lang:" + "e" * 80],
)
def test_forged_or_stale_data_is_refused(forged):
    with pytest.raises(CallbackDataError):
        parse(forged)


def test_packing_refuses_over_long_data():
    with pytest.raises(ValueError):
        LanguageChoice("e" * MAX_BYTES).pack()
