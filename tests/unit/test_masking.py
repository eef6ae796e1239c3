"""Client phone and ID numbers never appear whole in text that leaves the system of record."""

import logging
import re
import sys
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.logs import PrivacyFilter
from crm.masking import mask_id_number, mask_phone, mask_text


def test_phone_keeps_first_three_and_last_four():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+86 138-1234-5678") == "138****5678"
    assert mask_phone("") == ""


def test_id_number_keeps_only_edges():
    assert mask_id_number("110101199003071234") == "110*************34"


def test_free_text_masks_every_identifier():
    text = "客户张伟 13812345678，身份证 11010119900307123X，另一号码 139 0000 1111。"
    masked = mask_text(text)
    assert "13812345678" not in masked and "138****5678" in masked
    assert "11010119900307123X" not in masked and "110*************3X" in masked
    assert "0000" not in masked
    assert "客户张伟" in masked


def test_ordinary_numbers_are_left_alone():
    assert mask_text("资产 5000000 元，持仓 688981") == "资产 5000000 元，持仓 688981"


def test_log_records_lose_token_and_identifiers():
    token = "123456789:AAHfakeTokenValue_abcdefghijklmnop"
    record = logging.LogRecord(
        "x",
        logging.INFO,
        __file__,
        1,
        "POST https://api.telegram.org/bot%s/sendMessage for %s",
        (token, "13812345678"),
        None,
    )
    PrivacyFilter(token).filter(record)
    line = record.getMessage()
    assert token not in line and "<token>" in line
    assert "13812345678" not in line


def test_unknown_token_shape_is_still_scrubbed():
    record = logging.LogRecord(
        "x",
        logging.INFO,
        __file__,
        1,
        "url /bot987654321:ABCdefGHIjklMNOpqrSTUvwxYZ0123/getMe",
        None,
        None,
    )
    PrivacyFilter(None).filter(record)
    assert "ABCdefGHI" not in record.getMessage()


# --- Numbers not typed in plain ASCII (issue 12, point 2) ---------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("客户电话１３８００１３８０００", "客户电话138****8000"),  # full width
        ("电话 138.1234.5678 下午回", "电话 138****5678 下午回"),
        ("电话1\u200b3\u200b8\u200b1234\u200b5678。", "电话138****5678。"),  # zero-width
        ("电话１３8００13８０００！", "电话138****8000！"),  # mixed widths
        ("电话 ＋８６　１３８－１２３４－５６７８", "电话 138****5678"),
        (
            "身份证１１０１０５１９９００３０７１２３Ｘ😀",
            "身份证110*************3X😀",
        ),  # was half masked
        ("身份证 110105 19900307 123X 已核对", "身份证 110*************3X 已核对"),
        ("电话：138\u2060１２３４\ufeff5678", "电话：138****5678"),
    ],
)
def test_numbers_in_any_width_or_spacing_are_masked(text, masked):
    assert mask_text(text) == masked


def test_spaced_ascii_numbers_keep_todays_format():
    assert mask_text("电话 138 1234 5678") == "电话 138****5678"
    assert mask_text("电话 +86 138-1234-5678") == "电话 138****5678"


def test_masking_keeps_the_surrounding_text_and_formatting():
    text = "**张伟** 🙂 电话：１３８００１３８０００\n持仓 688981，5000 股；2026-11-20 回访"
    assert mask_text(text) == "**张伟** 🙂 电话：138****8000\n持仓 688981，5000 股；2026-11-20 回访"


def test_a_number_next_to_a_date_or_an_amount_leaves_them_alone():
    assert mask_text("2026-11-20 138 1234 5678 回访") == "2026-11-20 138****5678 回访"
    assert mask_text("13812345678 5000股") == "138****5678 5000股"


def test_digit_groups_that_overlap_a_number_are_masked_together():
    """However a run of digit groups is read, no reading leaves a number whole."""
    assert mask_text("1 3 8 1 138.1234.5678") == "138**********78"


# --- Property: no width or separator hides a number ---------------------------------------

