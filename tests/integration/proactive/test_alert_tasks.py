"""Tasks from alerts (issue 14) on SQLite and PostgreSQL: silent warnings, negative events,
birthdays and anniversaries become follow-ups once per alert — under a second sweep, concurrent
sweeps and a re-evaluation of the rules — and a greeting task's template comes back filled."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from crm.alert_tasks import (
    AlertTaskService,
    GreetingTemplate,
    NoGreetingTemplateError,
    TemplatePlaceholderError,
)
from crm.clients import ClientService
from crm.errors import NotAuthorizedError, NotFoundError
from crm.followups import FollowUpService
from crm.rules.config import load_rules_config
from crm.rules.service import RulesService
from crm.staff import StaffMember
from knowledge_base.documents import load_directory
from scheduler.alerts import task_title
from storage.activity_rows import FollowUpRow
from storage.alert_rows import AlertRow
from storage.engine import session_factory
from storage.uow import UnitOfWorkFactory
from tests.integration.proactive.book import (
    AS_OF,
    BRIEFING_DAY,
    MONDAY_0830,
    World,
    alert,
    seed,
    world,
)

SAMPLES = Path(__file__).resolve().parents[3] / "knowledge_base" / "samples" / "docs"
SAMPLE_TEMPLATES = {
    v.doc_id: GreetingTemplate(
        v.doc_id, v.version, v.title, v.approved_by or "", v.effective_from or AS_OF, v.body
    )
    for v in load_directory(SAMPLES)
    if v.kind == "template"
}
BY_RULE = {"birthday": "KB-GREETING-BIRTHDAY", "anniversary": "KB-GREETING-ANNIVERSARY"}
# Monday 09:30 in Shanghai: the due time of tasks created before it.
MONDAY_0930 = datetime(2026, 11, 23, 1, 30, tzinfo=UTC)


async def sample_lookup(rule: str, _day: date) -> GreetingTemplate | None:
    return SAMPLE_TEMPLATES[BY_RULE[rule]] if rule in BY_RULE else None


async def no_template(_rule: str, _day: date) -> GreetingTemplate | None:
    return None


@pytest.fixture
async def w(engine) -> World:
    uow = UnitOfWorkFactory(session_factory(engine))
    await seed(uow)
    created = MONDAY_0830 - timedelta(hours=1)
    async with uow() as work:  # an anniversary, a closed alert and a stale one
        work.session.add(alert(8, "anniversary", "P4", "C04", "M001", created=created))
        done = alert(9, "silent_warning", "P3", "C02", "M001", created=created)
        done.status = "done"
        stale = alert(10, "silent_warning", "P3", "C07", "M002", as_of=AS_OF - timedelta(days=7))
        stale.created_at = MONDAY_0830 - timedelta(days=6)
        work.session.add_all([done, stale])
        await work.commit()
        if engine.dialect.name == "postgresql":  # the book gives explicit ids: move on past them
            for table in ("follow_ups", "alerts"):
                await work.session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) + 100 FROM {table}))"
                    )
                )
            await work.commit()
    return world(uow)


def tasks_of(w: World, lookup=sample_lookup) -> AlertTaskService:
    return AlertTaskService(w.uow, w.alerts, lookup)


async def member(w: World, staff_id: str) -> StaffMember:
    found = await w.alerts.staff(staff_id)
    assert found is not None
    return found


async def follow_ups_per_alert(w: World) -> dict[int, int]:
    async with w.uow() as work:
        rows = await work.session.execute(
            select(FollowUpRow.alert_id, func.count())
            .where(FollowUpRow.alert_id.is_not(None))
            .group_by(FollowUpRow.alert_id)
        )
        return {int(a): int(n) for a, n in rows}


async def test_each_task_alert_becomes_one_follow_up_due_today(w: World) -> None:
    tasks = tasks_of(w)
    created = await tasks.create_tasks(task_title(BRIEFING_DAY))
    assert sorted((t.alert_id, t.kind) for t in created) == [
        (2, "event"),
        (3, "call"),
        (4, "call"),
        (5, "greeting"),
        (8, "greeting"),
    ]  # not the P1s, not the closed alert 9, not the week-old alert 10
    followups = FollowUpService(w.uow, ClientService(w.uow), clock=w.clock)
    page = await followups.list_open(await member(w, "M001"), limit=20)
    by_alert = {t.alert_id: t for t in created}
    items = {i.id: i for i in page.items}
    call = items[by_alert[3].follow_up_id]
    assert call.title == "致电关怀：已 45 天未交易" and call.client_name == "吴天"
    assert call.due_at == MONDAY_0930 and call.alert_rule == "silent_warning"
    event = items[by_alert[2].follow_up_id]
    assert event.title.startswith("持仓利空，联系客户说明：持仓 宁德时代")
    assert "11月20日" in event.title  # a stored title names the day, never 「今天」
    assert event.title.endswith("\n研报/公告：https://research.example/EV1")
    assert event.reminded_at is not None  # the P2 batch message announces it
    greeting = items[by_alert[5].follow_up_id]
    assert greeting.title.startswith("发送祝福：") and greeting.reminded_at is None
    assert {i.alert_rule for i in page.items} >= {"birthday", "anniversary"}


async def test_late_in_the_day_a_task_is_due_at_once(w: World) -> None:
    w.clock.now = MONDAY_0930 + timedelta(hours=5)
    created = await tasks_of(w).create_tasks(task_title(BRIEFING_DAY))
    async with w.uow() as work:
        due = await work.session.scalar(
            select(FollowUpRow.due_at).where(FollowUpRow.id == created[0].follow_up_id)
        )
    assert due == w.clock.now


async def test_a_second_and_concurrent_sweeps_add_nothing(w: World) -> None:
    title = task_title(BRIEFING_DAY)
    first = await tasks_of(w).create_tasks(title)
    assert len(first) == 5
    assert await tasks_of(w).create_tasks(title) == []
    async with w.uow() as work:  # a new alert, and two processes sweeping at once
        work.session.add(alert(11, "silent_warning", "P3", "C04", "M001", created=MONDAY_0830))
        await work.commit()
    racing = await asyncio.gather(*(tasks_of(w).create_tasks(title) for _ in range(3)))
    assert sorted(t.alert_id for batch in racing for t in batch) == [11]
    assert set((await follow_ups_per_alert(w)).values()) == {1}
    ids = await tasks_of(w).task_ids([2, 3, 1])
    assert set(ids) == {2, 3}


async def test_re_evaluating_the_rules_creates_no_second_task(w: World) -> None:
    rules = RulesService(w.uow, load_rules_config(), clock=w.clock)
    title = task_title(BRIEFING_DAY)
    await rules.evaluate(AS_OF)
    first = await tasks_of(w).create_tasks(title)
    raised = await follow_ups_per_alert(w)
    await rules.evaluate(AS_OF)
    w.clock.advance(minutes=1)
    await rules.evaluate(AS_OF)
    assert await tasks_of(w).create_tasks(title) == []
    assert await follow_ups_per_alert(w) == raised and len(raised) == len(first) >= 5
    async with w.uow() as work:  # every open task alert of the rules' own has its one task
        open_task_alerts = await work.session.scalar(
            select(func.count())
            .select_from(AlertRow)
            .where(
                AlertRow.rule.in_(("silent_warning", "negative_event", "birthday", "anniversary")),
                AlertRow.status == "open",
                AlertRow.created_at >= MONDAY_0830 - timedelta(days=3),
            )
        )
    assert open_task_alerts == len(raised)


async def test_the_greeting_task_comes_back_filled(w: World) -> None:
    tasks = tasks_of(w)
    created = {t.alert_id: t for t in await tasks.create_tasks(task_title(BRIEFING_DAY))}
    wang = await member(w, "M001")
    birthday = await tasks.greeting(created[5].follow_up_id, wang)
    assert birthday.text == (
        "赵大宝您好！今天是您的生日，王芳在这里祝您生日快乐、身体健康、阖家幸福！"
        "感谢您一直以来对我们的信任与支持，有任何需要欢迎随时联系我。"
    )
    assert birthday.template.doc_id == "KB-GREETING-BIRTHDAY" and len(birthday.variants) == 2
    anniversary = await tasks.greeting(created[8].follow_up_id, wang)
    assert anniversary.years == 6 and "一起走过了6年" in anniversary.text
    assert all("{" not in v.text for v in (*birthday.variants, *anniversary.variants))
    # Her supervisor may see it; a colleague may not; a call task has no greeting.
    supervisor = await tasks.greeting(created[5].follow_up_id, await member(w, "S001"))
    assert supervisor.text == birthday.text
    with pytest.raises(NotAuthorizedError):
        await tasks.greeting(created[5].follow_up_id, await member(w, "M002"))
    with pytest.raises(NotFoundError):
        await tasks.greeting(created[3].follow_up_id, wang)
    with pytest.raises(NotFoundError):
        await tasks.greeting(99_999, wang)


async def test_no_template_or_a_bad_one_is_refused(w: World) -> None:
    created = {t.alert_id: t for t in await tasks_of(w).create_tasks(task_title(BRIEFING_DAY))}
    wang = await member(w, "M001")
    with pytest.raises(NoGreetingTemplateError):
        await tasks_of(w, no_template).greeting(created[5].follow_up_id, wang)

    async def bad(_rule: str, _day: date) -> GreetingTemplate:
        return GreetingTemplate("KB-BAD", 1, "坏", "C001", AS_OF, "「{client_name}，{gift}」")

    with pytest.raises(TemplatePlaceholderError) as raised:
        await tasks_of(w, bad).greeting(created[5].follow_up_id, wang)
    assert raised.value.placeholder == "gift"
