"""The schema accepts a staff member and a client and enforces the foreign key between them."""

from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError

from storage.engine import session_factory
from storage.rows import ClientRow, StaffRow
from storage.uow import UnitOfWorkFactory


async def test_client_needs_existing_manager(engine):
    uow = UnitOfWorkFactory(session_factory(engine))
    async with uow() as work:
        work.session.add(StaffRow(staff_id="M1", name="王芳", role="manager"))
        await work.commit()
    async with uow() as work:
        work.session.add(
            ClientRow(
                client_id="K1",
                name="张伟",
                manager_id="M1",
                opened_on=date(2020, 1, 1),
                risk_level="C3",
            )
        )
        await work.commit()
    async with uow() as work:
        work.session.add(
            ClientRow(
                client_id="K2",
                name="李娜",
                manager_id="NOPE",
                opened_on=date(2020, 1, 1),
                risk_level="C3",
            )
        )
        with pytest.raises(IntegrityError):
            await work.commit()
