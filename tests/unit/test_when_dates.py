"""Issue 12 point 12: past phrases are refused as past, impossible dates say why, 2月29日 is the
next one that exists, 下周X agrees with "next X", and month words (月底, 下个月, 月初) and 下周 read."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from crm.errors import InvalidDateError, WhenError
from crm.when import parse_when, split_when_what

SHANGHAI = "Asia/Shanghai"


def at(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    """A Shanghai wall-clock moment as the injected now (UTC)."""
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(SHANGHAI)).astimezone(UTC)


# Friday 2026-11-20, 14:00 in Shanghai.
NOW = at(2026, 11, 20, 14, 0)
# Monday 2026-11-16, 14:00: where "the coming X" and "X of next week" differ.
MONDAY = at(2026, 11, 16, 14, 0)


def local(text: str, now: datetime = NOW) -> str:
    return parse_when(text, now=now, zone=SHANGHAI).local.strftime("%Y-%m-%d %a %H:%M")


def refusal(text: str, now: datetime = NOW) -> WhenError:
    with pytest.raises(WhenError) as caught:
        parse_when(text, now=now, zone=SHANGHAI)
    return caught.value


# ------------------------------------------------------------------------------ the past


@pytest.mark.parametrize(
    "phrase",
    [
        "昨天",
        "昨天下午3点",
        "昨日上午10点",
        "昨晚8点",
        "前天",
        "大前天",
        "5分钟前",
        "半小时前",
        "两小时以前",
        "3天前",
        "三天之前",
        "上周五",
        "上周一上午10点",
        "上个星期三",
        "上上周二",
        "上周",
        "上个月",
        "上个月5号",
        "刚才",
        "刚刚",
        "本月1日",
        "yesterday",
        "yesterday 3pm",
        "5 minutes ago",
        "last friday",
        "last Monday 10am",
        "2025年3月1日",
    ],
)
def test_a_past_phrase_is_read_and_refused_as_past(phrase: str) -> None:
    """Not 「没看懂时间」: the user wrote a real time, it has just gone by."""
    error = refusal(phrase)
    assert error.reason == "past"
    assert not isinstance(error, InvalidDateError)


def test_a_past_time_in_a_request_splits_and_is_refused_later() -> None:
    parsed = split_when_what("昨天下午3点 回电", now=NOW, zone=SHANGHAI)
    assert parsed.what == "回电"
    assert parsed.when.local.strftime("%Y-%m-%d %H:%M") == "2026-11-19 15:00"


# ------------------------------------------------------------------------------ impossible dates


@pytest.mark.parametrize(
    ("phrase", "problem", "fields"),
    [
        ("2月30日", "day", {"month": 2, "day": 30, "year": None}),
        ("2月31号", "day", {"month": 2, "day": 31, "year": None}),
        ("4月31日 下午3点", "day", {"month": 4, "day": 31, "year": None}),
        ("2027年2月29日", "day_in_year", {"month": 2, "day": 29, "year": 2027}),
        ("13月1日", "month", {"month": 13}),
        ("0月5日", "month", {"month": 0}),
        ("32号", "day_of_month", {"day": 32, "month": None}),
        ("25:00", "hour", {"hour": 25}),
        ("25点", "hour", {"hour": 25}),
        ("明天25点", "hour", {"hour": 25}),
        ("24:61", "hour", {"hour": 24}),
        ("明天 10:61", "minute", {"minute": 61}),
        ("下午3点75分", "minute", {"minute": 75}),
        ("at 25:00", "hour", {"hour": 25}),
        ("tomorrow 25:00", "hour", {"hour": 25}),
    ],
)
def test_an_impossible_date_or_time_says_what_is_wrong(
    phrase: str, problem: str, fields: dict[str, int | None]
) -> None:
    error = refusal(phrase)
    assert isinstance(error, InvalidDateError)
    assert error.problem == problem
    for name, value in fields.items():
        assert getattr(error, name) == value, name


def test_a_day_missing_from_next_month_says_which_month() -> None:
    january = at(2027, 1, 10, 9, 0)
    error = refusal("下个月30号", now=january)
    assert isinstance(error, InvalidDateError)
    assert (error.problem, error.month, error.day, error.year) == ("day", 2, 30, None)
    leap_miss = refusal("下个月29号", now=january)  # February 2027 is a common year
    assert isinstance(leap_miss, InvalidDateError)
    assert (leap_miss.problem, leap_miss.month, leap_miss.day) == ("day_in_year", 2, 29)
    assert leap_miss.year == 2027


def test_an_impossible_date_is_also_refused_inside_a_request() -> None:
    with pytest.raises(InvalidDateError):
        split_when_what("2月30日 回电", now=NOW, zone=SHANGHAI)


# ------------------------------------------------------------------------------ the next one that exists


def test_february_29th_is_the_next_one_that_exists() -> None:
    assert local("2月29日") == "2028-02-29 Tue 09:30"
    assert local("2月29号 下午3点") == "2028-02-29 Tue 15:00"
    assert local("2028年2月29日") == "2028-02-29 Tue 09:30"
    # in a leap year before the day, it is this year's
    assert local("2月29日", now=at(2028, 1, 5, 10, 0)) == "2028-02-29 Tue 09:30"


def test_a_day_of_month_is_the_next_month_that_has_it() -> None:
    assert local("31号") == "2026-12-31 Thu 09:30"  # November has no 31st
    assert local("30号", now=at(2027, 1, 31, 8, 0)) == "2027-03-30 Tue 09:30"  # not February


# ------------------------------------------------------------------------------ which week


@pytest.mark.parametrize(
    ("now", "chinese", "english", "expected"),
    [
        (MONDAY, "下周三", "next Wednesday", "2026-11-25 Wed 09:30"),
        (MONDAY, "下周五", "next Friday", "2026-11-27 Fri 09:30"),
        (MONDAY, "下周一", "next Monday", "2026-11-23 Mon 09:30"),
        (NOW, "下周三", "next Wednesday", "2026-11-25 Wed 09:30"),
        (NOW, "下周五", "next friday", "2026-11-27 Fri 09:30"),
        (MONDAY, "周三", "Wednesday", "2026-11-18 Wed 09:30"),
        (MONDAY, "周三", "this Wednesday", "2026-11-18 Wed 09:30"),
        (MONDAY, "周三", "on Wed", "2026-11-18 Wed 09:30"),
        (MONDAY, "周一下午5点", "Monday 5pm", "2026-11-16 Mon 17:00"),  # still ahead today
        (MONDAY, "下周三下午3点", "next Wed 3pm", "2026-11-25 Wed 15:00"),
        (MONDAY, "下周三 15:30", "next Wednesday at 3:30pm", "2026-11-25 Wed 15:30"),
        (MONDAY, "下周五下午", "next Friday afternoon", "2026-11-27 Fri 15:00"),
        (MONDAY, "下周二下午3点", "next week on Tue 3pm", "2026-11-24 Tue 15:00"),
        (MONDAY, "周三傍晚", "Wednesday evening", "2026-11-18 Wed 18:00"),
    ],
)
def test_chinese_and_english_weeks_agree(
    now: datetime, chinese: str, english: str, expected: str
) -> None:
    assert local(chinese, now=now) == expected
    assert local(english, now=now) == expected


def test_next_week_alone_is_its_monday() -> None:
    assert local("下周") == "2026-11-23 Mon 09:30"
    assert local("下周", now=MONDAY) == "2026-11-23 Mon 09:30"
    assert local("下个星期 下午3点") == "2026-11-23 Mon 15:00"
    assert local("下下周") == "2026-11-30 Mon 09:30"
    assert local("next week") == "2026-11-23 Mon 09:30"


# ------------------------------------------------------------------------------ month words


@pytest.mark.parametrize(
    ("phrase", "now", "expected"),
    [
        ("月底", NOW, "2026-11-30 Mon 09:30"),  # the last calendar day of this month
        ("月末 下午4点", NOW, "2026-11-30 Mon 16:00"),
        ("本月底", NOW, "2026-11-30 Mon 09:30"),
        ("这个月底", NOW, "2026-11-30 Mon 09:30"),
        ("月底", at(2026, 11, 30, 14, 0), "2026-12-31 Thu 09:30"),  # today's 09:30 is gone
        ("月底", at(2027, 2, 3, 9, 0), "2027-02-28 Sun 09:30"),
        ("月初", NOW, "2026-12-01 Tue 09:30"),  # the coming 1st
        ("月中", NOW, "2026-12-15 Tue 09:30"),
        ("下个月", NOW, "2026-12-20 Sun 09:30"),  # the same day next month
        ("下月", NOW, "2026-12-20 Sun 09:30"),
        ("下个月", at(2027, 1, 31, 9, 0), "2027-02-28 Sun 09:30"),  # … or its last day
        ("下个月5号", NOW, "2026-12-05 Sat 09:30"),
        ("下个月31号", NOW, "2026-12-31 Thu 09:30"),
        ("下个月5日下午3点", NOW, "2026-12-05 Sat 15:00"),
        ("下个月初", NOW, "2026-12-01 Tue 09:30"),
        ("下月底", NOW, "2026-12-31 Thu 09:30"),
        ("下下个月", NOW, "2027-01-20 Wed 09:30"),
        ("下个月", at(2026, 12, 10, 9, 0), "2027-01-10 Sun 09:30"),
        ("本月25号", NOW, "2026-11-25 Wed 09:30"),
        ("next month", NOW, "2026-12-20 Sun 09:30"),
        ("end of month", NOW, "2026-11-30 Mon 09:30"),
        ("end of the month 3pm", NOW, "2026-11-30 Mon 15:00"),
        ("end of next month", NOW, "2026-12-31 Thu 09:30"),
        ("beginning of next month", NOW, "2026-12-01 Tue 09:30"),
    ],
)
def test_month_words(phrase: str, now: datetime, expected: str) -> None:
    assert local(phrase, now=now) == expected


def test_month_words_split_from_the_task_and_default_the_time() -> None:
    parsed = split_when_what("月底 提交季度报告", now=NOW, zone=SHANGHAI)
    assert parsed.what == "提交季度报告" and parsed.when.time_defaulted
    parsed = split_when_what("下个月5号 回访", now=NOW, zone=SHANGHAI)
    assert parsed.what == "回访"
    assert parsed.when.local.strftime("%Y-%m-%d %H:%M") == "2026-12-05 09:30"
    parsed = split_when_what("下周 约客户面谈", now=NOW, zone=SHANGHAI)
    assert parsed.what == "约客户面谈"
    parsed = split_when_what("end of month send the report", now=NOW, zone=SHANGHAI)
    assert parsed.what == "send the report"
