"""Briefing ranking, alert lifecycle, the delivery ledger and the scheduler lock on SQLite and
PostgreSQL (a small hand-built book; an injected clock, nothing waits)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crm.errors import NotAuthorizedError, UsageError
from runtime.lock import SchedulerLock
from storage.engine import session_factory
from storage.uow import UnitOfWorkFactory
from tests.integration.proactive.book import AS_OF, BRIEFING_DAY, FakeClock, World, seed, world


@pytest.fixture
async def w(engine) -> World:
    uow = UnitOfWorkFactory(session_factory(engine))
    await seed(uow)
    return world(uow)


async def test_briefing_is_ranked_by_group_then_assets(w: World) -> None:
    briefing = await w.briefings.compose("M001", BRIEFING_DAY)
    assert briefing.trading_day and briefing.data_date == AS_OF
    ranked = [(i.group, i.client_name) for i in briefing.items]
    assert ranked == [
        ("p1", "钱多多"),
        ("overdue", "郑和"),
        ("ticket", "周静"),  # complaint opened 30 h ago, no response: 24 h to respond, late
        ("ticket", "周静"),  # inquiry opened 2 h ago: 15 min to respond, late
        ("event", "孙小美"),
        ("due_today", "赵大宝"),
        ("silent", "郑和"),  # 7,000,000 before 300,000
        ("silent", "吴天"),
        ("greeting", "赵大宝"),
    ]
    reasons = {i.group + i.client_name: i.reason for i in briefing.items}
    assert reasons["p1钱多多"].values == {
        "day": "2026-11-20",
        "amount": 2_700_000,
        "previous_total": 6_400_000,
        "share": 42,
    }
    assert reasons["silent吴天"].values["days"] == 45
    assert reasons["event孙小美"].values["share"] == 35
    assert reasons["event孙小美"].values["url"] == "https://research.example/EV1"
    tickets = {i.ref_id: i.reason.values for i in briefing.items if i.group == "ticket"}
    assert tickets["TK1"]["clock"] == "response" and tickets["TK1"]["minutes_left"] == -6 * 60
    assert tickets["TK2"]["minutes_left"] == -105
    assert reasons["greeting赵大宝"].values["today"] == 1


async def test_compose_many_equals_one_by_one(w: World) -> None:
    members = [await w.briefings.member(m) for m in ("M001", "M002", "M003")]
    together = await w.briefings.compose_many(members, BRIEFING_DAY)
    for member, briefing in zip(members, together, strict=True):
        alone = await w.briefings.compose(member.staff_id, BRIEFING_DAY)
        assert alone.items == briefing.items


async def test_weekend_is_not_a_trading_day_but_the_list_still_composes(w: World) -> None:
    briefing = await w.briefings.compose("M001", BRIEFING_DAY - timedelta(days=1))
    assert not briefing.trading_day and briefing.items


async def test_done_items_leave_the_briefing_and_others_cannot_close_them(w: World) -> None:
    m001, m002 = await w.briefings.member("M001"), await w.briefings.member("M002")
    with pytest.raises(NotAuthorizedError):
        await w.briefings.mark_done(m002, "followup", "1")
    with pytest.raises(NotAuthorizedError):
        await w.briefings.mark_done(m002, "alert", "3")
    await w.briefings.mark_done(m001, "followup", "1")
    await w.briefings.mark_done(m001, "alert", "3")
    with pytest.raises(UsageError):  # a ticket closes only with its resolution (/tickets)
        await w.briefings.mark_done(m001, "ticket", "TK1")
    groups = [
        (i.group, i.client_name) for i in (await w.briefings.compose("M001", BRIEFING_DAY)).items
    ]
    assert ("overdue", "郑和") not in groups and ("silent", "吴天") not in groups
    assert ("ticket", "周静") in groups


async def test_supervisor_digest(w: World) -> None:
    digest = await w.briefings.digest("S001", BRIEFING_DAY)
    assert {i.client_name for i in digest.open_p1} == {"钱多多", "冯敏"}
    assert [i.manager_name for i in digest.open_p1] == ["李静", "王芳"]  # by assets: 6.0M, 3.7M
    assert [i.client_name for i in digest.overdue] == ["郑和"]
    assert digest.overdue_by_manager == {"M001": 1, "M002": 0}
    # HNW (> 5,000,000) and no trade for 30+ days: 周静 and 冯敏 never traded, 郑和 since 09-01.
    assert {i.client_name for i in digest.silent_hnw} == {"周静", "郑和", "冯敏"}
    with pytest.raises(NotAuthorizedError):
        await w.briefings.digest("M001", BRIEFING_DAY)


async def test_p1_lifecycle_with_escalation_levels(w: World) -> None:
    m001 = await w.briefings.member("M001")
    assert [a.id for a in await w.alerts.undelivered()] == [1, 6, 7, 2]
    ping = await w.alerts.ping_targets(1)
    assert [t.staff_id for t in ping.targets] == ["S001"] and ping.level == 1
    assert await w.alerts.due_escalations() == []
    w.clock.advance(minutes=30)
    second = await w.alerts.due_escalations()
    assert [(e.alert.id, e.level, [t.staff_id for t in e.targets]) for e in second] == [
        (1, 2, ["S001"])
    ]
    assert await w.alerts.due_escalations() == []  # advanced once, not again
    w.clock.advance(minutes=30)
    third = await w.alerts.due_escalations()
    assert [(e.level, [t.staff_id for t in e.targets]) for e in third] == [(3, ["A001"])]
    w.clock.advance(minutes=90)
    assert await w.alerts.due_escalations() == []  # admins are the last level
    view = await w.alerts.acknowledge(1, m001)
    assert view.status == "acknowledged" and view.next_escalation_at is None
    actions = [a for a, _, _ in await w.alerts.events(1)]
    assert actions == ["escalated", "escalated", "acknowledged"]


async def test_an_escalation_whose_pings_never_went_out_is_found_again(w: World) -> None:
    """The level is raised before the pings are sent: if the process stops in between, the
    next run finds the recorded escalation without a settled ping and sends it."""
    await w.alerts.ping_targets(1)
    w.clock.advance(minutes=30)
    (raised,) = await w.alerts.due_escalations()  # level 2 recorded … then the process died
    assert raised.level == 2
    assert await w.alerts.due_escalations() == []  # not raised twice
    (lost,) = await w.alerts.unsent_escalations()
    assert (lost.alert.id, lost.level, [t.staff_id for t in lost.targets]) == (1, 2, ["S001"])
    delivery = await w.ledger.begin("S001", lost.alert.as_of, "esc:1:2")
    assert delivery is not None
    assert [e.level for e in await w.alerts.unsent_escalations()] == [2]  # pending: not yet out
    await w.ledger.complete(delivery.id, 4242)
    assert await w.alerts.unsent_escalations() == []  # sent once: nothing more to recover
    w.clock.advance(minutes=30)
    (admins,) = await w.alerts.due_escalations()
    assert admins.level == 3 and [t.staff_id for t in admins.targets] == ["A001"]
    assert [e.level for e in await w.alerts.unsent_escalations()] == [3]  # only the latest level


async def test_snooze_reminds_later_but_does_not_stop_escalation(w: World) -> None:
    m001 = await w.briefings.member("M001")
    await w.alerts.ping_targets(1)
    snoozed = await w.alerts.snooze(1, m001)
    assert snoozed.status == "snoozed"
    w.clock.advance(minutes=14)
    assert await w.alerts.due_snoozes() == []
    w.clock.advance(minutes=1)
    assert [a.id for a in await w.alerts.due_snoozes()] == [1]
    w.clock.advance(minutes=15)
    assert [e.level for e in await w.alerts.due_escalations()] == [2]


async def test_who_may_do_what_with_an_alert(w: World) -> None:
    m002, s001, s002, a001 = [await w.briefings.member(s) for s in ("M002", "S001", "S002", "A001")]
    with pytest.raises(NotAuthorizedError):
        await w.alerts.acknowledge(1, m002)
    with pytest.raises(NotAuthorizedError):
        await w.alerts.snooze(1, s001)  # only the owner snoozes
    with pytest.raises(NotAuthorizedError):
        await w.alerts.reassign(1, s002, "M002")  # not her team
    with pytest.raises(NotAuthorizedError):
        await w.alerts.reassign(1, s001, "M003")  # not a teammate
    _, teammates = await w.alerts.teammates(1, s001)
    assert [m.staff_id for m in teammates] == ["M002"]
    moved = await w.alerts.reassign(1, s001, "M002")
    assert moved.manager_id == "M002"
    assert 1 in [a.id for a in await w.alerts.undelivered()]  # the new owner gets it delivered
    escalation = await w.alerts.escalate(1, m002)
    assert escalation.level == 1 and [t.staff_id for t in escalation.targets] == ["S001"]
    await w.alerts.acknowledge(1, a001)
    with pytest.raises(UsageError):
        await w.alerts.snooze(1, m002)


async def test_ledger_is_exactly_once_per_staff_day_kind(w: World) -> None:
    first = await w.ledger.begin("M001", BRIEFING_DAY, "briefing")
    assert first is not None and first.status == "pending" and first.attempts == 1
    again = await w.ledger.begin("M001", BRIEFING_DAY, "briefing")  # a restart: still pending
    assert again is not None and again.id == first.id and again.attempts == 2
    await w.ledger.complete(first.id, 77)
    assert await w.ledger.begin("M001", BRIEFING_DAY, "briefing") is None
    settled = await w.ledger.get("M001", BRIEFING_DAY, "briefing")
    assert settled is not None and settled.status == "sent" and settled.message_id == 77
    assert await w.ledger.mark_missed("M001", BRIEFING_DAY, "briefing", "late") is False
    assert await w.ledger.mark_missed("M002", BRIEFING_DAY, "briefing", "late") is True
    assert await w.ledger.mark_missed("M002", BRIEFING_DAY, "briefing", "late") is False
    blocked = await w.ledger.begin("M003", BRIEFING_DAY, "briefing")
    assert blocked is not None
    await w.ledger.fail(blocked.id, "Forbidden: bot was blocked by the user")
    assert await w.ledger.begin("M003", BRIEFING_DAY, "briefing") is None
    statuses = {d.staff_id: d.status for d in await w.ledger.on_day(BRIEFING_DAY)}
    assert statuses == {"M001": "sent", "M002": "missed", "M003": "failed"}


async def test_only_one_process_holds_the_scheduler_lock(w: World) -> None:
    clock = FakeClock()
    first = SchedulerLock(w.uow, owner="host:1", ttl_seconds=180, clock=clock)
    second = SchedulerLock(w.uow, owner="host:2", ttl_seconds=180, clock=clock)
    assert (await first.acquire()).acquired
    refused = await second.acquire()
    assert not refused.acquired and refused.owner == "host:1"
    clock.advance(seconds=120)
    assert (await first.renew()).acquired  # renewed before expiry
    clock.advance(seconds=120)
    assert not (await second.acquire()).acquired
    clock.advance(seconds=61)  # the holder stopped renewing: its lock expired
    taken = await second.acquire()
    assert taken.acquired and taken.owner == "host:2"
    assert not (await first.renew()).acquired
    await second.release()
    assert (await first.acquire()).acquired
