"""Natural-language due times in Chinese or English, read in the staff member's time zone.

dateparser does the reading (relative words, English weekdays and months, the zone). Its Chinese
is spotty, so common Chinese forms (明天/后天/周五/下周二/上午/下午/3点半/10:30/3天后/2小时后/
11月30日 …) are first rewritten by a small normaliser into phrases dateparser reads reliably.
Chinese week words are resolved here because their meaning differs from English "next Tue":
「下周二」 is Tuesday of next week, 「周五」 is the coming Friday (today if still ahead).

Rules a user sees in the confirmation:
- only a day given → 09:30 local (DEFAULT_TIME);
- a bare hour 1–6 without 上午/下午 means the afternoon (「3点」 → 15:00): office hours;
- a time of day without a day → today if still ahead, else tomorrow;
- anything at or before now → refused ("that time has passed").
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateparser.date import DateDataParser

from crm.errors import UsageError

DEFAULT_TIME = time(9, 30)
MAX_ENGLISH_TOKENS = 6
ACCEPTED_PERIODS = ("time", "part_of_day", "day")

_FULLWIDTH = str.maketrans("０１２３４５６７８９：", "0123456789:")
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6}
_CN_DIGITS |= {"七": 7, "八": 8, "九": 9}
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}
_WEEKDAYS |= {str(n): n - 1 for n in range(1, 8)}
_RELATIVE_DAYS = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2, "後天": 2, "大后天": 3}
# part of day → (am/pm/noon, default time when no clock time follows)
_PARTS = {
    "凌晨": ("am", time(6, 0)),
    "清晨": ("am", time(7, 0)),
    "早晨": ("am", time(8, 0)),
    "早上": ("am", time(8, 0)),
    "上午": ("am", DEFAULT_TIME),
    "早": ("am", time(8, 0)),
    "中午": ("noon", time(12, 0)),
    "午后": ("pm", time(14, 0)),
    "下午": ("pm", time(15, 0)),
    "傍晚": ("pm", time(18, 0)),
    "晚上": ("pm", time(20, 0)),
    "夜里": ("pm", time(21, 0)),
}
_COMBOS = {"今早": (0, "早上"), "今晚": (0, "晚上"), "明早": (1, "早上"), "明晚": (1, "晚上")}

_NUM = r"(?:\d{1,4}|[零〇一二两三四五六七八九十]{1,3})"
_CHINESE = re.compile(
    rf"""
    \s*
    (?:
        (?P<dur>{_NUM}|半)\s*个?\s*(?P<unit>小时|钟头|分钟|分)\s*(?:后|以后|之后)
      | (?:
            (?P<combo>今早|今晚|明早|明晚)
          | (?P<rel>大后天|今天|今日|明天|明日|后天|後天)
          | (?P<wkmod>下下个?|下个?|本|这个?)?(?:周|星期|礼拜)(?P<wd>[一二三四五六日天末1-7])
          | (?P<ndays>{_NUM})\s*天\s*(?:后|以后|之后)
          | (?:(?P<year>\d{{4}})\s*年\s*)?(?P<month>{_NUM})\s*月\s*(?P<day>{_NUM})\s*[日号]?
          | (?P<dom>{_NUM})\s*[日号]
        )?
        \s*
        (?P<part>凌晨|清晨|早晨|早上|上午|中午|午后|下午|傍晚|晚上|夜里|早(?=\s*{_NUM}))?
        \s*
        (?:
            (?P<hour>{_NUM})\s*[点點时]\s*(?:(?P<half>半)|(?P<quarter>一刻|三刻)|(?P<minute>{_NUM})\s*分?|整)?
          | (?P<hh>\d{{1,2}}):(?P<mm>\d{{2}})
        )?
    )
    """,
    re.VERBOSE,
)
_ENGLISH_CLOCK = re.compile(
    r"^(?:at\s+)?(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)?$", re.I
)
_TOKEN = re.compile(r"\S+")
_HAS_CJK = re.compile(r"[\u3400-\u9fff]")
_SEPARATORS = " \t\r\n,，、:：;；-—~～。."


class WhenError(UsageError):
    """A due-time phrase that cannot be used; reason is unparseable, past, or no_task."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class When:
    """A resolved due time."""

    due_at: datetime  # aware, UTC
    local: datetime  # the same instant in the staff member's zone
    time_defaulted: bool  # only a day was given: DEFAULT_TIME assumed
    phrase: str  # the words read as the time


@dataclass(frozen=True)
class WhenWhat:
    """A message split into its leading due time and the task text after it."""

    when: When
    what: str


