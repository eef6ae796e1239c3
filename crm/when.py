"""Natural-language due times in Chinese or English, read in the staff member's time zone.

dateparser does the reading (relative words, English months, "in 2 hours", "5 minutes ago", the
zone). Its Chinese is spotty, so common Chinese forms (明天/昨天/周五/下周二/上午/下午/3点半/10:30/
3天后/3天前/2小时后/11月30日/月底/下个月5号 …) are first rewritten by a small normaliser into
"YYYY-MM-DD HH:MM" or "N minutes ago" phrases that dateparser reads reliably. Week and month
words are resolved here, the same way in both languages (see `_weekday` and `_month_phrase`).

Rules a user sees in the confirmation:
- only a day given → 09:30 local (DEFAULT_TIME);
- a bare hour 1–6 without 上午/下午 means the afternoon (「3点」 → 15:00): office hours;
- a time of day without a day → today if still ahead, else tomorrow;
- a month and day without a year → the next such day that exists (「2月29日」 → the next leap year);
  a day of the month alone → the next month that has it (「31号」 in November → 12月31日);
- a date or time that does not exist (2月30日, 13月, 25:00, 10:61) → InvalidDateError, saying which;
- anything at or before now (昨天, 5分钟前, 上周五, last Friday) → refused as past.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateparser.date import DateDataParser

from crm.errors import InvalidDateError, WhenError

__all__ = [
    "DEFAULT_TIME",
    "InvalidDateError",
    "When",
    "WhenError",
    "WhenWhat",
    "cn_number",
    "ensure_future",
    "parse_when",
    "split_when_what",
    "zone_of",
]

DEFAULT_TIME = time(9, 30)
MAX_ENGLISH_TOKENS = 6
ACCEPTED_PERIODS = ("time", "part_of_day", "day")
MID_MONTH = 15  # 「月中」

# Full-width ASCII (digits, colon, letters) and the ideographic space, one character for one, so
# offsets into the original text stay valid.
_FULLWIDTH = str.maketrans(
    {chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)} | {"\u3000": " "}
)
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6}
_CN_DIGITS |= {"七": 7, "八": 8, "九": 9}
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}
_WEEKDAYS |= {str(n): n - 1 for n in range(1, 8)}
_RELATIVE_DAYS = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2, "後天": 2, "大后天": 3}
_RELATIVE_DAYS |= {"昨天": -1, "昨日": -1, "前天": -2, "大前天": -3}
# 下/上/本 before 周 or 月 → weeks or months from the current one
_SHIFTS = {"下下": 2, "下": 1, "本": 0, "这": 0, "上": -1, "上上": -2}
_AGO = ("前", "以前", "之前")
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
_COMBOS = {
    "今早": (0, "早上"),
    "今晚": (0, "晚上"),
    "明早": (1, "早上"),
    "明晚": (1, "晚上"),
    "昨早": (-1, "早上"),
    "昨晚": (-1, "晚上"),
}

_NUM = r"(?:\d{1,4}|[零〇一二两三四五六七八九十]{1,3})"
_SHIFT = r"(?:下下|下|上上|上|本|这)个?"
_CHINESE = re.compile(
    rf"""
    \s*
    (?:
        (?P<dur>{_NUM}|半)\s*个?\s*(?P<unit>小时|钟头|分钟|分)\s*(?P<durdir>以后|之后|后|以前|之前|前)
      | (?P<justnow>刚才|刚刚|方才)
      | (?:
            (?P<combo>今早|今晚|明早|明晚|昨早|昨晚)
          | (?P<rel>大后天|大前天|今天|今日|明天|明日|后天|後天|昨天|昨日|前天)
          | (?P<wkmod>{_SHIFT})?(?:周|星期|礼拜)(?P<wd>[一二三四五六日天末1-7])
          | (?P<week>{_SHIFT})(?:周|星期|礼拜)
          | (?P<ndays>{_NUM})\s*天\s*(?P<ndir>以后|之后|后|以前|之前|前)
          | (?:(?P<year>\d{{4}})\s*年\s*)?(?P<month>{_NUM})\s*月\s*(?P<day>{_NUM})\s*[日号]?
          | (?P<mmod>{_SHIFT})\s*月\s*(?:(?P<mpos>初|中|底|末)|(?P<mday>{_NUM})\s*[日号])?
          | 月\s*(?P<mpos0>初|中|底|末)
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
_DAY_GROUPS = ("combo", "rel", "wd", "week", "ndays", "month", "mmod", "mpos0", "dom")

_EN_WEEKDAYS = {
    "mon": 0,
    "monday": 0,
    "tue": 1,
    "tues": 1,
    "tuesday": 1,
    "wed": 2,
    "weds": 2,
    "wednesday": 2,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "thursday": 3,
    "fri": 4,
    "friday": 4,
    "sat": 5,
    "saturday": 5,
    "sun": 6,
    "sunday": 6,
}
_EN_SHIFTS = {"next": 1, "last": -1, "this": 0}
_EN_WEEKDAY_WORDS = "|".join(sorted(_EN_WEEKDAYS, key=len, reverse=True))
_ENGLISH_DAY = re.compile(
    rf"""
    ^\s*(?:
        (?:(?P<wkmod>next|last|this|coming|on)\s+)?(?P<wd>{_EN_WEEKDAY_WORDS})\.?
      | (?P<week>next|last)\s+week(?:\s+(?:on\s+)?(?P<wwd>{_EN_WEEKDAY_WORDS})\.?)?
      | (?P<month>next|last)\s+month
      | (?:the\s+)?(?P<pos>end|beginning|start|middle)\s+of\s+(?:the\s+|this\s+)?(?P<pmod>next\s+)?month
    )(?![a-z])
    """,
    re.VERBOSE | re.IGNORECASE,
)
_ENGLISH_POS = {"end": "底", "beginning": "初", "start": "初", "middle": "中"}
_ENGLISH_CLOCK = re.compile(
    r"^(?:at\s+)?(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)?$", re.I
)
_TOKEN = re.compile(r"\S+")
_CLOCK_TOKEN = re.compile(r"(?<!\d)(?P<h>\d{1,2}):(?P<m>\d{2})(?!\d)")
_HAS_CJK = re.compile(r"[\u3400-\u9fff]")
_SEPARATORS = " \t\r\n,，、:：;；-—~～。."


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
    """The whole of text as a due time after now; WhenError if unreadable or past,
    InvalidDateError (a WhenError) if it names a date or time that does not exist."""
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
    """when, if it is after now; WhenError("past") otherwise."""
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
    if groups["justnow"]:  # 刚才: a moment that has just gone by
        return When(local_now.astimezone(UTC), local_now, False, phrase), end
    try:
        if groups["dur"]:
            hours = groups["unit"] in ("小时", "钟头")
            if groups["dur"] == "半":
                minutes = 30 if hours else 0
            else:
                minutes = cn_number(groups["dur"]) * (60 if hours else 1)
            if minutes <= 0:
                return None
            relative = (
                f"{minutes} minutes ago" if groups["durdir"] in _AGO else f"in {minutes} minutes"
            )
            when = _dateparser(relative, local_now, phrase)
            return (when, end) if when else None
        canonical, defaulted = _canonical_chinese(groups, local_now)
    except (KeyError, ValueError, OverflowError):
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
    has_day = any(groups[k] for k in _DAY_GROUPS)
    if not has_day and clock is None and part is None:
        raise ValueError("nothing to read")
    at = clock or (_PARTS[part][1] if part else DEFAULT_TIME)
    today = local_now.date()
    if groups["rel"]:
        day_offset = _RELATIVE_DAYS[groups["rel"]]
    if groups["ndays"]:
        days = cn_number(groups["ndays"])
        day_offset = -days if groups["ndir"] in _AGO else days
    day: date | None = None
    if day_offset is not None:
        day = today + timedelta(days=day_offset)
    elif groups["wd"]:
        shift = _shift(groups["wkmod"])
        day = _weekday(shift, _WEEKDAYS[groups["wd"]], at, local_now)
    elif groups["week"]:
        day = _weekday(_shift(groups["week"]), 0, at, local_now)  # 下周 alone: its Monday
    elif groups["month"]:
        day = _month_day(groups["year"], groups["month"], groups["day"] or "", today)
    elif groups["mmod"] or groups["mpos0"]:
        mday = cn_number(groups["mday"]) if groups["mday"] else None
        position = groups["mpos"] or groups["mpos0"]
        day = _month_phrase(_shift(groups["mmod"]), position, mday, at, local_now)
    elif groups["dom"]:
        day = _day_of_month(cn_number(groups["dom"]), today)
    elif at <= local_now.time().replace(tzinfo=None):
        day = today + timedelta(days=1)  # a time of day alone: the next one
    else:
        day = today
    return f"{day.isoformat()} {at.strftime('%H:%M')}", clock is None and part is None


def _shift(modifier: str | None) -> int | None:
    """下下周 → 2, 下个月 → 1, 本周/这个月 → 0, 上周 → -1; None without a modifier."""
    if not modifier:
        return None
    return _SHIFTS[modifier.rstrip("个")]


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
    _check_clock(hour, minute)
    meridiem = _PARTS[part][0] if part else None
    if (meridiem == "pm" and hour < 12) or (meridiem == "noon" and 1 <= hour <= 3):
        hour += 12
    elif meridiem is None and groups["hour"] and 1 <= hour <= 6:
        hour += 12  # 「3点」 during office hours means 15:00
    return time(hour, minute)


def _check_clock(hour: int, minute: int) -> None:
    """InvalidDateError for an hour past 23 or a minute past 59 (as typed)."""
    if hour > 23:
        raise InvalidDateError("hour", hour=hour)
    if minute > 59:
        raise InvalidDateError("minute", minute=minute)


def _weekday(shift: int | None, weekday: int, at: time, local_now: datetime) -> date:
    """The day of a week word; Chinese and English read alike (weeks start on Monday).

    - 周五 / 星期五 / "Friday" / "this Friday" / "on Friday" → the coming Friday: today if `at`
      is still ahead today, else the next one (at most 7 days away);
    - 下周五 / "next Friday" → the Friday of next calendar week (8–13 days from a Saturday, 4 from
      a Monday); 下下周五 → the week after; 下周 alone → next week's Monday;
    - 本周五 / 这周五 → the Friday of this calendar week, even if gone (then refused as past);
    - 上周五 / "last Friday" → the Friday of last calendar week (past: refused).
    """
    today = local_now.date()
    if shift is not None:
        monday = today - timedelta(days=today.weekday())
        return monday + timedelta(days=7 * shift + weekday)
    day = today + timedelta(days=(weekday - today.weekday()) % 7)
    if day == today and at <= local_now.time().replace(tzinfo=None):
        day += timedelta(days=7)
    return day


def _month_phrase(
    shift: int | None, position: str | None, mday: int | None, at: time, local_now: datetime
) -> date:
    """A month word: 月初 (the 1st), 月中 (the 15th), 月底/月末 (the last calendar day, not the
    last trading day), 下个月5号, or 下个月 alone (the same day next month, or its last day).

    Without 本/下/上 (「月底」, "end of month") it is the coming one: this month's while still
    ahead, else next month's. With it, the month it names: 本月底 may be refused as past.
    """
    today = local_now.date()
    if shift is None:
        for months_ahead in (0, 1):
            day = _day_in_month(today, months_ahead, position, None)
            if datetime.combine(day, at) > local_now.replace(tzinfo=None):
                return day
        return day
    if position is None and mday is None:
        if shift == 0:
            raise ValueError("本月 alone names no day")
        year, month = _add_months(today, shift)
        return date(year, month, min(today.day, calendar.monthrange(year, month)[1]))
    return _day_in_month(today, shift, position, mday)


def _day_in_month(today: date, months_ahead: int, position: str | None, mday: int | None) -> date:
    year, month = _add_months(today, months_ahead)
    last = calendar.monthrange(year, month)[1]
    if mday is not None:
        _check_day(year, month, mday)
        return date(year, month, mday)
    return date(year, month, {"初": 1, "中": MID_MONTH}.get(position or "", last))


def _add_months(today: date, months: int) -> tuple[int, int]:
    index = today.year * 12 + today.month - 1 + months
    return index // 12, index % 12 + 1


def _check_day(year: int | None, month: int, day: int) -> None:
    """InvalidDateError unless the day exists in that month (of that year, if given)."""
    if not 1 <= month <= 12:
        raise InvalidDateError("month", month=month)
    longest = calendar.monthrange(2000, month)[1]  # 2000 is a leap year
    if not 1 <= day <= longest:
        raise InvalidDateError("day", month=month, day=day)
    if year is not None and day > calendar.monthrange(year, month)[1]:
        raise InvalidDateError("day_in_year", year=year, month=month, day=day)


def _month_day(year_text: str | None, month_text: str, day_text: str, today: date) -> date:
    """「11月30日」: that year's if a year is given, else the next such day that exists."""
    month, day_number = cn_number(month_text), cn_number(day_text)
    if year_text:
        year = int(year_text)
        if year < 1:
            raise ValueError("no year 0")
        _check_day(year, month, day_number)
        return date(year, month, day_number)
    _check_day(None, month, day_number)
    for year in range(today.year, today.year + 9):  # a 29 February is at most 8 years away
        if day_number <= calendar.monthrange(year, month)[1]:
            candidate = date(year, month, day_number)
            if candidate >= today:
                return candidate
    raise ValueError("no such day ahead")  # pragma: no cover - _check_day rules this out


def _day_of_month(day_number: int, today: date) -> date:
    """「30号」: this month's if not before today, else the next month that has that day."""
    if not 1 <= day_number <= 31:
        raise InvalidDateError("day_of_month", day=day_number)
    for months_ahead in range(13):
        year, month = _add_months(today, months_ahead)
        if day_number <= calendar.monthrange(year, month)[1]:
            candidate = date(year, month, day_number)
            if candidate >= today:
                return candidate
    raise ValueError("no such day ahead")  # pragma: no cover - every year has a 31st


def _read_english(text: str, local_now: datetime) -> tuple[When, int] | None:
    tokens = list(_TOKEN.finditer(text))[:MAX_ENGLISH_TOKENS]
    for count in range(len(tokens), 0, -1):
        end = tokens[count - 1].end()
        candidate = text[:end]
        if _HAS_CJK.search(candidate) or candidate.strip(_SEPARATORS).isdigit():
            continue  # dateparser reads a bare "10" as a month
        if _ENGLISH_DAY.match(candidate):  # week and month words: our rules, never dateparser's
            when = _english_day(candidate, local_now)
        else:
            when = _english_clock(candidate, local_now) or _dateparser(
                candidate, local_now, candidate
            )
        if when is not None:
            # dateparser drops an impossible "25:00" silently, or stops before it: say why
            upto = tokens[count].end() if count < len(tokens) else end
            for clock in _CLOCK_TOKEN.finditer(text[:upto]):
                _check_clock(int(clock["h"]), int(clock["m"]))
            return when, end
    return None


def _english_day(text: str, local_now: datetime) -> When | None:
    """Week and month words read by the same rules as Chinese (`_weekday`, `_month_phrase`):
    "next Friday 3pm" is 下周五下午3点, "end of month" is 月底, "next week" is 下周."""
    match = _ENGLISH_DAY.match(text)
    if match is None:
        return None
    rest = text[match.end() :].strip(_SEPARATORS)
    at: time | None = None
    if rest:
        at = _english_time_of_day(rest, local_now)
        if at is None:
            return None
    start = at or DEFAULT_TIME
    if match["wd"]:
        modifier = (match["wkmod"] or "").lower()
        shift = _EN_SHIFTS.get(modifier) if modifier != "this" else None  # "this X": coming X
        day = _weekday(shift, _EN_WEEKDAYS[match["wd"].lower()], start, local_now)
    elif match["week"]:  # "next week" alone: its Monday
        weekday = _EN_WEEKDAYS[match["wwd"].lower()] if match["wwd"] else 0
        day = _weekday(_EN_SHIFTS[match["week"].lower()], weekday, start, local_now)
    elif match["month"]:
        day = _month_phrase(_EN_SHIFTS[match["month"].lower()], None, None, start, local_now)
    else:
        position = _ENGLISH_POS[match["pos"].lower()]
        shift = 1 if match["pmod"] else None
        day = _month_phrase(shift, position, None, start, local_now)
    when = _dateparser(f"{day.isoformat()} {start.strftime('%H:%M')}", local_now, text)
    if when is None:
        return None  # pragma: no cover - an ISO date and time always reads
    return When(when.due_at, when.local, at is None, text.strip())


def _english_time_of_day(text: str, local_now: datetime) -> time | None:
    """ "3pm", "at 9:30", "noon", "afternoon" → the clock time; None if text is not just a time
    of day (dateparser reads it after a fixed date, which it must keep)."""
    clock = _english_clock_time(text)
    if clock is not None:
        return clock
    today = local_now.date()
    data = _parser(local_now).get_date_data(f"{today.isoformat()} {text}")
    if data.date_obj is None or data.period not in ("time", "part_of_day"):
        return None
    local = data.date_obj.astimezone(local_now.tzinfo)
    return local.time().replace(tzinfo=None) if local.date() == today else None


def _english_clock_time(text: str) -> time | None:
    """ "3pm", "at 9:30" → the time (InvalidDateError for "25:00"); None if not a clock time."""
    match = _ENGLISH_CLOCK.match(text.strip())
    if match is None or not (match["m"] or match["ampm"]):
        return None
    hour, minute = int(match["h"]), int(match["m"] or 0)
    ampm = (match["ampm"] or "").lower().replace(".", "")
    if ampm and not 1 <= hour <= 12:
        return None  # "13pm", "0am": not a clock time
    if not ampm:
        _check_clock(hour, minute)
    elif minute > 59:
        raise InvalidDateError("minute", minute=minute)
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    return time(hour, minute)


def _english_clock(text: str, local_now: datetime) -> When | None:
    """ "3pm", "at 9:30": today if still ahead, else tomorrow (dateparser says always tomorrow)."""
    at = _english_clock_time(text)
    if at is None:
        return None
    day = local_now.date()
    if at <= local_now.time().replace(tzinfo=None):
        day += timedelta(days=1)
    return _dateparser(f"{day.isoformat()} {at.strftime('%H:%M')}", local_now, text.strip())


def _parser(local_now: datetime) -> DateDataParser:
    tz = local_now.tzinfo
    assert isinstance(tz, ZoneInfo)
    return DateDataParser(
        languages=["en"],
        settings={
            "PREFER_DATES_FROM": "future",
            "RELATIVE_BASE": local_now.replace(tzinfo=None),
            "TIMEZONE": tz.key,
            "RETURN_AS_TIMEZONE_AWARE": True,
            "RETURN_TIME_AS_PERIOD": True,
        },
    )


def _dateparser(text: str, local_now: datetime, phrase: str) -> When | None:
    """dateparser in the zone of local_now, relative to it; None unless a day or time is read."""
    tz = local_now.tzinfo
    assert isinstance(tz, ZoneInfo)
    try:
        data = _parser(local_now).get_date_data(text)
    except (ValueError, OverflowError):  # e.g. "in 99999 minutes" beyond the calendar
        return None
    if data.date_obj is None or data.period not in ACCEPTED_PERIODS:
        return None
    local = data.date_obj.astimezone(tz)
    defaulted = data.period == "day"
    if defaulted:
        local = datetime.combine(local.date(), DEFAULT_TIME, tzinfo=tz)
    return When(local.astimezone(UTC), local, defaulted, phrase.strip())
