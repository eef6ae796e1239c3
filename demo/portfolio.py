"""One demo client's positions on as_of: whole lots at the closing price, shaped by its role.

A position's market value is quantity × close exactly (cents); the client's market value on
as_of is the sum of its positions, so the holdings file always adds up to the snapshot.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from demo.market import (
    BY_CODE,
    HOLDABLE,
    NEGATIVE_TODAY,
    PAIR_PARTNER,
    TECH_CODES,
    Symbol,
    pair_ratio,
    weighted_sample,
)

HEAVY_AT_LEAST = Fraction(21, 100)  # planned heavy holders sit clearly above the 20 % line
NEAR_MISS_BELOW = Fraction(19, 100)
CAP_FOR_OTHERS = Fraction(15, 100)  # everyone else keeps today's negative symbols small
TECH_AT_LEAST = Fraction(65, 100)


@dataclass(frozen=True)
class Position:
    symbol: Symbol
    quantity: int
    price: int  # cents

    @property
    def market_value(self) -> int:
        return self.quantity * self.price


@dataclass(frozen=True)
class Shape:
    """What a client's role asks of its portfolio."""

    heavy: str | None = None  # symbol to hold heavily …
    heavy_weight: float = 0.0  # … at about this share of market value
    near_miss: bool = False  # … or just below 20 % instead
    exact_fifth: bool = False  # exactly 20 % in 600036, the rest in its pair partner
    tech: bool = False


def build_portfolio(
    rng: random.Random, budget: int, cash_limit: int, closes: dict[str, int], shape: Shape
) -> list[Position]:
    """Positions worth at most about `budget` cents (never more than `cash_limit`)."""
    if shape.exact_fifth:
        return _exact_fifth(budget, closes)
    quantities = _initial_quantities(rng, budget, closes, shape)
    bounds: list[tuple[set[str], Fraction | None, Fraction | None]] = [
        ({code}, None, CAP_FOR_OTHERS) for code in NEGATIVE_TODAY if code != shape.heavy
    ]
    if shape.heavy is not None:
        low, high = (None, NEAR_MISS_BELOW) if shape.near_miss else (HEAVY_AT_LEAST, None)
        bounds.append(({shape.heavy}, low, high))
    if shape.tech:
        bounds.append((set(TECH_CODES), TECH_AT_LEAST, None))
    # Fixing one bound can break another (selling one position lifts the others' shares).
    for _ in range(20):
        changed = [_ensure_a_position(rng, quantities, closes, min(budget, cash_limit), shape)]
        changed += [_push_share(quantities, closes, g, lo, hi, cash_limit) for g, lo, hi in bounds]
        if not any(changed):
            break
    else:
        raise RuntimeError("demo portfolio could not be shaped")  # a generator bug
    positions = [
        Position(BY_CODE[code], qty, closes[code]) for code, qty in quantities.items() if qty > 0
    ]
    positions.sort(key=lambda p: (-p.market_value, p.symbol.code))
    return positions


def _initial_quantities(
    rng: random.Random, budget: int, closes: dict[str, int], shape: Shape
) -> dict[str, int]:
    if budget < 20_000_000:
        count = rng.randint(1, 3)
    elif budget < 200_000_000:
        count = rng.randint(2, 5)
    else:
        count = rng.randint(3, 6)
    fixed: list[tuple[Symbol, float]] = []
    if shape.heavy is not None:
        fixed.append((BY_CODE[shape.heavy], shape.heavy_weight))
    if shape.tech:
        techs = [s for s in HOLDABLE if s.code in TECH_CODES and _lot_cost(s, closes) < budget]
        split = rng.uniform(0.35, 0.55)
        for symbol, weight in zip(
            weighted_sample(rng, techs, 2), (split, 0.78 - split), strict=False
        ):
            fixed.append((symbol, weight))
    taken = {s.code for s, _ in fixed}
    rest = max(0, count - len(fixed))
    left = 1.0 - sum(w for _, w in fixed)
    weights: list[tuple[Symbol, float]] = list(fixed)
    if rest and left > 0:
        share = left / rest
        # A single position is never in today's negative symbols (it would be 100 % of the
        # market value) nor, unless planned, in technology (keeps tech_preference a minority).
        single = rest == count == 1
        avoid = taken | (set(NEGATIVE_TODAY) | set(TECH_CODES) if single else set())
        pool = [
            s for s in HOLDABLE if s.code not in avoid and _lot_cost(s, closes) <= share * budget
        ]
        if not pool:
            cheapest = min(HOLDABLE, key=lambda s: (_lot_cost(s, closes), s.code))
            pool = [cheapest] if cheapest.code not in avoid else []
        picks = weighted_sample(rng, pool, rest)
        raw = [rng.gammavariate(1.5, 1.0) for _ in picks]
        weights += [(s, left * r / sum(raw)) for s, r in zip(picks, raw, strict=True)]
    quantities: dict[str, int] = {}
    for symbol, weight in weights:
        lots = int(weight * budget) // _lot_cost(symbol, closes)
        quantities[symbol.code] = lots * symbol.lot
    if not any(quantities.values()):
        cheapest = min(HOLDABLE, key=lambda s: (_lot_cost(s, closes), s.code))
        quantities[cheapest.code] = cheapest.lot
    return quantities


