"""Birthdays and account anniversaries on 29 February are greeted on 28 February in common
years, and on the day itself in leap years, once."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from crm.rules import Evaluation, RulesService, load_rules_config
from storage.engine import session_factory
from storage.uow import UnitOfWorkFactory
from tests.integration.rules.fixture_book import Book, local

DAYS = (date(2027, 2, 26), date(2027, 2, 28), date(2028, 2, 28), date(2028, 2, 29))


async def evaluations(engine: AsyncEngine) -> dict[date, Evaluation]:
    book = Book()
    book.client("LEAP_BIRTHDAY", birthday=date(2000, 2, 29))
    book.client("FEB28_BIRTHDAY", birthday=date(1990, 2, 28))
    book.client("LEAP_ACCOUNT", opened_on=date(2024, 2, 29))
    for client in ("LEAP_BIRTHDAY", "FEB28_BIRTHDAY", "LEAP_ACCOUNT"):
        for day in DAYS:
            book.snapshot(client, day, "1000.00")
            book.trade(client, local(day))
    await book.load(engine)
    service = RulesService(
        UnitOfWorkFactory(session_factory(engine)),
        load_rules_config(),
        clock=lambda: datetime(2028, 3, 1, tzinfo=UTC),
    )
    return {day: await service.evaluate(day) for day in DAYS}


def greeted(evaluation: Evaluation) -> set[tuple[str, str]]:
    return {(a.rule, a.client_id) for a in evaluation.alerts}


async def test_leap_day_greetings(engine: AsyncEngine) -> None:
    found = await evaluations(engine)
    assert greeted(found[date(2027, 2, 26)]) == set()
    common = found[date(2027, 2, 28)]
    assert greeted(common) == {
        ("birthday", "LEAP_BIRTHDAY"),
        ("birthday", "FEB28_BIRTHDAY"),
        ("anniversary", "LEAP_ACCOUNT"),
    }
    (account,) = [a for a in common.alerts if a.rule == "anniversary"]
    assert account.facts["years"] == 3
    assert account.facts["leap_day_observed_on_28_february"] is True
    assert greeted(found[date(2028, 2, 28)]) == {("birthday", "FEB28_BIRTHDAY")}
    leap = found[date(2028, 2, 29)]
    assert greeted(leap) == {("birthday", "LEAP_BIRTHDAY"), ("anniversary", "LEAP_ACCOUNT")}
    assert all(a.new for a in leap.alerts)
