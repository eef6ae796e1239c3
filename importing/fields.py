"""Pure parsers for CSV cells: each takes the raw cell text and returns a clean value or raises
FieldError with a short English reason.

Reasons never repeat phone or ID numbers, names or birthdays: reports end up in terminals,
logs and chats. Numbers, dates, codes and enumerations are echoed (shortened) to help fix them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime, time, tzinfo
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MAX_MAGNITUDE = Decimal(10) ** 15
MIN_YEAR, MAX_YEAR = 1900, 2100
MAX_BIGINT = 2**63 - 1


class FieldError(ValueError):
    """A cell that cannot be accepted; `reason` is a short English phrase."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def nfkc(raw: str) -> str:
    """Full-width digits, letters and punctuation to their ASCII forms ("１２３．５" → "123.5")."""
    return raw if raw.isascii() else unicodedata.normalize("NFKC", raw)


def shorten(value: str, limit: int = 24) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


# --- text -----------------------------------------------------------------------------------

_INVISIBLE = frozenset({"Cc", "Cf", "Co", "Cs", "Cn"})


def clean_field(raw: str, *, max_length: int | None, multiline: bool = False) -> str:
    """A CSV field (not free user text, see storage/text.py): strip, drop zero-width and control
    characters, collapse whitespace; check the length.

    Single-line fields (names, titles) fold newlines into spaces; multi-line ones (summaries)
    keep line breaks and tabs.
    """
    if raw.isprintable():
        text = raw.strip()
    elif multiline:
        raw = raw.replace("\r\n", "\n").replace("\r", "\n")
        kept = "".join(
            ch for ch in raw if ch in "\n\t" or unicodedata.category(ch) not in _INVISIBLE
        )
        text = "\n".join(" ".join(line.split()) for line in kept.split("\n")).strip()
    else:
        kept = "".join(
            ch if not ch.isspace() else " "
            for ch in raw
            if ch.isspace() or unicodedata.category(ch) not in _INVISIBLE
        )
        text = " ".join(kept.split())
    if not text:
        raise FieldError("contains only invisible characters")
    if max_length is not None and len(text) > max_length:
        raise FieldError(f"longer than {max_length} characters")
    return text


def parse_code(raw: str, *, max_length: int, upper: bool = False) -> str:
    """An identifier or symbol: no spaces or control characters inside."""
    text = nfkc(raw).strip()
    if upper:
        text = text.upper()
    if not text.isprintable() or " " in text:
        raise FieldError("must not contain spaces or control characters")
    if len(text) > max_length:
        raise FieldError(f"longer than {max_length} characters")
    return text


ID_CHARACTERS = "ASCII letters, digits, '-', '_' and '.'"
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")


def parse_id(raw: str, *, max_length: int) -> str:
    """An id (staff, client, trade, event, ticket): 1–max_length ASCII letters, digits, '-', '_'
    or '.', starting with a letter or digit. Ids travel in button data (64 bytes) and commands,
    so ':', spaces and non-ASCII characters are refused here rather than breaking a button."""
    text = nfkc(raw).strip()
    if len(text) > max_length:
        raise FieldError(f"id longer than {max_length} characters")
    if _ID.fullmatch(text) is None:
        bad = next((ch for ch in text if not (ch.isascii() and (ch.isalnum() or ch in "_.-"))), "")
        what = f"contains {_shown_char(bad)}" if bad else f"starts with {_shown_char(text[0])}"
        raise FieldError(
            f"not a valid id: {what} (use 1–{max_length} {ID_CHARACTERS},"
            " starting with a letter or digit)"
        )
    return text


def _shown_char(ch: str) -> str:
    """A character named so a terminal shows it (spaces and invisibles as U+XXXX)."""
    return f"{ch!r}" if ch.isprintable() and not ch.isspace() else f"U+{ord(ch):04X}"


# --- numbers --------------------------------------------------------------------------------

_PLAIN_NUMBER = re.compile(r"\d{1,16}(?:\.\d{1,2})?")
_NUMBER = re.compile(r"([+-]?)(\d+|\d{1,3}(?:,\d{3})+)(?:\.(\d*))?")
_NON_FINITE = frozenset({"nan", "snan", "inf", "infinity"})
_SCIENTIFIC = re.compile(r"[+-]?\d+(?:\.\d*)?[eE][+-]?\d+")


