"""The demo's symbol universe (real A-share names and sectors) and synthetic daily closing prices.

Prices are invented around plausible levels; only their shape matters (lot sizes, affordability,
a believable random walk). All money is in integer cents.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

TECH = "科技"


@dataclass(frozen=True)
class Symbol:
    code: str
    name: str
    sector: str
    base_price: int  # cents, a plausible recent level
    popularity: int  # relative weight when demo clients pick positions

    @property
    def lot(self) -> int:
        """Smallest buy: 200 shares on the STAR market (688xxx), 100 elsewhere."""
        return 200 if self.code.startswith("688") else 100


UNIVERSE: tuple[Symbol, ...] = (
    Symbol("600519", "贵州茅台", "消费", 145_000, 9),
    Symbol("000858", "五粮液", "消费", 12_500, 6),
    Symbol("000568", "泸州老窖", "消费", 13_000, 3),
    Symbol("600887", "伊利股份", "消费", 2_800, 4),
    Symbol("000333", "美的集团", "家电", 7_500, 5),
    Symbol("601318", "中国平安", "金融", 5_500, 8),
    Symbol("600036", "招商银行", "金融", 4_200, 7),
    Symbol("601398", "工商银行", "金融", 720, 6),
    Symbol("600030", "中信证券", "金融", 2_700, 4),
    Symbol("300059", "东方财富", "金融", 2_300, 5),
    Symbol("300750", "宁德时代", "新能源", 26_000, 8),
    Symbol("002594", "比亚迪", "新能源", 10_500, 6),
    Symbol("300274", "阳光电源", "新能源", 9_000, 3),
    Symbol("601012", "隆基绿能", "新能源", 1_800, 3),
    Symbol("688981", "中芯国际", TECH, 9_000, 5),
    Symbol("002415", "海康威视", TECH, 3_000, 5),
    Symbol("688111", "金山办公", TECH, 30_000, 3),
    Symbol("002230", "科大讯飞", TECH, 5_000, 4),
    Symbol("000063", "中兴通讯", TECH, 3_800, 4),
    Symbol("002371", "北方华创", TECH, 42_000, 2),
    Symbol("688041", "海光信息", TECH, 14_000, 3),
    Symbol("600276", "恒瑞医药", "医药", 5_500, 4),
    Symbol("300760", "迈瑞医疗", "医药", 23_000, 3),
    Symbol("603259", "药明康德", "医药", 7_000, 3),
    Symbol("600900", "长江电力", "公用事业", 2_800, 5),
    Symbol("601088", "中国神华", "能源", 4_000, 4),
    Symbol("600309", "万华化学", "化工", 7_000, 3),
    Symbol("601899", "紫金矿业", "有色金属", 1_800, 5),
    Symbol("600048", "保利发展", "地产", 900, 2),
)

BY_CODE: dict[str, Symbol] = {s.code: s for s in UNIVERSE}
TECH_CODES: frozenset[str] = frozenset(s.code for s in UNIVERSE if s.sector == TECH)

# Roles the generator gives to particular symbols (see plan.py): two carry today's negative
# major research notes; one is only ever the subject of events, never held or traded.
NEGATIVE_TODAY = ("300750", "600036")
WATCH_ONLY = "601012"
HOLDABLE: tuple[Symbol, ...] = tuple(s for s in UNIVERSE if s.code != WATCH_ONLY)
# The exactly-20 % holder pairs 600036 with this cheap symbol, whose price is tuned to make the
# ratio exact (see pair_prices).
PAIR_PARTNER = "601398"


def closing_prices(rng: random.Random, days: int) -> dict[str, list[int]]:
    """Daily closes (cents) per symbol over `days` trading days, the last one being as_of.

    The walk runs backwards from the as_of level so that level stays near the base price.
    """
    prices: dict[str, list[int]] = {}
    for symbol in UNIVERSE:
        vol = 0.024 if symbol.sector in (TECH, "新能源") else 0.015
        level = symbol.base_price * math.exp(rng.gauss(0.0, 0.05))
        closes = [0] * days
        for t in range(days - 1, -1, -1):
            closes[t] = max(1, round(level))
            step = max(-0.09, min(0.09, rng.gauss(0.0003, vol)))
            level /= 1.0 + step
        prices[symbol.code] = closes
    b, x = NEGATIVE_TODAY[1], PAIR_PARTNER
    prices[b][-1], prices[x][-1], _ = pair_prices(prices[b][-1], prices[x][-1])
    return prices


def pair_prices(price_b: int, price_x: int) -> tuple[int, int, int]:
    """Nudge two closes so that 4 × price_b == k × price_x for a whole k.

    Then m lots of b and m·k lots of x put exactly 20 % of the market value in b.
    Returns (price_b, price_x, k).
    """
    for bump in range(8):
        px = price_x + bump
        k = max(1, round(4 * price_b / px))
        if (k * px) % 4 == 0:
            return k * px // 4, px, k
    raise AssertionError("unreachable: one of four consecutive prices is a multiple of 4")


def pair_ratio(price_b: int, price_x: int) -> int:
    """The k of pair_prices for closes that already satisfy it."""
    k, rest = divmod(4 * price_b, price_x)
    if rest:
        raise ValueError("prices are not paired")
    return k


def weighted_sample(rng: random.Random, symbols: Sequence[Symbol], count: int) -> list[Symbol]:
    """Up to `count` distinct symbols, drawn by popularity without replacement."""
    pool = list(symbols)
    picked: list[Symbol] = []
    while pool and len(picked) < count:
        choice = rng.choices(pool, weights=[s.popularity for s in pool])[0]
        picked.append(choice)
        pool.remove(choice)
    return picked
