"""The demo's clients: identity, dates of life, and their balances, positions and trades."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import NormalDist

from demo.balances import Balances, fix_final_outflow, simulate
from demo.idcard import make_id_number
from demo.market import HOLDABLE
from demo.names import mobile_number, person_name
from demo.plan import DUPLICATE_NAME, Role
from demo.portfolio import Position, build_portfolio
from demo.trades import Market, Trade, make_trades

EARLIEST_OPENING = date(2008, 1, 1)
# Total assets on as_of: log-normal with P(> 1M) ≈ 38 % and P(> 5M) ≈ 7 % (median ≈ 660k);
# the planned clients add a few HNW, for about 8 % overall.
_ASSETS = NormalDist(mu=13.396, sigma=1.374)
_RISK_LEVELS = (("C1", 8), ("C2", 20), ("C3", 40), ("C4", 22), ("C5", 10))


@dataclass
class DemoClient:
    client_id: str
    name: str
    manager_id: str
    phone: str
    id_number: str
    birthday: date
    opened_on: date
    risk_level: str
    role: Role
    first_day: int  # index into the window of the first snapshot
    balances: Balances
    positions: list[Position]
    trades: list[Trade]


def asset_levels(rng: random.Random, roles: Sequence[Role]) -> list[int]:
    """as_of total assets (cents) per role: stratified log-normal unless the role fixes a range."""
    free = sum(1 for r in roles if r.total is None)
    quantiles = [(i + rng.random()) / free for i in range(free)]
    rng.shuffle(quantiles)
    levels = iter(quantiles)
    totals: list[int] = []
    for role in roles:
        if role.total is None:
            yuan = math.exp(_ASSETS.inv_cdf(next(levels)))
            yuan = min(60_000_000.0, max(20_000.0, yuan))
        else:
            low, high = role.total
            yuan = math.exp(rng.uniform(math.log(low), math.log(high)))
        totals.append(round(yuan) * 100)
    return totals


class People:
    """Hands out names (unique but for the planned namesakes), unique phone numbers and unique
    ID numbers (the importer refuses one ID number for two clients)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.names = {DUPLICATE_NAME}
        self.phones: set[str] = set()
        self.id_numbers: set[str] = set()

    def name(self, male: bool) -> str:
        while True:
            name = person_name(self.rng, male=male)
            if name not in self.names:
                self.names.add(name)
                return name

    def phone(self) -> str:
        while True:
            phone = mobile_number(self.rng)
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def id_number(self, rng: random.Random, birthday: date, *, male: bool) -> str:
        # The client's own generator, drawn again only on a repeat: smaller books keep their
        # exact numbers.
        while True:
            number = make_id_number(rng, birthday, male=male)
            if number not in self.id_numbers:
                self.id_numbers.add(number)
                return number


def make_client(
    rng: random.Random,
    client_id: str,
    role: Role,
    total: int,
    people: People,
    market: Market,
) -> DemoClient:
    as_of, days = market.as_of, market.days
    male = rng.random() < 0.5 if role.name is None else True
    name = role.name or people.name(male)
    birthday = _birthday(rng, as_of, role)
    opened_on = _opened_on(rng, as_of, birthday, role)
    first_day = next(i for i, d in enumerate(days) if d >= opened_on) if opened_on > days[0] else 0
    risk = rng.choices([r for r, _ in _RISK_LEVELS], weights=[w for _, w in _RISK_LEVELS])[0]
    tenured = (as_of - opened_on).days > 5 * 365
    growing = tenured and rng.random() < 0.4
    balances = simulate(
        rng,
        days=len(days) - first_day,
        final_total=total,
        risk=risk,
        drift=rng.uniform(0.0006, 0.0015) if growing else rng.gauss(0.0001, 0.0006),
        opens_in_window=opened_on >= days[0],
        final_outflow=role.outflow,
    )
    if role.outflow is not None:
        fix_final_outflow(balances, role.outflow, exact=role.exact_outflow)
    today_total = balances.total(-1)
    closes = {s.code: market.closes[s.code][-1] for s in HOLDABLE}
    positions = build_portfolio(rng, balances.market_value[-1], today_total, closes, role.shape)
    invested = sum(p.market_value for p in positions)
    balances.market_value[-1], balances.cash[-1] = invested, today_total - invested
    trades = make_trades(
        rng,
        market,
        role.pattern,
        first=first_day,
        held=[p.symbol.code for p in positions],
        total=today_total,
        sell_down_on=len(days) - 3 if role.outflow is not None else None,
    )
    return DemoClient(
        client_id=client_id,
        name=name,
        manager_id=role.manager_id,
        phone=people.phone(),
        id_number=people.id_number(rng, birthday, male=male),
        birthday=birthday,
        opened_on=opened_on,
        risk_level=risk,
        role=role,
        first_day=first_day,
        balances=balances,
        positions=positions,
        trades=trades,
    )


def _on(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _birthday(rng: random.Random, as_of: date, role: Role) -> date:
    age = int(rng.triangular(role.min_age, 80, 45))
    if role.birthday_in_days is not None:
        target = as_of + timedelta(days=role.birthday_in_days)
        year = target.year - age
        while (found := _on(year, target.month, target.day)) is None:
            year -= 1  # born on 29 February: the nearest leap year
        return found
    # Regular birthdays avoid as_of's month-day and 29 February (no "Feb 28 or Mar 1" question).
    start = date(as_of.year - age - 1, 1, 1)
    return _avoiding(as_of, start + timedelta(days=rng.randrange(365)))


def _opened_on(rng: random.Random, as_of: date, birthday: date, role: Role) -> date:
    if role.opened_days_ago is not None:
        return as_of - timedelta(days=role.opened_days_ago)
    if role.anniversary_years is not None:
        found = _on(as_of.year - role.anniversary_years, as_of.month, as_of.day)
        if found is None:
            raise AssertionError("anniversary years must keep 29 February valid")
        return found
    adult = _on(birthday.year + 18, birthday.month, birthday.day) or date(birthday.year + 18, 3, 1)
    # Planned clients have a year of history; regular ones are at least two months old.
    latest = as_of - timedelta(days=400 if role.planned else 60)
    earliest = min(max(EARLIEST_OPENING, adult), latest)
    # Keep clear of the 5-year line (loyal tag) by ten days either way.
    long_ago, recent = as_of - timedelta(days=5 * 365 + 10), as_of - timedelta(days=5 * 365 - 10)
    if earliest < long_ago and rng.random() < 0.55:
        latest = long_ago
    elif earliest < recent < latest:
        earliest = recent
    day = earliest + timedelta(days=rng.randrange((latest - earliest).days + 1))
    return _avoiding(as_of, day)


def _avoiding(as_of: date, day: date) -> date:
    """The day, moved on past as_of's month-day and 29 February."""
    while (day.month, day.day) in ((as_of.month, as_of.day), (2, 29)):
        day += timedelta(days=1)
    return day