def parse_decimal(raw: str, *, places: int = 2, positive: bool = False) -> Decimal:
    """A non-negative amount with at most `places` decimals and at most 10^15.

    Accepts thousands separators ("1,234.50") and full-width forms; refuses NaN, infinities,
    negatives, scientific notation and extra decimals (no silent rounding).
    """
    text = raw.strip() if raw.isascii() else unicodedata.normalize("NFKC", raw).strip()
    if places >= 2 and _PLAIN_NUMBER.fullmatch(text):  # the common case, kept cheap
        value = Decimal(text)
    else:
        value = _parse_general_decimal(text, places)
    if value > MAX_MAGNITUDE:
        raise FieldError("too large (more than 10^15)")
    if positive and not value:
        raise FieldError("must be greater than zero")
    return value


def _parse_general_decimal(text: str, places: int) -> Decimal:
    match = _NUMBER.fullmatch(text)
    if match is None:
        if text.lower().lstrip("+-") in _NON_FINITE:
            raise FieldError("not a finite number")
        if _SCIENTIFIC.fullmatch(text):
            raise FieldError(f"scientific notation not accepted: {shorten(text)!r}")
        raise FieldError(f"not a number: {shorten(text)!r}")
    sign, whole, fraction = match.groups()
    fraction = (fraction or "").rstrip("0")
    if len(fraction) > places:
        raise FieldError(f"more than {places} decimal places: {shorten(text)!r}")
    value = Decimal(f"{whole.replace(',', '')}.{fraction or '0'}")
    if sign == "-" and value:
        raise FieldError("must not be negative")
    return abs(value)


def parse_positive_int(raw: str, *, maximum: int = MAX_BIGINT) -> int:
    """A whole number > 0 (Telegram user ids)."""
    text = nfkc(raw).strip()
    if _SCIENTIFIC.fullmatch(text):
        raise FieldError("scientific notation not accepted: format the column as text")
    if not (text.isascii() and text.isdigit()):
        raise FieldError(f"must be a positive whole number: {shorten(text)!r}")
    value = int(text)
    if value <= 0:
        raise FieldError("must be a positive whole number")
    if value > maximum:
        raise FieldError("too large")
    return value


# --- dates and times ------------------------------------------------------------------------

_DATE = re.compile(r"(\d{4})([-/])(\d{1,2})\2(\d{1,2})|(\d{4})(\d{2})(\d{2})")


def parse_date(raw: str, *, echo: bool = True) -> date:
    """YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD; impossible dates are refused with the reason."""
    text = nfkc(raw).strip()
    if len(text) == 10 and text[4] == "-":
        try:
            value = date.fromisoformat(text)
        except ValueError:
            pass
        else:
            _check_year(value.year)
            return value
    match = _DATE.fullmatch(text)
    if match is None:
        shown = f": {shorten(text)!r}" if echo else ""
        raise FieldError(f"not a date (expected YYYY-MM-DD){shown}")
    groups = match.groups()
    year, month, day = (
        (int(groups[0]), int(groups[2]), int(groups[3]))
        if groups[0] is not None
        else (int(groups[4]), int(groups[5]), int(groups[6]))
    )
    shown = f" {year:04d}-{month:02d}-{day:02d}" if echo else ""
    if not 1 <= month <= 12:
        raise FieldError(f"no such date{shown}: month must be 1–12")
    try:
        value = date(year, month, day)
    except ValueError:
        raise FieldError(f"no such date{shown}: day out of range for the month") from None
    _check_year(value.year)
    return value


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise FieldError(f"date out of range ({MIN_YEAR}–{MAX_YEAR})")