_FULL_WIDTH = {str(d): chr(0xFF10 + d) for d in range(10)} | {"X": "Ｘ"}
_SEPARATORS = st.sampled_from(
    ["", "", "", " ", ".", "-", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u3000", "－"]
)
_AROUND = st.text(
    alphabet=st.sampled_from(list("客户张伟电话身份证号码明天回访，。：！（）*_ 🙂💰\n")),
    max_size=12,
)
# Numbers sit in text: each is followed by something that is neither a digit nor a separator
# (two numbers split only by spaces read as one long number, or as a different pair).
_SOFT = st.sampled_from(["", " ", "\u3000"])
_HARD = st.sampled_from(["：", "，", "（", "\n", "客", "🙂"])


@st.composite
def _pii(draw: st.DrawFn) -> str:
    """A mobile or an 18/15-digit ID number, digits only (and a final X)."""
    digit = st.sampled_from("0123456789")
    kind = draw(st.sampled_from(["mobile", "id18", "id15"]))
    if kind == "mobile":
        return "1" + draw(st.sampled_from("3456789")) + "".join(draw(digit) for _ in range(9))
    region = draw(st.sampled_from("1234568")) + "".join(draw(digit) for _ in range(5))
    year = draw(st.integers(1930, 2020))
    month, day = draw(st.integers(1, 12)), draw(st.integers(1, 28))
    serial = "".join(draw(digit) for _ in range(3))
    if kind == "id15":
        return f"{region}{year % 100:02d}{month:02d}{day:02d}{serial}"
    return f"{region}{year}{month:02d}{day:02d}{serial}{draw(st.sampled_from('0123456789X'))}"


@st.composite
def _typed(draw: st.DrawFn, number: str) -> str:
    """The number as someone might type it: any width per digit, any separator between."""
    chars = [_FULL_WIDTH[c] if draw(st.booleans()) else c for c in number]
    text = chars[0] + "".join(draw(_SEPARATORS) + c for c in chars[1:])
    if len(number) == 11 and draw(st.booleans()):
        text = draw(st.sampled_from(["+86", "+86 ", "86", "＋８６"])) + text
    return text


def _digits_only(text: str) -> str:
    """The checker's view: NFKC, and every separator or invisible character removed."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(
        ch for ch in folded if ch not in " .-" and unicodedata.category(ch) not in ("Cf", "Zs")
    )


_LEAKED = re.compile(r"(?<![0-9])1[3-9][0-9]{9}|[0-9]{15}")


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_no_width_or_separator_leaves_a_number_unmasked(data):
    numbers = [data.draw(_pii()) for _ in range(data.draw(st.integers(1, 3)))]
    parts: list[str] = [data.draw(_AROUND)]
    for number in numbers:
        parts.append(data.draw(_SOFT))
        parts.append(data.draw(_typed(number)))
        parts.append(data.draw(_SOFT) + data.draw(_HARD) + data.draw(_AROUND))
    text = "".join(parts)

    masked = mask_text(text)

    seen = _digits_only(masked)
    assert not _LEAKED.search(seen), (text, masked)
    for number in numbers:
        hidden = number[3:-4] if len(number) > 11 else number
        assert hidden not in seen, (text, masked)
    # Only the numbers changed: the text around them is all still there, in order.
    assert _without_digits(_digits_only(masked)) == _without_digits(_digits_only(text))


def _without_digits(text: str) -> str:
    return re.sub(r"[0-9Xx*+]", "", text)


# --- The log filter uses the same masking ------------------------------------------------

_TOKEN = "123456789:AAHfakeTokenValue_abcdefghijklmnop"


def _logged(record: logging.LogRecord) -> str:
    """The line a handler with the privacy filter writes, traceback included."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(PrivacyFilter(_TOKEN))
    assert handler.filter(record)
    return handler.format(record)


def test_a_log_line_with_a_full_width_phone_is_masked():
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "note for %s: %s", ("１３８００１３８０００", _TOKEN), None
    )
    line = _logged(record)
    assert "138****8000" in line and _TOKEN not in line
    assert not _LEAKED.search(_digits_only(line))


def test_an_exception_whose_text_holds_a_full_width_number_is_masked():
    try:
        raise ValueError(
            f"bad note 客户电话１３８００１３８０００ ID １１０１０５１９９００３０７１２３Ｘ via {_TOKEN}"
        )
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    line = _logged(record)
    assert "Traceback" in line and "ValueError: bad note 客户电话138****8000" in line
    assert "110*************3X" in line and _TOKEN not in line
    assert not _LEAKED.search(_digits_only(line))
