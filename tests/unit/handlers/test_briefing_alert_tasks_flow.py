"""Issue 14: the morning briefing names an alert and the task created from it once — the alert's
line, with the task's state — and ✅ on that line closes both."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from handlers.buttons_proactive import BriefingAction
from handlers.render.briefing import briefing_plain
from scheduler.alerts import sweep
from scheduler.startup import stop
from storage.activity_rows import FollowUpRow
from tests.support.proactive import use_clock
from tests.support.ptb import Chat, Harness
from tests.unit.handlers.conftest import DEMO_AS_OF
from tests.unit.handlers.test_alert_tasks_flow import shanghai, with_tasks


@pytest.fixture
async def li(harness: Harness) -> AsyncIterator[Chat]:
    """Friday 09:00: the rules ran, the sweep created the tasks from alerts (due 09:30)."""
    harness.clock.now = shanghai(DEMO_AS_OF, 9, 0)
    await harness.services.rules.evaluate(DEMO_AS_OF)
    chat = await harness.staff("M001", 8001, "李明")
    gate = use_clock(harness.application, harness.runtime.uow, harness.clock)
    with_tasks(harness)
    await sweep(harness.application)
    pacer = gate.pacer
    assert pacer is not None
    await harness.emulator.wait_until(lambda: pacer.pending == 0)
    try:
        yield chat
    finally:
        await stop(harness.application)


async def tasks_by_alert(harness: Harness) -> dict[int, int]:
    async with harness.runtime.uow() as work:
        rows = await work.session.execute(
            select(FollowUpRow.alert_id, FollowUpRow.id).where(
                FollowUpRow.owner_id == "M001", FollowUpRow.alert_id.is_not(None)
            )
        )
        return {int(alert_id): int(fid) for alert_id, fid in rows}


async def test_an_alert_and_its_task_are_one_briefing_line(harness: Harness, li: Chat) -> None:
    tasks = await tasks_by_alert(harness)
    assert len(tasks) >= 3  # call, event and greeting tasks of M001's alerts
    briefing = await harness.services.briefings.compose("M001", DEMO_AS_OF)

    alert_items = [i for i in briefing.items if i.ref_kind == "alert" and int(i.ref_id) in tasks]
    assert alert_items, "the alerts with tasks are on the briefing"
    listed_tasks = {int(i.ref_id) for i in briefing.items if i.ref_kind == "followup"}
    assert not listed_tasks & set(tasks.values()), "a task of a listed alert is listed again"
    for item in alert_items:
        assert item.task is not None and item.task.follow_up_id == tasks[int(item.ref_id)]
        assert item.task.state == "due_today" and item.task.time == "09:30"

    text = briefing_plain(briefing, "zh")
    assert text.count("📋 待办：今天 09:30 到期") == len(alert_items) == 8
    for title in ("致电关怀：", "持仓利空，联系客户说明：", "发送祝福："):  # the tasks' own lines
        assert title not in text


async def test_done_on_the_alert_line_closes_its_task_too(harness: Harness, li: Chat) -> None:
    tasks = await tasks_by_alert(harness)
    briefing = await harness.services.briefings.compose("M001", DEMO_AS_OF)
    item = next(i for i in briefing.items if i.ref_kind == "alert" and i.task is not None)
    today = await li.send("/today")
    await li.press_data(today, BriefingAction("done", "a", item.ref_id).pack())

    todos = await li.send("/todos")
    assert f"#{tasks[int(item.ref_id)]} " not in todos.plain_text
    again = await harness.services.briefings.compose("M001", DEMO_AS_OF)
    assert item.ref_id not in {i.ref_id for i in again.items if i.ref_kind == "alert"}
