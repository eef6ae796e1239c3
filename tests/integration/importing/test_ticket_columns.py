"""The tickets file's optional columns (DESIGN §8) on SQLite and PostgreSQL: status,
first_response_at, closed_at, manager_id (the client's manager when empty); an empty cell keeps
what chat recorded; impossible times are refused by line."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from importing import ImportService
from storage.rows import TicketRow
from tests.integration.importing.test_import_service import contents, load, seed


@pytest.fixture
def service(engine: AsyncEngine) -> ImportService:
    return ImportService(engine)


FULL = """ticket_id,client_id,category,opened_at,summary,status,first_response_at,closed_at,manager_id
TK1,K1,complaint,2026-01-05 10:00,转账延迟,,,,
TK2,K2,inquiry,2026-01-05 10:00,咨询两融,open,2026-01-05 10:05,,M2
TK3,K3,trading,2026-01-05 10:00,条件单,,2026-01-05 10:10,2026-01-05 11:00,
TK4,K3,account,2026-01-05 10:00,改手机号,closed,,,
"""


async def test_optional_columns_are_imported_and_the_owner_defaults_to_the_clients_manager(
    engine, service, tmp_path
):
    await seed(service, tmp_path, "staff", "clients")
    report = await load(service, tmp_path, "tickets", FULL)
    assert report.committed and report.inserted == 4, report.errors
    rows = {r.ticket_id: r for r in await contents(engine, "tickets")}
    assert rows["TK1"].manager_id == "M1" and rows["TK1"].status == "open"  # K1's manager
    assert rows["TK2"].manager_id == "M2"  # named in the file, not K2's manager M1
    assert rows["TK2"].first_response_at == datetime(2026, 1, 5, 2, 5, tzinfo=UTC)
    assert rows["TK3"].manager_id == "M2" and rows["TK3"].status == "closed"  # closed_at: closed
    assert rows["TK3"].closed_at == datetime(2026, 1, 5, 3, 0, tzinfo=UTC)
    assert rows["TK4"].status == "closed" and rows["TK4"].closed_at is None


async def test_the_old_five_columns_still_import_and_an_empty_cell_keeps_what_chat_recorded(
    engine, service, tmp_path
):
    await seed(service, tmp_path, "staff", "clients", "tickets")  # five columns only
    rows = {r.ticket_id: r for r in await contents(engine, "tickets")}
    assert rows["TK1"].manager_id == "M1" and rows["TK2"].manager_id == "M1"
    responded = datetime(2026, 1, 5, 2, 30, tzinfo=UTC)
    async with engine.begin() as conn:  # what ✅ 已响应 and 转派 recorded in chat
        await conn.execute(
            update(TicketRow.__table__)
            .where(TicketRow.__table__.c.ticket_id == "TK1")
            .values(first_response_at=responded, manager_id="M2")
        )
    report = await load(service, tmp_path, "tickets", FULL.replace("转账延迟", "转账延迟（补充）"))
    assert report.committed, report.errors
    async with engine.connect() as conn:
        tk1 = (
            await conn.execute(
                select(TicketRow.__table__).where(TicketRow.__table__.c.ticket_id == "TK1")
            )
        ).one()
    assert tk1.summary == "转账延迟（补充）"
    assert tk1.first_response_at == responded and tk1.manager_id == "M2" and tk1.status == "open"


async def test_impossible_times_and_unknown_managers_are_refused_by_line(engine, service, tmp_path):
    await seed(service, tmp_path, "staff", "clients")
    bad = (
        "ticket_id,client_id,category,opened_at,summary,status,first_response_at,closed_at,"
        "manager_id\n"
        "TK1,K1,complaint,2026-01-05 10:00,a,,2026-01-05 09:00,,\n"
        "TK2,K1,complaint,2026-01-05 10:00,b,open,,2026-01-05 11:00,\n"
        "TK3,K1,complaint,2026-01-05 10:00,c,,,,M9\n"
        "TK4,K1,complaint,2026-01-05 10:00,d,pending,,,\n"
    )
    report = await load(service, tmp_path, "tickets", bad)
    assert not report.committed
    found = {(e.line, e.column) for e in report.errors}
    assert found == {
        (2, "first_response_at"),
        (3, "closed_at"),
        (4, "manager_id"),
        (5, "status"),
    }, report.errors
    assert await contents(engine, "tickets") == []
