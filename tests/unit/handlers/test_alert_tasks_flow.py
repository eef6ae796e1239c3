"""Tasks from alerts as the manager sees them (issue 14): after the rules ran and the sweep
delivered, the P2 batch names the follow-ups it created, /todos holds the call, event and
greeting tasks with ✅ / ⏰, and 🎉 on a greeting task shows the approved template filled for the
client, ready to copy."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from crm.alert_delivery import AlertDeliveryService
from crm.alert_tasks import AlertTaskService, GreetingTemplate, TemplateLookup
from scheduler.alerts import approved_greetings, approved_scripts, sweep
from scheduler.startup import stop
from storage.alert_rows import AlertRow
from storage.rows import ClientRow, StaffRow
from tests.support.proactive import use_clock
from tests.support.ptb import Chat, Harness, labels
from tests.unit.handlers.conftest import DEMO_AS_OF

GREETING_BUTTON = re.compile(r"🎉 祝福语 #(\d+)")


def shanghai(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


def with_tasks(harness: Harness, templates: TemplateLookup | None = None) -> None:
    """The services' alert delivery with tasks from alerts, on the harness clock."""
    services = harness.services
    services.alert_delivery = AlertDeliveryService(
        services.alerts,
        services.briefings.config,
        approved_scripts(services.curation),
        tasks=AlertTaskService(
            harness.runtime.uow,
            services.alerts,
            templates or approved_greetings(services.curation),
        ),
    )


@pytest.fixture
async def li(harness: Harness) -> AsyncIterator[Chat]:
    """Friday 16:00: the rules ran on the day's data, the sweep created tasks and delivered."""
    harness.clock.now = shanghai(DEMO_AS_OF, 16, 0)
    await harness.services.rules.evaluate(DEMO_AS_OF)
    chat = await harness.staff("M001", 8001, "李明")
    gate = use_clock(harness.application, harness.runtime.uow, harness.clock)
    with_tasks(harness)
    counts = await sweep(harness.application)
    assert counts["p2"] == 3
    pacer = gate.pacer
    assert pacer is not None
    await harness.emulator.wait_until(lambda: pacer.pending == 0)
    try:
        yield chat
    finally:
        await stop(harness.application)


async def names(harness: Harness, rule: str) -> tuple[str, str]:
    """(client name, manager name) of M001's alert of this rule in the demo book."""
    async with harness.runtime.uow() as work:
        row = (
            await work.session.execute(
                select(ClientRow.name, StaffRow.name)
                .join(AlertRow, AlertRow.client_id == ClientRow.client_id)
                .join(StaffRow, StaffRow.staff_id == AlertRow.manager_id)
                .where(AlertRow.rule == rule, AlertRow.manager_id == "M001")
            )
        ).one()
        return row[0], row[1]


async def test_the_event_batch_names_its_tasks_and_a_second_sweep_adds_none(
    harness: Harness, li: Chat
) -> None:
    batch = next(m for m in harness.sent_to(li) if "持仓利空提醒" in m.plain_text)
    note = re.search(r"📋 已为每位客户加入待办：(#\d+)、(#\d+)、(#\d+)", batch.plain_text)
    assert note is not None, batch.plain_text
    todos = await li.send("/todos")
    assert "（共 8 项）" in todos.plain_text
    for follow_up in note.groups():
        assert f"{follow_up} " in todos.plain_text
    harness.clock.advance(minutes=5)
    await harness.services.rules.evaluate(DEMO_AS_OF)  # the rules run again, and the sweep
    await sweep(harness.application)
    assert "（共 8 项）" in (await li.send("/todos")).plain_text


async def test_todos_holds_the_tasks_and_the_greeting_is_one_tap_away(
    harness: Harness, li: Chat
) -> None:
    todos = await li.send("/todos")
    text = todos.plain_text
    assert text.count("致电关怀：") == 3 and text.count("持仓利空，联系客户说明：") == 3
    assert text.count("发送祝福：") == 2 and "{" not in text
    greetings = [b for b in labels(todos) if GREETING_BUTTON.fullmatch(b)]
    assert len(greetings) == 2  # the birthday and the anniversary, not the others

    client, manager = await names(harness, "birthday")
    shown = []
    for button in greetings:
        reply = await li.press(todos, button)
        assert reply.toast is None and len(reply.messages) == 1
        shown.append(reply.messages[0])
    birthday = next(m for m in shown if "生日快乐" in m.plain_text)
    assert f"{client}您好！今天是您的生日，{manager}在这里祝您生日快乐" in birthday.plain_text
    assert "<code>" in (birthday.text or "")  # a tap copies it
    assert "KB-GREETING-BIRTHDAY v1" in birthday.plain_text
    anniversary = next(m for m in shown if "周年" in m.plain_text or "走过了" in m.plain_text)
    a_client, _ = await names(harness, "anniversary")
    assert f"{a_client}您好！" in anniversary.plain_text
    assert re.search(r"开户\d+周年|一起走过了\d+年", anniversary.plain_text)
    for message in shown:
        assert not re.search(r"\{[^{}]*\}", message.plain_text), message.plain_text
        assert not re.search(r"\d{11}", message.plain_text)  # no phone or ID number

    number = GREETING_BUTTON.fullmatch(greetings[0])
    assert number is not None
    later = await li.press(todos, f"⏰ 稍后 #{number.group(1)}")
    assert "推迟到" in later.messages[0].plain_text
    done = await li.press(todos, f"✅ 完成 #{number.group(1)}")
    assert done.toast == f"已完成 #{number.group(1)}"
    assert len([b for b in labels(todos) if GREETING_BUTTON.fullmatch(b)]) == 1


async def test_someone_elses_greeting_button_is_expired(harness: Harness, li: Chat) -> None:
    todos = await li.send("/todos")
    button = next(b for b in labels(todos) if GREETING_BUTTON.fullmatch(b))
    number = GREETING_BUTTON.fullmatch(button)
    assert number is not None
    fang = await harness.staff("M002", 8002, "王芳")
    hers = await fang.send("/todos")
    forged = await fang.press_data(hers, f"todo:greet:{number.group(1)}")
    assert forged.toast == "按钮已过期" and not forged.messages


async def test_a_template_that_cannot_be_filled_is_refused_clearly(
    harness: Harness, li: Chat
) -> None:
    async def bad(_rule: str, day: date) -> GreetingTemplate:
        return GreetingTemplate("KB-BAD", 1, "坏模板", "C001", day, "「{client_name}，{gift}」")

    with_tasks(harness, bad)
    todos = await li.send("/todos")
    button = next(b for b in labels(todos) if GREETING_BUTTON.fullmatch(b))
    refused = (await li.press(todos, button)).messages[0].plain_text
    assert "KB-BAD" in refused and "{gift}" in refused and "，{" not in refused
