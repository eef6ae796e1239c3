"""Research events on symbols and client service tickets for the demo book.

On as_of, only the two NEGATIVE_TODAY symbols get negative major events; the other events of
the day are there to be ignored by the heavy-holding rule (wrong sentiment, minor, nobody holds
it heavily, or yesterday's).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from demo.market import BY_CODE, NEGATIVE_TODAY, UNIVERSE, WATCH_ONLY, Symbol
from demo.trades import SHANGHAI

RESEARCH_URL = "https://research.example-broker.com/notes/{}"

_TITLES: dict[tuple[str, str], tuple[str, ...]] = {
    ("negative", "major"): (
        "{name}：业绩预告大幅低于预期，下调评级至“中性”",
        "{name}：海外产能投产延期，下调盈利预测",
        "{name}：收到监管问询函，关注信息披露风险",
    ),
    ("negative", "minor"): ("{name}：股东小比例减持，影响有限", "{name}：短期毛利率小幅承压"),
    ("positive", "major"): ("{name}：订单超预期，上调目标价", "{name}：季度利润创新高，维持“买入”"),
    ("positive", "minor"): ("{name}：获北向资金连续增持", "{name}：新品发布反响良好"),
    ("neutral", "major"): ("{name}：管理层换届完成，经营策略保持不变",),
    ("neutral", "minor"): ("{name}：召开投资者交流会", "{name}：发布社会责任报告"),
}


@dataclass(frozen=True)
class Event:
    event_id: str
    symbol: Symbol
    day: date
    title: str
    sentiment: str
    severity: str
    note: str = ""  # why it is there (expected.json only)

    @property
    def url(self) -> str:
        return RESEARCH_URL.format(self.event_id)


def make_events(rng: random.Random, days: Sequence[date], heavy: Sequence[str]) -> list[Event]:
    """Background events over the window plus as_of's planned ones.

    `heavy` lists symbols somebody holds heavily today, most-held first (used for the decoys).
    """
    as_of, yesterday = days[-1], days[-2]
    planned: list[tuple[str, date, str, str, str]] = [
        (NEGATIVE_TODAY[0], as_of, "negative", "major", "hit"),
        (NEGATIVE_TODAY[1], as_of, "negative", "major", "hit"),
        (WATCH_ONLY, as_of, "negative", "major", "not a hit: nobody holds it"),
    ]
    decoys = [c for c in heavy if c not in NEGATIVE_TODAY and c != WATCH_ONLY]
    kinds = (
        ("negative", "minor", "not a hit: minor"),
        ("positive", "major", "not a hit: positive"),
        ("neutral", "major", "not a hit: neutral"),
    )
    for code, (sentiment, severity, note) in zip(decoys, kinds, strict=False):
        planned.append((code, as_of, sentiment, severity, note))
    if len(decoys) > 3:
        planned.append((decoys[3], yesterday, "negative", "major", "not a hit today: yesterday's"))
    background = list(days[:-6])  # the last week stays free of chance events
    for day in sorted(rng.sample(background, min(18, len(background)))):
        sentiment = rng.choices(("negative", "neutral", "positive"), weights=(3, 3, 4))[0]
        severity = rng.choices(("major", "minor"), weights=(1, 3))[0]
        code = rng.choice(UNIVERSE).code
        planned.append((code, day, sentiment, severity, ""))
    planned.sort(key=lambda p: (p[1], p[0], p[2]))
    events: list[Event] = []
    per_day: dict[date, int] = {}
    for code, day, sentiment, severity, note in planned:
        per_day[day] = per_day.get(day, 0) + 1
        symbol = BY_CODE[code]
        title = rng.choice(_TITLES[(sentiment, severity)]).format(name=symbol.name)
        event_id = f"EV{day:%Y%m%d}{per_day[day]:02d}"
        events.append(Event(event_id, symbol, day, title, sentiment, severity, note))
    return events


@dataclass(frozen=True)
class Ticket:
    ticket_id: str
    client_id: str
    category: str
    opened_at: datetime
    summary: str
    urgent: bool = False  # the complaint close to its SLA (expected.json only)
    # DESIGN §8's optional columns (None: left empty in the file)
    status: str | None = None
    first_response_at: datetime | None = None
    closed_at: datetime | None = None
    manager_id: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status != "closed"


_SUMMARIES: dict[str, tuple[str, ...]] = {
    "inquiry": ("咨询融资融券开通条件", "询问国债逆回购的操作方式", "咨询科创板权限开通要求"),
    "account": ("申请修改预留手机号", "银证转账失败，需核查绑定银行卡", "申请重置交易密码"),
    "trading": ("反映集合竞价委托未成交", "询问港股通交易额度", "条件单未触发，要求说明原因"),
    "complaint": ("投诉交易系统早盘卡顿导致委托延迟", "投诉客服热线长时间无人接听"),
}
CATEGORIES = ("complaint", "inquiry", "account", "trading")


def make_tickets(
    rng: random.Random,
    as_of: date,
    clients: Sequence[str],
    urgent_client: str,
    managers: Mapping[str, str] | None = None,
) -> list[Ticket]:
    """About one open ticket per 30 clients (at least 8), every category present, plus a
    complaint of the urgent client's that was answered yesterday (its resolution clock runs).

    The first is a complaint opened two days before as_of at 10:30, never answered, so its
    first-response clock (24 h) ran out the day before as_of. The optional columns of DESIGN §8
    are filled for some (without a draw from rng, so the rest of the book is unchanged): every
    fourth ticket after it was answered 10 minutes after opening (its resolution clock runs or
    ran out), every fourth non-complaint one after that was answered and closed within two
    hours (status closed, not shown); those name their owner (manager_id). The others leave the
    columns empty: open, unanswered, owned by the client's manager.
    """
    count = max(8, round(len(clients) / 30))
    urgent_at = datetime.combine(as_of - timedelta(days=2), time(10, 30), tzinfo=SHANGHAI)
    rows = [(urgent_at, urgent_client, "complaint", _SUMMARIES["complaint"][0])]
    for i in range(1, count):
        # One of each category first; after that complaints are a quarter as common.
        category = CATEGORIES[i % 4] if i < 4 else rng.choice(CATEGORIES[1:] * 3 + CATEGORIES[:1])
        opened = datetime.combine(
            as_of - timedelta(days=rng.randint(1, 10)),
            time(rng.randint(9, 16), rng.choice((0, 15, 30, 45))),
            tzinfo=SHANGHAI,
        )
        rows.append((opened, rng.choice(clients), category, rng.choice(_SUMMARIES[category])))
    answered_at = datetime.combine(as_of - timedelta(days=1), time(14, 0), tzinfo=SHANGHAI)
    rows.append((answered_at, urgent_client, "complaint", _SUMMARIES["complaint"][1]))
    rows.sort()
    owners = managers or {}
    tickets = []
    for i, (opened, client, category, summary) in enumerate(rows, start=1):
        urgent = (opened, client, category) == (urgent_at, urgent_client, "complaint")
        extra: dict[str, Any] = {}
        if (opened, client) == (answered_at, urgent_client):
            extra = _answered(opened + timedelta(hours=1), owners.get(client))
        elif not urgent and i % 4 == 1:
            extra = _answered(opened + timedelta(minutes=10), owners.get(client))
        elif not urgent and i % 4 == 2 and category != "complaint":
            extra = _answered(opened + timedelta(minutes=10), owners.get(client))
            extra |= {"status": "closed", "closed_at": opened + timedelta(minutes=100)}
        tickets.append(
            Ticket(f"TK{opened:%Y%m%d}{i:04d}", client, category, opened, summary, urgent, **extra)
        )
    return tickets


def _answered(at: datetime, owner: str | None) -> dict[str, Any]:
    return {"status": "open", "first_response_at": at, "manager_id": owner}
