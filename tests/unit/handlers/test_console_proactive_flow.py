"""The proactive half in the console (issue 14): `ambot chat --as M001` on the demo book shows
the morning briefing and her P1 with 确认/稍后/升级; /demo_tick moves the demo clock one
escalation step and the unacknowledged P1 goes to the supervisor again; 确认 acknowledges it;
Telegram's delivery ledger is never written; the real bot does not know /demo_tick."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot import console_mode
from bot.bootstrap import build_runtime
from storage.activity_rows import FollowUpRow
from storage.alert_rows import AlertEventRow, AlertRow, DeliveryRow
from tests.support.proactive import FakeClock
from tests.support.ptb import Chat, Harness, harness_settings
from tests.unit.handlers.conftest import DEMO_AS_OF
from tests.unit.handlers.test_alert_tasks_flow import shanghai

P1_KEYBOARD = "B: [1] 确认  [2] 稍后  [3] 升级"  # A is the briefing's keyboard


async def lines(*typed: str) -> AsyncIterator[str]:
    for line in typed:
        yield line


async def no_warm_up(_services: Any) -> None:  # nothing to ask: no index to load
    return None


@pytest.fixture
async def console(
    handler_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[Any, FakeClock]]:
    """The demo book after the rules ran at 09:00 on the demo Friday (alerts raised then)."""
    data_dir = tmp_path / "data"
    shutil.copytree(handler_template, data_dir)
    settings = harness_settings(data_dir)
    clock = FakeClock(shanghai(DEMO_AS_OF, 9, 0))
    runtime = await build_runtime(settings, migrate=False, clock=clock)
    try:
        await runtime.services.rules.evaluate(DEMO_AS_OF)
    finally:
        await runtime.aclose()
    monkeypatch.setattr(console_mode, "warm_up", no_warm_up)
    yield settings, clock


async def read(settings: Any, query: Any) -> Any:
    runtime = await build_runtime(settings, migrate=False)
    try:
        async with runtime.uow() as work:
            return (await work.session.execute(query)).all()
    finally:
        await runtime.aclose()


async def test_start_shows_the_briefing_and_the_p1_and_demo_tick_escalates_it(
    console: tuple[Any, FakeClock],
) -> None:
    settings, clock = console
    output: list[str] = []
    await console_mode.run_console_chat(
        settings,
        "M001",
        clock=clock,
        input_lines=lines("/demo_tick", "B1", "/demo_tick", "/quit"),
        write=output.append,
    )
    text = "\n".join(output)
    start = text[: text.index("你 › /demo_tick")]
    # On start: the banner names /demo_tick, then the briefing, then her P1 with its buttons.
    assert "/demo_tick：" in start
    assert "李明，早上好！" in start and "今日重点客户" in start
    p1 = start.index("🔴 紧急预警 · 孔斌康")
    assert start.index("早上好") < p1
    keyboards = [line.strip() for line in start.splitlines() if line.startswith("        ")]
    keyboards = [line for line in keyboards if ": [1] " in line]
    assert keyboards[0].startswith("A: [1] 1 卡片") and keyboards[-1] == P1_KEYBOARD
    assert "(ambot → 周建国: ⬆️ 预警升级 · 第 1 级" in start  # the supervisor's level-1 ping

    # /demo_tick: 30 minutes on, the unacknowledged P1 goes to the supervisor again (level 2).
    first_tick = text[text.index("你 › /demo_tick") : text.index("你 › B1")]
    assert "⏩ 演示时钟 +30 分钟 → 11-20 09:30" in first_tick
    assert "(ambot → 周建国: ⬆️ 预警升级 · 第 2 级" in first_tick

    assert "⏰ 跟进提醒" in first_tick  # her tasks from alerts fell due at 09:30: a new keyboard

    # B1 still presses 确认 on the P1; the next tick escalates nothing of hers.
    acknowledged = text[text.index("你 › B1") : text.rindex("你 › /demo_tick")]
    assert "💬 已确认" in acknowledged and "已由 李明 确认" in acknowledged
    second_tick = text[text.rindex("你 › /demo_tick") :]
    assert "⏩ 演示时钟 +30 分钟 → 11-20 10:00" in second_tick
    assert "预警升级" not in second_tick

    ((alert_id, status, level),) = await read(
        settings,
        select(AlertRow.id, AlertRow.status, AlertRow.escalation_level).where(
            AlertRow.manager_id == "M001", AlertRow.priority == "P1"
        ),
    )
    assert status == "acknowledged" and level == 2
    escalated = await read(
        settings,
        select(AlertEventRow.target_id, AlertEventRow.detail).where(
            AlertEventRow.alert_id == alert_id, AlertEventRow.action == "escalated"
        ),
    )
    assert ("S001", "level 2") in escalated
    # Nothing in Telegram's ledger: the real bot still delivers all of it.
    ((ledger_rows,),) = await read(settings, select(func.count()).select_from(DeliveryRow))
    assert ledger_rows == 0
    # …and nothing the console showed is marked as delivered: her call tasks' reminders (shown
    # at 09:30 above) are still to be sent, and no "delivered" event was written.
    unreminded = await read(
        settings,
        select(FollowUpRow.id).where(
            FollowUpRow.owner_id == "M001",
            FollowUpRow.title.startswith("致电关怀"),
            FollowUpRow.reminded_at.is_(None),
        ),
    )
    assert len(unreminded) == 3
    delivered = await read(
        settings, select(AlertEventRow.id).where(AlertEventRow.action == "delivered")
    )
    assert delivered == []


async def test_the_real_bot_does_not_know_demo_tick(harness: Harness, li: Chat) -> None:
    reply = await li.send("/demo_tick")
    assert "暂不支持 /demo_tick 命令" in reply.plain_text