def zone_of(name: str) -> ZoneInfo:
    """The staff member's zone; an unknown name falls back to Asia/Shanghai."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Asia/Shanghai")


def cn_number(text: str) -> int:
    """Arabic or Chinese numerals up to 9999 (「十一」, 「二十」, 「两」, 「2026」)."""
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    value = 0
    for ch in text:
        value = value * 10 + _CN_DIGITS[ch]
    return value


# ------------------------------------------------------------------------------------ parsing


def parse_when(text: str, *, now: datetime, zone: str) -> When:
    """The whole of text as a due time after now; WhenError if unreadable or past."""
    cleaned = text.strip()
    found = _read_prefix(cleaned, now=now, zone=zone)
    if found is None or cleaned[found[1] :].strip(_SEPARATORS):
        raise WhenError("unparseable")
    return ensure_future(found[0], now)


def split_when_what(text: str, *, now: datetime, zone: str) -> WhenWhat:
    """`<when> <what>`: the longest leading due-time phrase, the rest is the task.

    Does not refuse past times (see ensure_future): the split must not depend on the clock, so
    the same request text splits the same way when it is confirmed later.
    """
    cleaned = text.strip()
    found = _read_prefix(cleaned, now=now, zone=zone)
    if found is None:
        raise WhenError("unparseable")
    when, end = found
    what = cleaned[end:].strip(_SEPARATORS)
    if not what:
        raise WhenError("no_task")
    return WhenWhat(when=when, what=what)


def ensure_future(when: When, now: datetime) -> When:
    if when.due_at <= now:
        raise WhenError("past")
    return when


def _read_prefix(text: str, *, now: datetime, zone: str) -> tuple[When, int] | None:
    """(When, end offset of the phrase) for the leading due-time phrase, or None."""
    tz = zone_of(zone)
    local_now = now.astimezone(tz)
    folded = text.translate(_FULLWIDTH)  # 1:1 characters, so offsets stay valid
    chinese = _read_chinese(folded, local_now)
    if chinese is not None:
        return chinese
    return _read_english(folded, local_now)


def _read_chinese(text: str, local_now: datetime) -> tuple[When, int] | None:
    match = _CHINESE.match(text)
    if match is None or not match.group(0).strip():
        return None
    groups = match.groupdict()
    end = match.end()
    phrase = text[:end].strip()
    try:
        if groups["dur"]:
            hours = groups["unit"] in ("小时", "钟头")
            if groups["dur"] == "半":
                minutes = 30 if hours else 0
            else:
                minutes = cn_number(groups["dur"]) * (60 if hours else 1)
            if minutes <= 0:
                return None
            when = _dateparser(f"in {minutes} minutes", local_now, phrase)
            return (when, end) if when else None
        canonical, defaulted = _canonical_chinese(groups, local_now)
    except (KeyError, ValueError):
        raise WhenError("unparseable") from None
    when = _dateparser(canonical, local_now, phrase)
    if when is None:
        raise WhenError("unparseable")
    return When(when.due_at, when.local, defaulted, phrase), end


def _canonical_chinese(groups: dict[str, str | None], local_now: datetime) -> tuple[str, bool]:
    """Rewrite the matched groups as "<day> HH:MM" that dateparser reads; (phrase, defaulted)."""
    part = groups["part"]
    day_offset: int | None = None
    if groups["combo"]:
        day_offset, part = _COMBOS[groups["combo"]]
    clock = _clock(groups, part)
    has_day = any(groups[k] for k in ("combo", "rel", "wd", "ndays", "month", "dom"))
    if not has_day and clock is None and part is None:
        raise ValueError("nothing to read")
    at = clock or (_PARTS[part][1] if part else DEFAULT_TIME)
    today = local_now.date()
    if groups["rel"]:
        day_offset = _RELATIVE_DAYS[groups["rel"]]
    if groups["ndays"]:
        day_offset = cn_number(groups["ndays"])
    day: date | None = None
    if day_offset is not None:
        day = today + timedelta(days=day_offset)
    elif groups["wd"]:
        day = _weekday(groups["wkmod"] or "", _WEEKDAYS[groups["wd"]], at, local_now)
    elif groups["month"]:
        day = _month_day(groups, today)
    elif groups["dom"]:
        day = _day_of_month(cn_number(groups["dom"]), today)
    elif at <= local_now.time().replace(tzinfo=None):
        day = today + timedelta(days=1)  # a time of day alone: the next one
    else:
        day = today
    return f"{day.isoformat()} {at.strftime('%H:%M')}", clock is None and part is None


def _clock(groups: dict[str, str | None], part: str | None) -> time | None:
    if groups["hh"]:
        hour, minute = int(groups["hh"]), int(groups["mm"] or 0)
    elif groups["hour"]:
        hour = cn_number(groups["hour"])
        minute = 0
        if groups["half"]:
            minute = 30
        elif groups["quarter"]:
            minute = 15 if groups["quarter"] == "一刻" else 45
        elif groups["minute"]:
            minute = cn_number(groups["minute"])
    else:
        return None
    meridiem = _PARTS[part][0] if part else None
    if (meridiem == "pm" and hour < 12) or (meridiem == "noon" and 1 <= hour <= 3):
        hour += 12
    elif meridiem is None and groups["hour"] and 1 <= hour <= 6:
        hour += 12  # 「3点」 during office hours means 15:00
    return time(hour, minute)  # ValueError beyond 23:59


def _weekday(modifier: str, weekday: int, at: time, local_now: datetime) -> date:
    today = local_now.date()
    monday = today - timedelta(days=today.weekday())
    if modifier.startswith("下下"):
        return monday + timedelta(days=14 + weekday)
    if modifier.startswith("下"):
        return monday + timedelta(days=7 + weekday)
    if modifier:  # 本周/这周: this calendar week, even if already past (then refused)
        return monday + timedelta(days=weekday)
    day = today + timedelta(days=(weekday - today.weekday()) % 7)
    if day == today and at <= local_now.time().replace(tzinfo=None):
        day += timedelta(days=7)
    return day


def _month_day(groups: dict[str, str | None], today: date) -> date:
    month, day_number = cn_number(groups["month"] or ""), cn_number(groups["day"] or "")
    if groups["year"]:
        return date(int(groups["year"]), month, day_number)
    candidate = date(today.year, month, day_number)
    return candidate if candidate >= today else date(today.year + 1, month, day_number)


def _day_of_month(day_number: int, today: date) -> date:
    year, month = today.year, today.month
    if day_number < today.day:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    if not 1 <= day_number <= calendar.monthrange(year, month)[1]:
        raise ValueError("no such day")
    return date(year, month, day_number)


def _read_english(text: str, local_now: datetime) -> tuple[When, int] | None:
    tokens = list(_TOKEN.finditer(text))[:MAX_ENGLISH_TOKENS]
    for count in range(len(tokens), 0, -1):
        end = tokens[count - 1].end()
        candidate = text[:end]
        if _HAS_CJK.search(candidate) or candidate.strip(_SEPARATORS).isdigit():
            continue  # dateparser reads a bare "10" as a month
        when = _english_clock(candidate, local_now) or _dateparser(candidate, local_now, candidate)
        if when is not None:
            return when, end
    return None


def _english_clock(text: str, local_now: datetime) -> When | None:
    """ "3pm", "at 9:30": today if still ahead, else tomorrow (dateparser says always tomorrow)."""
    match = _ENGLISH_CLOCK.match(text.strip())
    if match is None or not (match["m"] or match["ampm"]):
        return None
    hour, minute = int(match["h"]), int(match["m"] or 0)
    ampm = (match["ampm"] or "").lower().replace(".", "")
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return None
    at = time(hour, minute)
    day = local_now.date()
    if at <= local_now.time().replace(tzinfo=None):
        day += timedelta(days=1)
    return _dateparser(f"{day.isoformat()} {at.strftime('%H:%M')}", local_now, text.strip())


def _dateparser(text: str, local_now: datetime, phrase: str) -> When | None:
    """dateparser in the zone of local_now, relative to it; None unless a day or time is read."""
    tz = local_now.tzinfo
    assert isinstance(tz, ZoneInfo)
    parser = DateDataParser(
        languages=["en"],
        settings={
            "PREFER_DATES_FROM": "future",
            "RELATIVE_BASE": local_now.replace(tzinfo=None),
            "TIMEZONE": tz.key,
            "RETURN_AS_TIMEZONE_AWARE": True,
            "RETURN_TIME_AS_PERIOD": True,
        },
    )
    data = parser.get_date_data(text)
    if data.date_obj is None or data.period not in ACCEPTED_PERIODS:
        return None
    local = data.date_obj.astimezone(tz)
    defaulted = data.period == "day"
    if defaulted:
        local = datetime.combine(local.date(), DEFAULT_TIME, tzinfo=tz)
    return When(local.astimezone(UTC), local, defaulted, phrase.strip())
