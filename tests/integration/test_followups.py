"""FollowUpService on SQLite and PostgreSQL: drafts, idempotent saves, authorisation, snooze and
the reminders derived from the database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from crm.clients import ClientService
from crm.errors import NotAuthorizedError, NotFoundError, UsageError
from crm.followups import (
    AmbiguousClientError,
    FollowUp,
    FollowUpService,
    StaleRequestError,
)
from crm.staff import StaffService
from crm.when import WhenError
from storage.activity_rows import FollowUpRow
from storage.engine import session_factory
from storage.rows import ClientRow, StaffRow
from storage.uow import UnitOfWorkFactory

# Friday 2026-11-20 14:00 in Shanghai.
START = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
TOMORROW_10 = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)  # 10:00 Shanghai


class FakeClock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def _client(client_id: str, name: str, manager_id: str) -> ClientRow:
    return ClientRow(
        client_id=client_id,
        name=name,
        manager_id=manager_id,
        opened_on=date(2020, 1, 1),
        risk_level="C3",
    )


@pytest.fixture
async def world(engine):
    uow = UnitOfWorkFactory(session_factory(engine))
    async with uow() as work:
        work.session.add_all(
            [
                StaffRow(staff_id="S001", name="周强", role="supervisor"),
                StaffRow(staff_id="S002", name="吴敏", role="supervisor"),
                StaffRow(
                    staff_id="M001",
                    name="王芳",
                    role="manager",
                    supervisor_id="S001",
                    telegram_user_id=1001,
                ),
                StaffRow(staff_id="M002", name="李静", role="manager", supervisor_id="S001"),
                StaffRow(
                    staff_id="M003",
                    name="陈晨",
                    role="manager",
                    supervisor_id="S002",
                    telegram_user_id=1003,
                    timezone="America/New_York",
                    language="en",
                ),
            ]
        )
        await work.commit()
    async with uow() as work:
        work.session.add_all(
            [
                _client("3100000001", "张伟", "M001"),
                _client("3100000002", "刘洋", "M001"),
                _client("3100000003", "刘洋", "M001"),
                _client("3100000009", "赵磊", "M002"),
                _client("3100000010", "Mary Chen", "M003"),
            ]
        )
        await work.commit()
    clock = FakeClock()
    service = FollowUpService(uow, ClientService(uow, clock=clock), clock=clock)
    staff = StaffService(uow, clock=clock)
    members = {sid: await staff.get(sid) for sid in ("S001", "S002", "M001", "M002", "M003")}
    return service, clock, members, uow


async def _save(service, member, request, *, chat=1001, message=1, names_client=True):
    draft = await service.draft(request, member)
    return await service.create(
        member,
        client_id=draft.client_id,
        request=request,
        names_client=names_client,
        due_at=draft.when.due_at,
        chat_id=chat,
        message_id=message,
    )


async def test_a_request_is_drafted_in_the_managers_zone(world):
    service, _, members, _ = world
    draft = await service.draft("张伟 明天上午10点回电确认转托管", members["M001"])
    assert (draft.client_id, draft.client_name) == ("3100000001", "张伟")
    assert draft.title == "回电确认转托管"
    assert draft.when.due_at == TOMORROW_10
    # The same words from a manager in New York mean 10:00 there.
    other = await service.draft("Mary 明天上午10点 call", members["M003"])
    assert other.when.due_at == datetime(2026, 11, 21, 15, 0, tzinfo=UTC)


async def test_clients_are_resolved_within_the_book_only(world):
    service, _, members, _ = world
    with pytest.raises(AmbiguousClientError) as ambiguous:
        await service.draft("刘洋 明天 回电", members["M001"])
    assert {cid for cid, _ in ambiguous.value.matches} == {"3100000002", "3100000003"}
    with pytest.raises(NotFoundError):
        await service.draft("赵磊 明天 回电", members["M001"])  # M002's client
    with pytest.raises(NotAuthorizedError):
        await service.draft("明天 回电", members["M001"], client_id="3100000009")
    with pytest.raises(WhenError) as past:
        await service.draft("张伟 今天上午9点 回电", members["M001"])
    assert past.value.reason == "past"


async def test_saving_is_idempotent_on_the_request_message(world):
    service, _, members, uow = world
    first = await _save(service, members["M001"], "张伟 明天上午10点 回电", message=77)
    again = await _save(service, members["M001"], "张伟 明天上午10点 回电", message=77)
    assert first.created and not again.created
    assert again.follow_up.id == first.follow_up.id
    assert first.follow_up.title == "回电" and first.follow_up.due_at == TOMORROW_10
    async with uow() as work:
        count = await work.session.scalar(select(func.count()).select_from(FollowUpRow))
    assert count == 1


async def test_confirming_too_late_or_an_edited_request_is_refused(world):
    service, clock, members, _ = world
    member = members["M001"]
    draft = await service.draft("张伟 2小时后 回电", member)
    clock.now += timedelta(hours=3)
    with pytest.raises(WhenError) as late:
        await service.create(
            member,
            client_id=draft.client_id,
            request="张伟 2小时后 回电",
            names_client=True,
            due_at=draft.when.due_at,
            chat_id=1001,
            message_id=5,
        )
    assert late.value.reason == "past"
    with pytest.raises(StaleRequestError):
        await service.create(
            member,
            client_id="3100000001",
            request="张伟 随便写写",
            names_client=True,
            due_at=clock.now + timedelta(hours=1),
            chat_id=1001,
            message_id=6,
        )


async def test_only_the_owner_or_her_supervisor_may_act(world):
    service, _, members, _ = world
    saved = (await _save(service, members["M001"], "张伟 明天上午10点 回电")).follow_up
    for outsider in ("M002", "S002", "M003"):
        with pytest.raises(NotAuthorizedError):
            await service.complete(saved.id, members[outsider])
        with pytest.raises(NotAuthorizedError):
            await service.snooze(saved.id, members[outsider], "hour")
    with pytest.raises(NotFoundError):
        await service.complete(saved.id + 100, members["M001"])
    done = await service.complete(saved.id, members["S001"])  # her supervisor
    assert done.status == "done"
    assert (await service.complete(saved.id, members["M001"])).status == "done"  # idempotent
    with pytest.raises(UsageError):
        await service.snooze(saved.id, members["M001"], "hour")


async def test_open_follow_ups_are_listed_soonest_first_for_their_owner(world):
    service, _, members, _ = world
    await _save(service, members["M001"], "张伟 下周二上午9:30 复盘", message=1)
    await _save(service, members["M001"], "张伟 2小时后 回电", message=2)
    await _save(service, members["M001"], "张伟 明天上午10点 发材料", message=3)
    page = await service.list_open(members["M001"], limit=2)
    assert [i.title for i in page.items] == ["回电", "发材料"] and page.total == 3
    rest = await service.list_open(members["M001"], offset=2, limit=2)
    assert [i.title for i in rest.items] == ["复盘"]
    assert (await service.list_open(members["M002"])).total == 0


async def test_reminders_are_due_once_and_snoozing_re_arms_them(world):
    service, clock, members, _ = world
    member = members["M001"]
    saved = (await _save(service, member, "张伟 明天上午10点 回电")).follow_up
    assert await service.due_reminders() == []
    clock.now = TOMORROW_10 + timedelta(seconds=1)
    due = await service.due_reminders()
    assert [(r.follow_up.id, r.chat_id, r.language) for r in due] == [(saved.id, 1001, "zh")]
    assert await service.mark_reminded(saved.id)
    assert not await service.mark_reminded(saved.id)  # exactly once
    assert await service.due_reminders() == []

    snoozed = await service.snooze(saved.id, member, "hour")
    assert snoozed.due_at == clock.now + timedelta(hours=1) and snoozed.reminded_at is None
    assert await service.due_reminders() == []
    clock.now += timedelta(hours=1)
    assert [r.follow_up.id for r in await service.due_reminders()] == [saved.id]

    tomorrow = await service.snooze(saved.id, member, "tomorrow")
    assert tomorrow.due_at == datetime(2026, 11, 22, 1, 30, tzinfo=UTC)  # 09:30 Shanghai
    assert tomorrow.snooze_count == 2
    assert (saved.id, tomorrow.due_at) in await service.scheduled_reminders()


async def test_owners_without_telegram_and_closed_follow_ups_are_not_reminded(world):
    service, clock, members, _ = world
    unbound = await _save(service, members["M002"], "赵磊 明天上午10点 回电", chat=9, message=1)
    closed = await _save(service, members["M001"], "张伟 明天上午10点 回电", message=2)
    await service.complete(closed.follow_up.id, members["M001"])
    clock.now = TOMORROW_10 + timedelta(minutes=5)
    assert await service.due_reminders() == []
    assert unbound.created


async def test_listeners_hear_about_creations_snoozes_and_completions(world):
    service, _, members, _ = world
    heard: list[FollowUp] = []
    service.subscribe(heard.append)
    saved = (await _save(service, members["M001"], "张伟 明天上午10点 回电")).follow_up
    await _save(service, members["M001"], "张伟 明天上午10点 回电")  # replay: nothing new
    await service.snooze(saved.id, members["M001"], "hour")
    await service.complete(saved.id, members["M001"])
    assert [(f.id, f.status) for f in heard] == [
        (saved.id, "open"),
        (saved.id, "open"),
        (saved.id, "done"),
    ]
    assert heard[1].due_at == saved.due_at + timedelta(hours=1)
