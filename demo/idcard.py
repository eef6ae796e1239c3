"""Synthetic but well-formed 18-digit PRC resident ID numbers (GB 11643-1999).

Layout: 6-digit region code, birth date YYYYMMDD, 3-digit sequence (odd for men, even for
women), then an ISO 7064 MOD 11-2 check character (0–9 or X).
"""

from __future__ import annotations

import random
from datetime import date

# Real county-level codes in large cities.
REGION_CODES: tuple[str, ...] = (
    "110101",  # 北京市东城区
    "110105",  # 北京市朝阳区
    "110108",  # 北京市海淀区
    "120101",  # 天津市和平区
    "310104",  # 上海市徐汇区
    "310115",  # 上海市浦东新区
    "320102",  # 南京市玄武区
    "330106",  # 杭州市西湖区
    "330203",  # 宁波市海曙区
    "350203",  # 厦门市思明区
    "370202",  # 青岛市市南区
    "410105",  # 郑州市金水区
    "420106",  # 武汉市武昌区
    "430104",  # 长沙市岳麓区
    "440106",  # 广州市天河区
    "440304",  # 深圳市福田区
    "440305",  # 深圳市南山区
    "500103",  # 重庆市渝中区
    "510107",  # 成都市武侯区
    "610113",  # 西安市雁塔区
)

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def check_character(first17: str) -> str:
    """The MOD 11-2 check character for the first 17 digits."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("need exactly 17 digits")
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def make_id_number(rng: random.Random, birthday: date, *, male: bool) -> str:
    """A valid ID number for someone born on `birthday` in one of the demo regions."""
    sequence = rng.randrange(0, 500) * 2 + (1 if male else 0)
    first17 = f"{rng.choice(REGION_CODES)}{birthday:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


def is_valid_id_number(value: str) -> bool:
    """True when the shape, the embedded birth date and the check character are all right."""
    if len(value) != 18 or not value[:17].isdigit():
        return False
    try:
        birth_date_of(value)
    except ValueError:
        return False
    return check_character(value[:17]) == value[17].upper()


def birth_date_of(value: str) -> date:
    """The birth date embedded in an ID number."""
    return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
