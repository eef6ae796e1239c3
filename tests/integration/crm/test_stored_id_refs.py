"""Issue 12 §5 on both databases: ids the importer would refuse but the database holds (written
by an older import or by hand) still travel in buttons as refs, and a ref resolves only among
what the presser may see — clients, staff and tickets, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

from crm.clients import ClientService
from crm.id_refs import MAX_REF_BYTES, ref_of
from crm.proactive import load_proactive_config
from crm.staff import StaffService
from crm.tickets import TicketService
from storage.rows import ClientRow, StaffRow, TicketRow
from tests.integration.crm.conftest import Book

ODD_CLIENT = "CN:001"
LONG_CLIENT = "华" * 20  # 20 Chinese characters: 60 bytes in UTF-8
ODD_STAFF = "M:3"
LONG_TICKET = "工" * 40  # the column's full width


async def add_odd_rows(book: Book) -> None:
    async with book.uow() as work:
        session = work.session
        session.add(StaffRow(staff_id=ODD_STAFF, name="赵敏", role="manager", supervisor_id="S1"))
        await session.flush()
        for client_id in (ODD_CLIENT, LONG_CLIENT):
            session.add(
                ClientRow(
                    client_id=client_id,
                    name=f"客户{len(client_id)}",
                    manager_id="M1",
                    phone="13812345678",
                    id_number="110101199001011234",
                    opened_on=date(2015, 1, 1),
                    risk_level="C3",
                )
            )
        await session.flush()
        session.add(
            TicketRow(
                ticket_id=LONG_TICKET,
                client_id=ODD_CLIENT,
                category="inquiry",
                opened_at=datetime(2026, 11, 20, 2, 0, tzinfo=UTC),
                summary="咨询",
                manager_id="M1",
            )
        )
        await work.commit()


async def test_odd_client_ids_resolve_for_their_manager_only(book: Book) -> None:
    await add_odd_rows(book)
    clients = ClientService(book.uow)
    for stored in (ODD_CLIENT, LONG_CLIENT):
        ref = ref_of(stored)
        assert ref != stored and len(ref.encode()) <= MAX_REF_BYTES and ":" not in ref
        assert await clients.resolve_ref(ref, book.staff["M1"]) == stored
        assert await clients.resolve_ref(ref, book.staff["S1"]) == stored  # her supervisor
        assert await clients.resolve_ref(ref, book.staff["M2"]) is None  # another team's


async def test_an_odd_staff_id_resolves_within_the_team(book: Book) -> None:
    await add_odd_rows(book)
    staff = StaffService(book.uow)
    ref = ref_of(ODD_STAFF + "-有点长的编号-超过二十四个字符")  # forged: names no one
    assert await staff.resolve_ref(ref, book.staff["S1"]) is None
    ref = ref_of(ODD_STAFF)
    assert ref != ODD_STAFF  # the colon: hashed
    assert await staff.resolve_ref(ref, book.staff["S1"]) == ODD_STAFF
    assert await staff.resolve_ref(ref, book.staff["S2"]) is None


async def test_a_full_width_ticket_id_resolves_for_its_team_only(book: Book) -> None:
    await add_odd_rows(book)
    tickets = TicketService(book.uow, load_proactive_config())
    ref = ref_of(LONG_TICKET)
    assert len(ref.encode()) <= MAX_REF_BYTES
    assert await tickets.resolve_ref(ref, book.staff["M1"]) == LONG_TICKET
    assert await tickets.resolve_ref(ref, book.staff["S1"]) == LONG_TICKET
    assert await tickets.resolve_ref(ref, book.staff["M2"]) is None
