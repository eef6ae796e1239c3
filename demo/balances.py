"""Daily balances of one demo client: a random walk of cash and market value with transfers.

Each day: market value moves by the portfolio's return, cash only by transfers and by trades
(which move money between cash and market value, leaving the total alone). So
total_t = total_{t-1} + market_value_{t-1} × return_t + inflow_t − outflow_t, up to rounding.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction

VOLATILITY = {"C1": 0.004, "C2": 0.007, "C3": 0.011, "C4": 0.015, "C5": 0.02}
MAX_DAILY_MOVE = 0.08
TRANSFER_CHANCE = 0.015
REBALANCE_CHANCE = 0.05
MAX_TRANSFER_SHARE = 0.08  # routine transfers stay far below the 30 % outflow alert


@dataclass
class Balances:
    """Aligned daily series in cents, from the client's first day in the window to as_of."""

    cash: list[int]
    market_value: list[int]
    inflow: list[int]
    outflow: list[int]

    def total(self, day: int) -> int:
        return self.cash[day] + self.market_value[day]


def simulate(
    rng: random.Random,
    *,
    days: int,
    final_total: int,
    risk: str,
    drift: float,
    opens_in_window: bool,
    final_outflow: Fraction | None,
) -> Balances:
    """A walk over `days` days scaled so the as_of total is `final_total` cents.

    With `final_outflow`, the client first sells enough to hold the cash, then withdraws that
    share of the previous day's total on as_of; nothing else moves cash on those three days.
    """
    vol = VOLATILITY[risk]
    cash_share = rng.uniform(0.05, 0.45)
    cash, mv = cash_share, 1.0 - cash_share
    inflow = [0.0] * days
    outflow = [0.0] * days
    cash_s, mv_s = [0.0] * days, [0.0] * days
    if opens_in_window:
        inflow[0] = 1.0  # the opening deposit, partly invested the same day
    cash_s[0], mv_s[0] = cash, mv
    quiet_from = days - 3 if final_outflow is not None else days
    for t in range(1, days):
        mv *= 1.0 + max(-MAX_DAILY_MOVE, min(MAX_DAILY_MOVE, rng.gauss(drift, vol)))
        total = cash + mv
        if t >= quiet_from:
            assert final_outflow is not None
            if t == quiet_from:  # sell down so the coming withdrawal is covered
                wanted = total * min(0.95, float(final_outflow) + rng.uniform(0.08, 0.2))
                if cash < wanted:
                    mv -= wanted - cash
                    cash = wanted
            if t == days - 1:
                outflow[t] = float(final_outflow) * (cash_s[t - 1] + mv_s[t - 1])
                cash -= outflow[t]
        elif rng.random() < TRANSFER_CHANCE:
            amount = total * rng.uniform(0.01, MAX_TRANSFER_SHARE)
            if rng.random() < 0.55:
                inflow[t] = amount
                cash += amount
            else:
                outflow[t] = min(amount, cash)
                cash -= outflow[t]
        elif rng.random() < REBALANCE_CHANCE:
            shift = total * rng.uniform(-0.1, 0.1)  # buy (> 0) or sell (< 0)
            shift = max(-mv * 0.9, min(cash * 0.9, shift))
            cash -= shift
            mv += shift
        cash_s[t], mv_s[t] = cash, mv
    scale = final_total / (cash_s[-1] + mv_s[-1])
    balances = Balances(
        cash=[round(v * scale) for v in cash_s],
        market_value=[round(v * scale) for v in mv_s],
        inflow=[round(v * scale) for v in inflow],
        outflow=[round(v * scale) for v in outflow],
    )
    if opens_in_window:
        balances.inflow[0] = balances.total(0)  # the deposit is the whole first total, to the cent
    return balances


def fix_final_outflow(balances: Balances, share: Fraction, *, exact: bool) -> None:
    """Make as_of's outflow `share` of the previous total in whole cents.

    With `exact`, the previous total is nudged (by cents, in cash) until the share is exact and
    no usual way of comparing it in binary floating point (a SQLite REAL column) would see the
    outflow as larger than the share: the boundary case must be a non-hit under any engine.
    """
    prev = len(balances.cash) - 2
    if exact:
        while (balances.total(prev) * share.numerator) % share.denominator:
            balances.cash[prev] += 1
        while _float_exceeds(balances.total(prev) * share, balances.total(prev), share):
            balances.cash[prev] += share.denominator
        out = int(balances.total(prev) * share)
    else:
        out = round(balances.total(prev) * share)
    balances.cash[-1] = balances.cash[prev] - out
    balances.outflow[-1] = out


def _float_exceeds(outflow: Fraction, previous: int, share: Fraction) -> bool:
    out, prev, s = float(outflow) / 100, previous / 100, float(share)
    return out > s * prev or out > prev * s or out / prev > s or out * 100 > prev * (s * 100)