def parse_datetime(raw: str, *, default_tz: tzinfo) -> datetime:
    """ISO 8601 date-time; a value without offset is read in default_tz. Returns aware."""
    text = nfkc(raw).strip()
    if len(text) >= 10 and text[4] == "/" and text[7] == "/":
        text = text[:10].replace("/", "-") + text[10:]
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise FieldError(
            f"not an ISO 8601 date-time (expected YYYY-MM-DDTHH:MM[:SS][+08:00]): "
            f"{shorten(text, 32)!r}"
        ) from None
    _check_year(value.year)
    if value.tzinfo is None:
        value = value.replace(tzinfo=default_tz)
    return value


_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")


def parse_clock(raw: str) -> time:
    """HH:MM on a 24-hour clock."""
    text = nfkc(raw).strip()
    match = _CLOCK.fullmatch(text)
    if match is None or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise FieldError(f"not a time (expected HH:MM, 24-hour): {shorten(text)!r}")
    return time(int(match.group(1)), int(match.group(2)))


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    """The IANA time zone `name`, or FieldError."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise FieldError(
            f"unknown time zone {shorten(name, 40)!r} (expected an IANA name such as Asia/Shanghai)"
        ) from None


def parse_timezone(raw: str) -> str:
    text = nfkc(raw).strip()
    if not text.isprintable() or " " in text or len(text) > 64:
        raise FieldError("unknown time zone (expected an IANA name such as Asia/Shanghai)")
    return zone(text).key


# --- enumerations ---------------------------------------------------------------------------


def parse_choice(raw: str, choices: Sequence[str]) -> str:
    """Case-insensitive match against `choices`; returns the canonical spelling."""
    text = nfkc(raw).strip().lower()
    for choice in choices:
        if choice.lower() == text:
            return choice
    raise FieldError(f"{shorten(text)!r} is not one of: {', '.join(choices)}")


# --- personal data (never echoed) -----------------------------------------------------------

_PHONE_ALLOWED = re.compile(r"[\d\s()+\-]+")
_PHONE_SEPARATORS = re.compile(r"[\s()\-]")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0[1-9]\d{8,10}")


def parse_phone(raw: str) -> str:
    """A mainland mobile (11 digits) or landline (area code + number); returns the digits."""
    text = nfkc(raw).strip()
    if not _PHONE_ALLOWED.fullmatch(text) or text.count("+") > 1 or "+" in text[1:]:
        raise FieldError("phone number may contain only digits, spaces, dashes and a +86 prefix")
    digits = _PHONE_SEPARATORS.sub("", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("+"):
        raise FieldError("only mainland numbers (+86) are accepted")
    if _MOBILE.fullmatch(digits) or _LANDLINE.fullmatch(digits):
        return digits
    if text.startswith(("+86", "0086")) and _LANDLINE.fullmatch("0" + digits):
        return "0" + digits
    raise FieldError("not a mainland mobile (11 digits) or landline number")


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of an 18-character PRC resident ID."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def parse_id_number(raw: str) -> str:
    """An 18-character PRC resident ID (valid check digit) or an old 15-digit one."""
    text = nfkc(raw).strip().upper()
    if len(text) == 18:
        body, last = text[:17], text[17]
        if not (body.isascii() and body.isdigit() and (last.isdigit() or last == "X")):
            raise FieldError("ID number must be 17 digits followed by a digit or X")
        _check_id_birth(text[6:14])
        if id_check_digit(body) != last:
            raise FieldError("invalid ID number check digit")
        return text
    if len(text) == 15:
        if not (text.isascii() and text.isdigit()):
            raise FieldError("15-character ID number must be all digits")
        _check_id_birth("19" + text[6:12])
        return text
    raise FieldError("ID number must have 18 characters (or 15 digits in the old format)")


def _check_id_birth(yyyymmdd: str) -> None:
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
    except ValueError:
        raise FieldError("ID number contains an impossible birth date") from None
    if born.year < MIN_YEAR:
        raise FieldError("ID number contains an impossible birth date")


_URL = re.compile(r"https?://[^\s/?#]+[^\s]*", re.IGNORECASE)


def parse_url(raw: str, *, max_length: int) -> str:
    text = raw.strip()
    if not _URL.fullmatch(text):
        raise FieldError("not an http(s) URL")
    if len(text) > max_length:
        raise FieldError(f"longer than {max_length} characters")
    return text
