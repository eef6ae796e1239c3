"""Cell parsers: what the importer accepts, how it normalises, and why it refuses."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from importing.fields import (
    FieldError,
    clean_field,
    id_check_digit,
    parse_choice,
    parse_clock,
    parse_code,
    parse_date,
    parse_datetime,
    parse_decimal,
    parse_id_number,
    parse_phone,
    parse_positive_int,
    parse_timezone,
    parse_url,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def refused(parse, raw, **kwargs) -> str:
    with pytest.raises(FieldError) as info:
        parse(raw, **kwargs)
    return info.value.reason


def valid_id(first17: str) -> str:
    return first17 + id_check_digit(first17)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("123.50", Decimal("123.50")),
        ("0", Decimal("0")),
        ("1,234.50", Decimal("1234.50")),
        ("1,234,567", Decimal("1234567")),
        ("１２３．５０", Decimal("123.50")),
        ("１，２３４．５", Decimal("1234.5")),
        (" 7.1 ", Decimal("7.1")),
        ("+5", Decimal("5")),
        ("2.500", Decimal("2.5")),
        ("1000000000000000", Decimal("1000000000000000")),
    ],
)
def test_money_accepts_plain_grouped_and_full_width_numbers(raw, expected):
    assert parse_decimal(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("NaN", "not a finite number"),
        ("nan", "not a finite number"),
        ("inf", "not a finite number"),
        ("-inf", "not a finite number"),
        ("Infinity", "not a finite number"),
        ("-5", "must not be negative"),
        ("-0.01", "must not be negative"),
        ("1.234", "more than 2 decimal places: '1.234'"),
        ("1000000000000000.01", "too large (more than 10^15)"),
        ("99999999999999999999", "too large (more than 10^15)"),
        ("1e5", "scientific notation not accepted: '1e5'"),
        ("12,34", "not a number: '12,34'"),
        ("abc", "not a number: 'abc'"),
        ("1.2.3", "not a number: '1.2.3'"),
        ("¥100", "not a number: '¥100'"),
    ],
)
def test_money_refuses_with_reason(raw, reason):
    assert refused(parse_decimal, raw) == reason


def test_quantity_allows_four_decimals_and_trade_quantity_must_be_positive():
    assert parse_decimal("10.1234", places=4) == Decimal("10.1234")
    assert refused(parse_decimal, "10.12345", places=4).startswith("more than 4 decimal places")
    assert refused(parse_decimal, "0", places=4, positive=True) == "must be greater than zero"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-01-05", date(2026, 1, 5)),
        ("2026/01/05", date(2026, 1, 5)),
        ("2026/1/5", date(2026, 1, 5)),
        ("20260105", date(2026, 1, 5)),
        ("２０２６－０１－０５", date(2026, 1, 5)),
        ("2024-02-29", date(2024, 2, 29)),
    ],
)
def test_dates_in_the_accepted_forms(raw, expected):
    assert parse_date(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("2026-02-30", "no such date 2026-02-30: day out of range for the month"),
        ("2025-02-29", "no such date 2025-02-29: day out of range for the month"),
        ("2026-13-01", "no such date 2026-13-01: month must be 1–12"),
        ("20261301", "no such date 2026-13-01: month must be 1–12"),
        ("05/01/2026", "not a date (expected YYYY-MM-DD): '05/01/2026'"),
        ("2026-01/05", "not a date (expected YYYY-MM-DD): '2026-01/05'"),
        ("tomorrow", "not a date (expected YYYY-MM-DD): 'tomorrow'"),
        ("1800-01-01", "date out of range (1900–2100)"),
    ],
)
def test_impossible_or_malformed_dates_are_refused_with_reason(raw, reason):
    assert refused(parse_date, raw) == reason


def test_birthday_errors_do_not_echo_the_date():
    reason = refused(parse_date, "1980-02-30", echo=False)
    assert "1980" not in reason
    assert reason == "no such date: day out of range for the month"


def test_naive_datetime_is_read_in_the_default_zone_and_comes_back_aware():
    value = parse_datetime("2026-01-05 09:30:00", default_tz=SHANGHAI)
    assert value.utcoffset() == timedelta(hours=8)
    assert value.astimezone(UTC) == datetime(2026, 1, 5, 1, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "raw",
    ["2026-01-05T01:30:00Z", "2026-01-05T09:30:00+08:00", "2026/01/05 09:30+08:00"],
)
def test_datetimes_with_offsets_keep_their_instant(raw):
    value = parse_datetime(raw, default_tz=ZoneInfo("America/New_York"))
    assert value.astimezone(UTC) == datetime(2026, 1, 5, 1, 30, tzinfo=UTC)


@pytest.mark.parametrize("raw", ["2026-02-30T10:00", "yesterday 10am", "10:00"])
def test_malformed_datetimes_are_refused(raw):
    assert refused(parse_datetime, raw, default_tz=SHANGHAI).startswith("not an ISO 8601 date-time")


@pytest.mark.parametrize(("raw", "expected"), [("08:30", time(8, 30)), ("7:05", time(7, 5))])
def test_briefing_time(raw, expected):
    assert parse_clock(raw) == expected


@pytest.mark.parametrize("raw", ["24:00", "08:60", "8.30", "8:30 PM", "0830"])
def test_briefing_time_must_be_hh_mm_24h(raw):
    assert refused(parse_clock, raw).startswith("not a time (expected HH:MM, 24-hour)")


def test_enumerations_are_case_insensitive_and_normalised():
    assert parse_choice("c3", ("C1", "C2", "C3")) == "C3"
    assert parse_choice("ＢＵＹ", ("buy", "sell")) == "buy"
    assert parse_choice(" Manager ", ("manager", "admin")) == "manager"
    assert refused(parse_choice, "hold", choices=("buy", "sell")) == (
        "'hold' is not one of: buy, sell"
    )
    assert refused(parse_choice, "C6", choices=("C1", "C2", "C3", "C4", "C5")).endswith(
        "C1, C2, C3, C4, C5"
    )


def test_timezone_must_be_an_iana_zone():
    assert parse_timezone("Asia/Shanghai") == "Asia/Shanghai"
    assert parse_timezone("UTC") == "UTC"
    assert refused(parse_timezone, "Mars/Olympus").startswith("unknown time zone")
    assert refused(parse_timezone, "../etc/passwd").startswith("unknown time zone")
    assert refused(parse_timezone, "GMT +8").startswith("unknown time zone")


def test_telegram_user_id_is_a_positive_whole_number():
    assert parse_positive_int("123456789") == 123456789
    assert parse_positive_int("１２３") == 123
    assert refused(parse_positive_int, "0") == "must be a positive whole number"
    assert refused(parse_positive_int, "-5").startswith("must be a positive whole number")
    assert refused(parse_positive_int, "12.5").startswith("must be a positive whole number")
    assert refused(parse_positive_int, "1.23E+09").startswith("scientific notation")
    assert refused(parse_positive_int, str(2**63)) == "too large"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("0086 13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("010-12345678", "01012345678"),
        ("0755-1234567", "07551234567"),
        ("+86 10 12345678", "01012345678"),
        ("１３８１２３４５６７８", "13812345678"),
    ],
)
def test_phone_numbers_are_normalised_to_digits(raw, expected):
    assert parse_phone(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("138abc45678", "phone number may contain only digits, spaces, dashes and a +86 prefix"),
        ("call me", "phone number may contain only digits, spaces, dashes and a +86 prefix"),
        ("1381234567", "not a mainland mobile (11 digits) or landline number"),
        ("23812345678", "not a mainland mobile (11 digits) or landline number"),
        ("+1 415 555 0100", "only mainland numbers (+86) are accepted"),
    ],
)
def test_bad_phone_numbers_are_refused_without_echoing_them(raw, reason):
    message = refused(parse_phone, raw)
    assert message == reason
    assert "4567" not in message


def test_id_number_with_valid_check_digit():
    assert parse_id_number("11010519491231002X") == "11010519491231002X"
    assert parse_id_number("11010519491231002x") == "11010519491231002X"
    assert parse_id_number("110105491231002") == "110105491231002"  # old 15-digit format


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("110105194912310021", "invalid ID number check digit"),
        ("11010519491331002X", "ID number contains an impossible birth date"),
        ("1101051949123100AX", "ID number must be 17 digits followed by a digit or X"),
        ("1101051949", "ID number must have 18 characters (or 15 digits in the old format)"),
        ("11010549123100A", "15-character ID number must be all digits"),
    ],
)
def test_bad_id_numbers_are_refused_without_echoing_them(raw, reason):
    message = refused(parse_id_number, raw)
    assert message == reason
    assert "1949" not in message and "002" not in message


def test_id_check_digit_is_iso_7064_mod_11_2():
    assert id_check_digit("11010519491231002") == "X"
    for first17 in ("44030419900101123", "31011519851231456"):
        full = valid_id(first17)
        assert parse_id_number(full) == full


def test_text_is_stripped_and_cleaned_of_invisible_characters():
    assert clean_field("  张\u200b伟\u200d  ", max_length=100) == "张伟"
    assert clean_field("王\x07芳\ufeff", max_length=100) == "王芳"
    assert clean_field("Li\nNa\u3000Zhang", max_length=100) == "Li Na Zhang"
    assert clean_field("first line\r\nsecond\x00 line", max_length=None, multiline=True) == (
        "first line\nsecond line"
    )
    assert refused(clean_field, "\u200b\u200c", max_length=100) == (
        "contains only invisible characters"
    )


def test_over_long_fields_are_refused_with_the_limit_named():
    assert refused(clean_field, "张" * 101, max_length=100) == "longer than 100 characters"
    assert refused(parse_code, "K" * 33, max_length=32) == "longer than 32 characters"
    assert refused(parse_url, "https://x.cn/" + "a" * 500, max_length=500) == (
        "longer than 500 characters"
    )


def test_codes_are_nfkc_normalised_and_refuse_inner_spaces():
    assert parse_code("Ｋ００１", max_length=32) == "K001"
    assert parse_code("600519.sh", max_length=16, upper=True) == "600519.SH"
    assert refused(parse_code, "K 001", max_length=32) == (
        "must not contain spaces or control characters"
    )


def test_url_must_be_http():
    assert parse_url("https://research.example.cn/r/1?x=2", max_length=500).startswith("https")
    assert refused(parse_url, "javascript:alert(1)", max_length=500) == "not an http(s) URL"
    assert refused(parse_url, "see website", max_length=500) == "not an http(s) URL"
