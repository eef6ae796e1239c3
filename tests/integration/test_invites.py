"""Invites bind a Telegram account once; used, expired and unknown codes are refused."""

from datetime import UTC, datetime, timedelta

import pytest

from crm.errors import InviteError
from crm.staff import StaffService
from storage.engine import session_factory
from storage.rows import StaffRow
from storage.uow import UnitOfWorkFactory


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 21, 1, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def staff_service(engine):
    uow = UnitOfWorkFactory(session_factory(engine))
    async with uow() as work:
        work.session.add_all(
            [
                StaffRow(staff_id="M001", name="王芳", role="manager"),
                StaffRow(staff_id="M002", name="李静", role="manager"),
                StaffRow(staff_id="M009", name="离职", role="manager", active=False),
            ]
        )
        await work.commit()
    clock = FakeClock()
    return StaffService(uow, clock=clock), clock


async def test_invite_binds_once(staff_service):
    service, _ = staff_service
    invite = await service.create_invite("M001")
    assert len(invite.code) >= 20
    assert await service.by_telegram_user(555) is None
    member = await service.redeem_invite(invite.code, 555)
    assert member.staff_id == "M001"
    assert (await service.by_telegram_user(555)).staff_id == "M001"
    with pytest.raises(InviteError) as used:
        await service.redeem_invite(invite.code, 556)
    assert used.value.reason == "used"


async def test_expired_and_unknown_codes_are_refused(staff_service):
    service, clock = staff_service
    invite = await service.create_invite("M001")
    clock.now += timedelta(days=7)
    with pytest.raises(InviteError) as expired:
        await service.redeem_invite(invite.code, 555)
    assert expired.value.reason == "expired"
    with pytest.raises(InviteError) as unknown:
        await service.redeem_invite("not-a-real-code", 555)
    assert unknown.value.reason == "unknown"


async def test_code_is_stored_only_as_a_hash(staff_service, engine):
    service, _ = staff_service
    invite = await service.create_invite("M001")
    from sqlalchemy import text

    async with engine.connect() as conn:
        stored = (await conn.execute(text("SELECT code_hash FROM invites"))).scalars().all()
    assert stored and invite.code not in stored[0]


async def test_one_telegram_account_cannot_hold_two_staff(staff_service):
    service, _ = staff_service
    await service.redeem_invite((await service.create_invite("M001")).code, 555)
    with pytest.raises(InviteError) as bound:
        await service.redeem_invite((await service.create_invite("M002")).code, 555)
    assert bound.value.reason == "already_bound"


async def test_inactive_staff_get_no_invite(staff_service):
    service, _ = staff_service
    with pytest.raises(InviteError):
        await service.create_invite("M009")


class FakeTicker:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_staff_lookups_are_reused_briefly_and_dropped_on_changes(engine):
    """The allow-list asks on every message: a found member is reused for lookup_ttl seconds,
    changes made through the service apply at once, outside changes within the TTL."""
    uow = UnitOfWorkFactory(session_factory(engine))
    async with uow() as work:
        work.session.add(StaffRow(staff_id="M001", name="王芳", role="manager"))
        await work.commit()
    ticker = FakeTicker()
    service = StaffService(uow, lookup_ttl=10.0, ticker=ticker)
    assert await service.by_telegram_user(555) is None  # strangers are never cached …
    await service.bind_directly("M001", 555)
    assert (await service.by_telegram_user(555)).language == "zh"  # … so binding works at once

    await service.set_language("M001", "en")  # a change through the service: seen at once
    assert (await service.by_telegram_user(555)).language == "en"

    async with uow() as work:  # another process deactivates her (a staff CSV import)
        row = await work.session.get(StaffRow, "M001")
        row.active = False
        await work.commit()
    ticker.now += 9.9
    assert await service.by_telegram_user(555) is not None  # still inside the TTL
    ticker.now += 0.2
    assert await service.by_telegram_user(555) is None  # refused once the TTL has passed
