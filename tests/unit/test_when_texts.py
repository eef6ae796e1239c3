"""The replies for impossible dates and refused snoozes exist in Chinese and English and fill in
from the error's own fields (key `fu_invalid_<problem>`, English month names as `month_name`)."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime
from typing import get_args

import pytest

from crm.errors import DateProblem, InvalidDateError, SnoozeNotLaterError
from crm.when import parse_when
from handlers.i18n import t

NOW = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)  # Friday 14:00 in Shanghai


def invalid_date_text(exc: InvalidDateError, language: str) -> str:
    """The rendering the error mapping uses for InvalidDateError."""
    month_name = calendar.month_name[exc.month] if exc.month and 1 <= exc.month <= 12 else ""
    values = {
        "year": exc.year,
        "month": exc.month,
        "day": exc.day,
        "hour": exc.hour,
        "minute": exc.minute,
        "month_name": month_name,
    }
    return t(language, f"fu_invalid_{exc.problem}", **values)


@pytest.mark.parametrize(
    ("phrase", "zh", "en"),
    [
        ("2月30日", "2月没有30日。", "There is no February 30."),
        ("2027年2月29日", "2027年2月没有29日。", "There is no February 29 in 2027."),
        ("13月1日", "没有13月：月份是 1–12。", "There is no month 13: months are 1–12."),
        ("32号", "没有32日：日期是 1–31。", "There is no day 32: days of the month are 1–31."),
        ("25:00", "没有 25 点：钟点是 0–23。", "There is no 25 o'clock: hours are 0–23."),
        ("明天 10:61", "没有 61 分：分钟是 0–59。", "There is no minute 61: minutes are 0–59."),
    ],
)
def test_an_impossible_date_is_explained_in_both_languages(phrase: str, zh: str, en: str) -> None:
    with pytest.raises(InvalidDateError) as caught:
        parse_when(phrase, now=NOW, zone="Asia/Shanghai")
    assert invalid_date_text(caught.value, "zh") == zh
    assert invalid_date_text(caught.value, "en") == en


def test_every_problem_has_a_text_in_both_languages() -> None:
    for problem in get_args(DateProblem):
        for language in ("zh", "en"):
            assert t(language, f"fu_invalid_{problem}")  # the raw template exists


def test_a_refused_snooze_names_both_times() -> None:
    exc = SnoozeNotLaterError(
        7,
        due_at=datetime(2026, 11, 21, 2, 0, tzinfo=UTC),
        until=datetime(2026, 11, 21, 1, 30, tzinfo=UTC),
        zone="Asia/Shanghai",
    )
    values = {"id": exc.follow_up_id, "due": "明天 10:00", "until": "明天 09:30"}
    assert t("zh", "fu_snooze_not_later", **values) == (
        "#7 已定在 明天 10:00 提醒，推迟到 明天 09:30 并不更晚，所以没有改动。"
    )
    assert "nothing changed" in t("en", "fu_snooze_not_later", **values)
    assert len(t("en", "fu_snooze_not_later", **values)) < 200  # fits a button's alert
