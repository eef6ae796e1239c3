"""Properties of crm/when.py over generated phrases and clocks (Hypothesis, never the wall clock):
only WhenError ever escapes, an accepted time is after now, full-width digits read as ASCII,
the past is refused as past, and 下周X agrees with "next X"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.errors import InvalidDateError, WhenError
from crm.when import When, parse_when

ZONES = ("Asia/Shanghai", "America/New_York", "Europe/London", "Asia/Kolkata")
WEEKDAYS_ZH = "一二三四五六日"
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_FULL = str.maketrans("0123456789:", "０１２３４５６７８９：")

PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

nows = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
).map(lambda moment: moment.replace(second=0, microsecond=0))
zones = st.sampled_from(ZONES)

days = st.one_of(
    st.sampled_from(["", "今天", "明天", "后天", "大后天", "下周", "月底", "月初", "下个月"]),
    st.builds(
        lambda m, w: f"{m}周{w}",
        st.sampled_from(["", "下", "下下", "本"]),
        st.sampled_from(WEEKDAYS_ZH),
    ),
    st.builds(lambda n: f"{n}天后", st.integers(1, 40)),
    st.builds(lambda m, d: f"{m}月{d}日", st.integers(0, 14), st.integers(0, 33)),
    st.builds(lambda d: f"{d}号", st.integers(0, 33)),
    st.builds(lambda d: f"下个月{d}号", st.integers(1, 31)),
)
clocks = st.one_of(
    st.just(""),
    st.builds(lambda h, m: f" {h}:{m:02d}", st.integers(0, 26), st.integers(0, 62)),
    st.builds(
        lambda p, h: f"{p}{h}点", st.sampled_from(["", "上午", "下午", "晚上"]), st.integers(1, 25)
    ),
    st.builds(lambda h: f"{h}点半", st.integers(1, 12)),
)
phrases = st.builds(lambda day, clock: (day + clock).strip(), days, clocks).filter(bool)


def outcome(text: str, now: datetime, zone: str) -> When | tuple[str, ...]:
    """The due time, or the refusal with its fields: two readings compare equal or not."""
    try:
        return parse_when(text, now=now, zone=zone)
    except InvalidDateError as exc:
        return ("invalid", exc.problem, str(vars(exc)))
    except WhenError as exc:
        return (exc.reason,)


time_words = st.text(
    alphabet="昨明今天后前周下上个月底初中号日年点半分刻:0123456789一二三十 ", max_size=14
)


@PROPERTY
@given(text=st.one_of(st.text(max_size=30), time_words), now=nows, zone=zones)
def test_any_text_is_a_time_or_a_when_error(text: str, now: datetime, zone: str) -> None:
    """No ValueError, OverflowError or KeyError reaches the user as an error id."""
    try:
        when = parse_when(text, now=now, zone=zone)
    except WhenError:
        return
    assert when.due_at > now


@PROPERTY
@given(text=phrases, now=nows, zone=zones)
def test_an_accepted_phrase_is_after_now(text: str, now: datetime, zone: str) -> None:
    result = outcome(text, now, zone)
    if isinstance(result, When):
        assert result.due_at > now
        assert result.local.utcoffset() == result.due_at.astimezone(result.local.tzinfo).utcoffset()


@PROPERTY
@given(text=phrases, now=nows, zone=zones)
def test_full_width_digits_read_as_ascii(text: str, now: datetime, zone: str) -> None:
    wide = outcome(text.translate(_FULL), now, zone)
    narrow = outcome(text, now, zone)
    if isinstance(wide, When) and isinstance(narrow, When):
        assert wide.due_at == narrow.due_at
        assert wide.time_defaulted == narrow.time_defaulted
    else:
        assert wide == narrow


past_days = st.one_of(
    st.sampled_from(["昨天", "前天", "大前天", "上周", "上个月"]),
    st.builds(lambda w: f"上周{w}", st.sampled_from(WEEKDAYS_ZH)),
    st.builds(lambda n: f"{n}天前", st.integers(1, 400)),
)
past_moments = st.one_of(
    st.sampled_from(["刚才", "刚刚", "yesterday", "yesterday 3pm"]),
    st.builds(lambda n: f"{n}分钟前", st.integers(1, 600)),
    st.builds(lambda n: f"{n}小时前", st.integers(1, 48)),
    st.builds(lambda w: f"last {w}", st.sampled_from(WEEKDAYS_EN)),
)
past_phrases = st.one_of(
    st.builds(
        lambda day, clock: day + clock,
        past_days,
        st.sampled_from(["", "上午9点", "下午3点", " 23:59", "晚上11点", "早上7点"]),
    ),
    past_moments,
)


@PROPERTY
@given(text=past_phrases, now=nows, zone=zones)
def test_the_past_is_refused_as_past(text: str, now: datetime, zone: str) -> None:
    try:
        parse_when(text, now=now, zone=zone)
    except WhenError as exc:
        assert exc.reason == "past", text
        assert not isinstance(exc, InvalidDateError)
        return
    raise AssertionError(f"{text!r} was accepted at {now}")


@PROPERTY
@given(weekday=st.integers(0, 6), now=nows, zone=zones, hour=st.integers(0, 23))
def test_next_week_words_agree_in_both_languages(
    weekday: int, now: datetime, zone: str, hour: int
) -> None:
    chinese = parse_when(f"下周{WEEKDAYS_ZH[weekday]} {hour}:00", now=now, zone=zone)
    english = parse_when(f"next {WEEKDAYS_EN[weekday]} {hour}:00", now=now, zone=zone)
    assert chinese.due_at == english.due_at
    local_today = now.astimezone(chinese.local.tzinfo).date()
    monday = local_today - timedelta(days=local_today.weekday())
    assert chinese.local.date() == monday + timedelta(days=7 + weekday)


@PROPERTY
@given(now=nows, zone=zones, days_ahead=st.integers(1, 60))
def test_a_day_ahead_is_always_accepted(now: datetime, zone: str, days_ahead: int) -> None:
    when = parse_when(f"{days_ahead}天后", now=now, zone=zone)
    local_today = now.astimezone(when.local.tzinfo).date()
    assert when.local.date() == local_today + timedelta(days=days_ahead)
