"""Due-time phrases in Chinese and English, read in the manager's zone relative to a fixed now."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from crm.when import WhenError, cn_number, parse_when, split_when_what

SHANGHAI = "Asia/Shanghai"
# Friday 2026-11-20, 14:00 in Shanghai.
NOW = datetime(2026, 11, 20, 14, 0, tzinfo=ZoneInfo(SHANGHAI)).astimezone(UTC)


def local(text: str, zone: str = SHANGHAI, now: datetime = NOW) -> str:
    when = parse_when(text, now=now, zone=zone)
    return when.local.strftime("%Y-%m-%d %a %H:%M")


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("明天下午3点", "2026-11-21 Sat 15:00"),
        ("明天上午10点", "2026-11-21 Sat 10:00"),
        ("明天3点半", "2026-11-21 Sat 15:30"),  # a bare 1–6 o'clock is the afternoon
        ("明天十点一刻", "2026-11-21 Sat 10:15"),
        ("明早8点", "2026-11-21 Sat 08:00"),
        ("明晚8点", "2026-11-21 Sat 20:00"),
        ("今天下午5点", "2026-11-20 Fri 17:00"),
        ("下午5点", "2026-11-20 Fri 17:00"),  # a time alone: today while still ahead
        ("上午10点", "2026-11-21 Sat 10:00"),  # … else tomorrow
        ("中午12点", "2026-11-21 Sat 12:00"),
        ("晚上", "2026-11-20 Fri 20:00"),
        ("周五", "2026-11-27 Fri 09:30"),  # today is Friday and 09:30 has passed
        ("周五下午5点", "2026-11-20 Fri 17:00"),  # … but 17:00 today is still ahead
        ("星期一", "2026-11-23 Mon 09:30"),
        ("礼拜天", "2026-11-22 Sun 09:30"),
        ("下周二上午9:30", "2026-11-24 Tue 09:30"),
        ("下周五", "2026-11-27 Fri 09:30"),
        ("下下周一", "2026-11-30 Mon 09:30"),
        ("后天", "2026-11-22 Sun 09:30"),
        ("大后天下午2点", "2026-11-23 Mon 14:00"),
        ("3天后", "2026-11-23 Mon 09:30"),
        ("三天后", "2026-11-23 Mon 09:30"),
        ("2小时后", "2026-11-20 Fri 16:00"),
        ("两个小时后", "2026-11-20 Fri 16:00"),
        ("半小时后", "2026-11-20 Fri 14:30"),
        ("45分钟后", "2026-11-20 Fri 14:45"),
        ("11月30日", "2026-11-30 Mon 09:30"),
        ("11月30号 15:00", "2026-11-30 Mon 15:00"),
        ("十二月一日", "2026-12-01 Tue 09:30"),
        ("1月5日", "2027-01-05 Tue 09:30"),  # the next one
        ("2026年12月24日", "2026-12-24 Thu 09:30"),
        ("30号", "2026-11-30 Mon 09:30"),
        ("１０：３０", "2026-11-21 Sat 10:30"),  # full-width digits and colon
        ("next Tue 9:30", "2026-11-24 Tue 09:30"),
        ("tomorrow 3pm", "2026-11-21 Sat 15:00"),
        ("tomorrow", "2026-11-21 Sat 09:30"),
        ("in 2 hours", "2026-11-20 Fri 16:00"),
        ("Friday", "2026-11-27 Fri 09:30"),
        ("friday 10am", "2026-11-27 Fri 10:00"),
        ("3pm", "2026-11-20 Fri 15:00"),
        ("at 9:30am", "2026-11-21 Sat 09:30"),
        ("Nov 30 10:00", "2026-11-30 Mon 10:00"),
        ("2026-12-01 16:45", "2026-12-01 Tue 16:45"),
    ],
)
def test_phrases_resolve_in_shanghai(phrase: str, expected: str) -> None:
    assert local(phrase) == expected


def test_a_day_without_a_time_defaults_to_half_past_nine_and_says_so() -> None:
    assert parse_when("周五", now=NOW, zone=SHANGHAI).time_defaulted
    assert parse_when("tomorrow", now=NOW, zone=SHANGHAI).time_defaulted
    assert not parse_when("明天上午10点", now=NOW, zone=SHANGHAI).time_defaulted
    assert not parse_when("下午", now=NOW, zone=SHANGHAI).time_defaulted


def test_the_same_words_mean_the_managers_own_clock() -> None:
    """「明天上午10点」 is 10:00 where the manager is, so a different instant in New York."""
    shanghai = parse_when("明天上午10点", now=NOW, zone=SHANGHAI)
    new_york = parse_when("明天上午10点", now=NOW, zone="America/New_York")
    assert shanghai.due_at == datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
    # NOW is 01:00 on Friday in New York, so 「明天」 is Saturday there too — at 10:00 EST.
    assert new_york.due_at == datetime(2026, 11, 21, 15, 0, tzinfo=UTC)
    assert new_york.local.strftime("%Y-%m-%d %H:%M %Z") == "2026-11-21 10:00 EST"
    assert local("tomorrow 3pm", zone="America/New_York") == "2026-11-21 Sat 15:00"
    # 14:00 in Shanghai is 06:00 in London: "11am" is still ahead there today.
    assert local("11am", zone="Europe/London") == "2026-11-20 Fri 11:00"
    assert local("11am") == "2026-11-21 Sat 11:00"


def test_an_unknown_zone_falls_back_to_shanghai() -> None:
    assert local("明天上午10点", zone="Mars/Olympus") == "2026-11-21 Sat 10:00"


@pytest.mark.parametrize("phrase", ["今天上午9点", "本周三", "今天"])
def test_past_times_are_refused(phrase: str) -> None:
    with pytest.raises(WhenError) as caught:
        parse_when(phrase, now=NOW, zone=SHANGHAI)
    assert caught.value.reason == "past"


@pytest.mark.parametrize(
    "phrase", ["", "   ", "随便", "garbage here", "25点", "2月30日", "10", "a", "may", "🙂", "周"]
)
def test_garbage_is_unparseable(phrase: str) -> None:
    with pytest.raises(WhenError) as caught:
        parse_when(phrase, now=NOW, zone=SHANGHAI)
    assert caught.value.reason == "unparseable"


@pytest.mark.parametrize(
    ("text", "due", "what"),
    [
        ("明天上午10点 回电确认转托管", "2026-11-21 Sat 10:00", "回电确认转托管"),
        ("明天上午10点回电确认转托管", "2026-11-21 Sat 10:00", "回电确认转托管"),
        ("明天 3点半 回电", "2026-11-21 Sat 15:30", "回电"),
        ("周五，约客户面谈", "2026-11-27 Fri 09:30", "约客户面谈"),
        ("下周二上午9:30 复盘持仓", "2026-11-24 Tue 09:30", "复盘持仓"),
        ("两小时后 打电话", "2026-11-20 Fri 16:00", "打电话"),
        ("明天 一起吃饭", "2026-11-21 Sat 09:30", "一起吃饭"),  # 一 is not a time here
        ("next Tue 9:30 review the portfolio", "2026-11-24 Tue 09:30", "review the portfolio"),
        ("tomorrow 3pm call back", "2026-11-21 Sat 15:00", "call back"),
        ("in 2 hours: send the form", "2026-11-20 Fri 16:00", "send the form"),
        ("Friday call her", "2026-11-27 Fri 09:30", "call her"),
        ("2026-12-01 10:00 年终回访", "2026-12-01 Tue 10:00", "年终回访"),
    ],
)
def test_the_longest_leading_time_phrase_is_the_when(text: str, due: str, what: str) -> None:
    parsed = split_when_what(text, now=NOW, zone=SHANGHAI)
    assert parsed.when.local.strftime("%Y-%m-%d %a %H:%M") == due
    assert parsed.what == what


def test_a_time_without_a_task_or_a_task_without_a_time_is_refused() -> None:
    with pytest.raises(WhenError) as no_task:
        split_when_what("明天上午10点", now=NOW, zone=SHANGHAI)
    assert no_task.value.reason == "no_task"
    with pytest.raises(WhenError) as no_time:
        split_when_what("回电确认转托管", now=NOW, zone=SHANGHAI)
    assert no_time.value.reason == "unparseable"


def test_the_split_does_not_depend_on_the_clock() -> None:
    """Confirming later must read the same task: a past time still splits (ensure_future refuses)."""
    later = datetime(2026, 11, 22, 0, 0, tzinfo=UTC)
    parsed = split_when_what("明天上午10点回电", now=later, zone=SHANGHAI)
    assert parsed.what == "回电"


@pytest.mark.parametrize(
    ("text", "value"), [("3", 3), ("十", 10), ("十一", 11), ("二十", 20), ("三十一", 31), ("两", 2)]
)
def test_chinese_numerals(text: str, value: int) -> None:
    assert cn_number(text) == value
