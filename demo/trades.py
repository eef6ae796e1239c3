"""One demo client's trades: when (by activity pattern), what, and at realistic prices.

Activity patterns keep every client well clear of the tag and alert thresholds unless the
client was planned to hit (or just miss) one, so the expected hits are exact:
- active: a trade within the last 20 days, at most 5 in the last 35, a few older ones;
- frequent(n): exactly n trades in the last 25 days, none 25–35 days ago;
- last(lo, hi): the latest trade lo–hi days ago, older ones before it;
- old: trades only 95+ days ago; none: no trades at all.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import cached_property

from demo.market import BY_CODE, HOLDABLE, Symbol

SHANGHAI = timezone(timedelta(hours=8))
_SESSION_SECONDS = 4 * 3600  # 09:30–11:30 and 13:00–15:00


@dataclass(frozen=True)
class Pattern:
    kind: str  # active | frequent | last | old | none
    count: int = 0  # frequent: trades in the last 25 days
    lo: int = 0  # last: the latest trade is lo–hi calendar days before as_of
    hi: int = 0


@dataclass(frozen=True)
class Trade:
    traded_at: datetime
    symbol: Symbol
    side: str
    quantity: int
    price: int  # cents

    @property
    def amount(self) -> int:
        return self.quantity * self.price


@dataclass(frozen=True)
class Market:
    """The trading-day window (oldest first; the last day is as_of) and closes per symbol."""

    days: Sequence[date]
    closes: dict[str, list[int]]

    @property
    def as_of(self) -> date:
        return self.days[-1]

    @cached_property
    def offsets(self) -> tuple[int, ...]:
        """Calendar days from each window day to as_of."""
        return tuple((self.as_of - d).days for d in self.days)

    def days_between(self, lo: int, hi: int, first: int) -> list[int]:
        """Window indices (from `first` on) whose date is lo–hi calendar days before as_of."""
        offsets = self.offsets
        return [i for i in range(first, len(offsets)) if lo <= offsets[i] <= hi]


def make_trades(
    rng: random.Random,
    market: Market,
    pattern: Pattern,
    *,
    first: int,
    held: Sequence[str],
    total: int,
    sell_down_on: int | None = None,
) -> list[Trade]:
    """Trades for one client whose balances start at window index `first`."""
    plan: list[tuple[int, float]] = []  # (window index, share of total assets)

    def pick(lo: int, hi: int, count: int, size: tuple[float, float], required: bool) -> None:
        days = market.days_between(lo, hi, first)
        if not days:
            if required:
                raise RuntimeError(f"no trading day {lo}–{hi} days before as_of")
            return
        plan.extend((rng.choice(days), rng.uniform(*size)) for _ in range(count))

    usual = (0.01, 0.08)
    if pattern.kind == "active":
        pick(0, 20, 1, usual, True)
        pick(0, 35, rng.randint(0, 4), usual, False)
        pick(36, 90, rng.randint(0, 5), usual, False)
    elif pattern.kind == "frequent":
        pick(0, 24, pattern.count, (0.004, 0.03), True)
        pick(36, 90, rng.randint(0, 4), usual, False)
    elif pattern.kind == "last":
        pick(pattern.lo, pattern.hi, 1, usual, True)
        pick(pattern.hi + 1, 150, rng.randint(1, 4), usual, False)
    elif pattern.kind == "old":
        pick(95, 400, rng.randint(1, 3), usual, True)
    elif pattern.kind != "none":
        raise ValueError(f"unknown trade pattern {pattern.kind!r}")
    trades = [_trade(rng, market, day, share, held, total) for day, share in plan]
    if sell_down_on is not None and held:
        trades.append(
            _trade(rng, market, sell_down_on, rng.uniform(0.2, 0.35), held[:1], total, "sell")
        )
    trades.sort(key=lambda t: (t.traded_at, t.symbol.code, t.side, t.quantity))
    return trades


def _trade(
    rng: random.Random,
    market: Market,
    day: int,
    share: float,
    held: Sequence[str],
    total: int,
    side: str | None = None,
) -> Trade:
    if held and (side == "sell" or rng.random() < 0.7):
        symbol = BY_CODE[rng.choice(held)]
        side = side or rng.choice(("buy", "sell"))
    else:
        symbol = rng.choices(HOLDABLE, weights=[s.popularity for s in HOLDABLE])[0]
        side = "buy"
    price = max(1, round(market.closes[symbol.code][day] * rng.uniform(0.988, 1.012)))
    if price * symbol.lot * 2 > total:
        symbol = _cheapest(market, day)
        price = market.closes[symbol.code][day]
        side = "buy"
    lots = max(1, int(total * share) // (price * symbol.lot))
    seconds = rng.randrange(_SESSION_SECONDS)
    start = time(9, 30) if seconds < _SESSION_SECONDS // 2 else time(13, 0)
    opened = datetime.combine(market.days[day], start, tzinfo=SHANGHAI)
    traded_at = opened + timedelta(seconds=seconds % (_SESSION_SECONDS // 2))
    return Trade(traded_at, symbol, side, lots * symbol.lot, price)


def _cheapest(market: Market, day: int) -> Symbol:
    return min(HOLDABLE, key=lambda s: (market.closes[s.code][day] * s.lot, s.code))