def _ensure_a_position(
    rng: random.Random,
    quantities: dict[str, int],
    closes: dict[str, int],
    budget: int,
    shape: Shape,
) -> bool:
    """Put the budget into one plain symbol if lot rounding and caps left nothing held."""
    if any(quantities.values()):
        return False
    avoid = set(NEGATIVE_TODAY) | (set() if shape.tech else set(TECH_CODES))
    plain = [s for s in HOLDABLE if s.code not in avoid]
    pool = [s for s in plain if _lot_cost(s, closes) <= budget]
    symbol = weighted_sample(rng, pool, 1)[0] if pool else min(plain, key=lambda s: closes[s.code])
    quantities[symbol.code] = max(1, budget // _lot_cost(symbol, closes)) * symbol.lot
    return True


def _lot_cost(symbol: Symbol, closes: dict[str, int]) -> int:
    return symbol.lot * closes[symbol.code]


def _push_share(
    quantities: dict[str, int],
    closes: dict[str, int],
    group: set[str],
    at_least: Fraction | None,
    below: Fraction | None,
    cash_limit: int,
) -> bool:
    """Add or remove whole lots until the group's share of market value is in range.

    Returns whether anything changed.
    """
    changed = False
    for _ in range(100_000):
        values = {code: qty * closes[code] for code, qty in quantities.items() if qty > 0}
        total = sum(values.values())
        inside = sum(v for code, v in values.items() if code in group)
        if at_least is not None and inside < at_least * total:
            held = [c for c in _by_value(values) if c in group] or sorted(group & quantities.keys())
            if held and total + _lot_cost(BY_CODE[held[0]], closes) <= cash_limit:
                quantities[held[0]] = quantities.get(held[0], 0) + BY_CODE[held[0]].lot
                changed = True
                continue
            others = [c for c in _by_value(values) if c not in group]
            if not others:
                break
            quantities[others[0]] -= BY_CODE[others[0]].lot
            changed = True
        elif below is not None and inside >= below * total and inside:
            biggest = next(c for c in _by_value(values) if c in group)
            quantities[biggest] -= BY_CODE[biggest].lot
            changed = True
        else:
            return changed
    raise RuntimeError("demo portfolio could not be shaped")  # a generator bug, not bad input


def _by_value(values: dict[str, int]) -> Iterable[str]:
    return sorted(values, key=lambda code: (-values[code], code))


def _exact_fifth(budget: int, closes: dict[str, int]) -> list[Position]:
    """m lots of 600036 and m·k lots of its partner: exactly 1/5 of market value in 600036."""
    b, x = BY_CODE[NEGATIVE_TODAY[1]], BY_CODE[PAIR_PARTNER]
    pb, px = closes[b.code], closes[x.code]
    k = pair_ratio(pb, px)
    lots = max(1, budget // (5 * b.lot * pb))
    while lots > 1 and not _fifth_holds_in_floats(lots * b.lot * pb, lots * k * x.lot * px):
        lots -= 1
    if not _fifth_holds_in_floats(lots * b.lot * pb, lots * k * x.lot * px):
        raise RuntimeError("no float-safe exact 20 % position found")
    return [Position(x, lots * k * x.lot, px), Position(b, lots * b.lot, pb)]


def _fifth_holds_in_floats(part: int, rest: int) -> bool:
    """Whether part ≥ 20 % of part + rest also when compared in binary floating point."""
    p, r, whole = part / 100, rest / 100, (part + rest) / 100
    return (
        p + r == whole
        and p >= 0.2 * whole
        and p >= whole * 0.2
        and p / whole >= 0.2
        and p * 5 >= whole
        and p * 100 >= whole * 20
    )
