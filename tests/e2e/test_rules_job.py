"""The running bot evaluates the rules whenever the bank's latest data changes."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import func, select

from scheduler.rules import evaluate_latest_data
from storage.alert_rows import AlertRow
from storage.rows import EventRow


async def alert_count(bot) -> int:
    async with bot.runtime.uow() as work:
        return await work.session.scalar(select(func.count()).select_from(AlertRow))


async def test_rules_run_on_new_data_only(demo_bot):
    app = demo_bot.application
    kicks: list[int] = []
    app.bot_data.scheduler.kick = lambda: kicks.append(1)
    job = SimpleNamespace(application=app)

    assert await alert_count(demo_bot) == 0
    await evaluate_latest_data(job)
    first = await alert_count(demo_bot)
    assert first > 0 and kicks == [1]  # new alerts are delivered at once, not at the next sweep
    rules = {rule for (rule,) in (await _rules(demo_bot))}
    assert {"hnw_outflow", "silent_warning", "negative_event"} <= rules

    await evaluate_latest_data(job)  # nothing changed: no work, no new alerts, no kick
    assert await alert_count(demo_bot) == first and kicks == [1]

    before = demo_bot.application.bot_data.rules_last_signature
    latest = before.latest_date
    async with demo_bot.runtime.uow() as work:  # a new negative event lands for a held symbol
        holder_symbol = await work.session.scalar(
            select(EventRow.symbol).where(EventRow.date == latest, EventRow.sentiment == "negative")
        )
        work.session.add(
            EventRow(
                event_id="E-NEW-1",
                symbol=holder_symbol,
                date=latest,
                title="新的重大利空",
                sentiment="negative",
                severity="major",
                url=None,
            )
        )
        await work.commit()
    await evaluate_latest_data(job)
    after = demo_bot.application.bot_data.rules_last_signature
    assert after.events == before.events + 1  # the new data was evaluated
    assert await alert_count(demo_bot) > first  # …and raised alerts for that event's holders


async def _rules(bot):
    async with bot.runtime.uow() as work:
        return (await work.session.execute(select(AlertRow.rule).distinct())).all()
