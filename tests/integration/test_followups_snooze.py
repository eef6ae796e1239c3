"""⏰ never moves a follow-up earlier (issue 12 point 12): 「明天 09:30」 on a task due tomorrow at
10:00 is refused with both times and changes nothing; later choices still move it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from crm.clients import ClientService
from crm.errors import SnoozeNotLaterError
from crm.followups import FollowUpService
from crm.staff import StaffService
from storage.engine import session_factory
from storage.rows import ClientRow, StaffRow
from storage.uow import UnitOfWorkFactory

# Friday 2026-11-20 14:00 in Shanghai.
START = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
TOMORROW_0930 = datetime(2026, 11, 21, 1, 30, tzinfo=UTC)


class FakeClock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def world(engine):
    uow = UnitOfWorkFactory(session_factory(engine))
    async with uow() as work:
        work.session.add(
            StaffRow(staff_id="M001", name="王芳", role="manager", telegram_user_id=1001)
        )
        await work.commit()
    async with uow() as work:
        work.session.add(
            ClientRow(
                client_id="3100000001",
                name="张伟",
                manager_id="M001",
                opened_on=date(2020, 1, 1),
                risk_level="C3",
            )
        )
        await work.commit()
    clock = FakeClock()
    service = FollowUpService(uow, ClientService(uow, clock=clock), clock=clock)
    member = await StaffService(uow, clock=clock).get("M001")
    return service, clock, member


async def _save(service: FollowUpService, member, request: str, message: int = 1):
    draft = await service.draft(request, member)
    saved = await service.create(
        member,
        client_id=draft.client_id,
        request=request,
        names_client=True,
        due_at=draft.when.due_at,
        chat_id=1001,
        message_id=message,
    )
    return saved.follow_up


async def test_tomorrow_morning_does_not_move_a_later_due_time_earlier(world):
    service, _, member = world
    item = await _save(service, member, "张伟 明天上午10点 回电")
    with pytest.raises(SnoozeNotLaterError) as refused:
        await service.snooze(item.id, member, "tomorrow")
    error = refused.value
    assert (error.follow_up_id, error.due_at, error.until) == (item.id, item.due_at, TOMORROW_0930)
    assert error.zone == "Asia/Shanghai"
    unchanged = await service.get(item.id, member)
    assert (unchanged.due_at, unchanged.snooze_count) == (item.due_at, 0)


async def test_the_same_time_is_not_later_either(world):
    service, _, member = world
    item = await _save(service, member, "张伟 明天上午9:30 回电")
    with pytest.raises(SnoozeNotLaterError):
        await service.snooze(item.id, member, "tomorrow")


async def test_later_snoozes_still_move_it(world):
    service, clock, member = world
    item = await _save(service, member, "张伟 明天上午10点 回电")
    hour = await service.snooze(item.id, member, "hour")  # an hour after the due time
    assert hour.due_at == item.due_at + timedelta(hours=1)
    clock.now = item.due_at + timedelta(hours=2)  # overdue: tomorrow 09:30 is later now
    tomorrow = await service.snooze(item.id, member, "tomorrow")
    assert tomorrow.due_at == datetime(2026, 11, 22, 1, 30, tzinfo=UTC)
    assert tomorrow.snooze_count == 2
