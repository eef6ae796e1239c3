"""ClientService on SQLite and PostgreSQL: scoping by role, search, the card, contacts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from crm.clients import ClientService
from crm.errors import NotAuthorizedError, NotFoundError, UsageError
from tests.integration.crm.conftest import AS_OF, NOW, Book, FakeClock


def service(book: Book) -> ClientService:
    return ClientService(book.uow, clock=FakeClock())


async def test_a_manager_sees_only_her_own_book(book):
    clients = service(book)
    assert (await clients.get("K1", book.staff["M1"])).name == "张伟"
    with pytest.raises(NotAuthorizedError):
        await clients.get("K3", book.staff["M1"])
    with pytest.raises(NotFoundError):
        await clients.get("NOPE", book.staff["M1"])
    assert await clients.search("金佳燕", book.staff["M1"]) == []


async def test_a_supervisor_sees_her_teams_clients(book):
    clients = service(book)
    assert (await clients.get("K2", book.staff["S1"])).manager_id == "M1"
    with pytest.raises(NotAuthorizedError):
        await clients.get("K3", book.staff["S1"])
    found = await clients.search("zhangw", book.staff["S1"])
    assert {m.client_id for m in found} == {"K1", "K2"}
    assert [m.client_id for m in await clients.search("jjy", book.staff["S2"])] == ["K3"]


async def test_compliance_sees_nobody(book):
    clients = service(book)
    with pytest.raises(NotAuthorizedError):
        await clients.get("K1", book.staff["C1"])
    with pytest.raises(NotAuthorizedError):
        await clients.search("张伟", book.staff["C1"])
    with pytest.raises(NotAuthorizedError):
        await clients.card("K1", book.staff["C1"])
    with pytest.raises(NotAuthorizedError):
        await clients.mark_contacted("K1", book.staff["C1"])


async def test_empty_query_is_a_usage_error(book):
    with pytest.raises(UsageError):
        await service(book).search("  ", book.staff["M1"])


async def test_tiers_at_the_thresholds(book):
    clients = service(book)
    assert (await clients.get("K1", book.staff["M1"])).tier == "hnw"
    assert (await clients.get("K2", book.staff["M1"])).tier == "wealth"  # exactly 1,000,000
    assert (await clients.get("K3", book.staff["M2"])).tier == "mass"  # one cent below


async def test_card_shows_change_holdings_and_masks_identity(book):
    clients = service(book)
    card = await clients.card("K1", book.staff["M1"])
    assert card.total_assets == Decimal("6250000.00") and card.data_date == AS_OF
    assert card.compared_with == date(2026, 10, 21)
    assert card.change_30d == Decimal("1250000.00") and card.change_30d_pct == pytest.approx(0.25)
    assert [h.symbol for h in card.holdings] == ["688981", "600519"]
    assert card.holdings[0].share == pytest.approx(0.75)
    assert card.phone_masked == "138****5678" and "19900101" not in card.id_number_masked
    assert [t.tag for t in card.tags] == ["tier:hnw"]
    assert card.last_contact is None and card.notes == ()


async def test_mark_contacted_becomes_the_last_contact(book):
    clients = service(book)
    contact = await clients.mark_contacted("K1", book.staff["M1"], now=NOW)
    assert contact.channel == "marked" and contact.client_name == "张伟"
    card = await clients.card("K1", book.staff["M1"])
    assert card.last_contact is not None and card.last_contact.at == NOW


async def test_asset_history_is_ordered_and_bounded(book):
    history = await service(book).asset_history("K1", book.staff["M1"], days=35)
    assert [p.day for p in history.points] == [date(2026, 10, 21), AS_OF]
