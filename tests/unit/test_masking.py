"""Client phone and ID numbers never appear whole in text that leaves the system of record."""

import logging

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
