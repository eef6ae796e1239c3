"""The report counts bad rows and errors apart, however many there are, and refuses one ID
number on two clients (in the file, or against the stored ones) without repeating it."""

from __future__ import annotations

from importing import RowError
from tests.integration.importing.test_import_service import count, load, seed, service

__all__ = ["service"]  # the fixture, shared with the service tests

SNAPSHOTS_HEADER = "date,client_id,total_assets,cash,market_value,inflow,outflow\n"


async def test_rows_and_errors_are_counted_apart(engine, service, tmp_path):
    await seed(service, tmp_path, "staff", "clients")
    rows = (
        "2026-01-05,K1,abc,x,0,0,0\n"  # two errors
        "2026-01-05,K2,1,1,0,0,0\n"
        "2026-01-05,K9,1,1,0,0,0\n"  # one error, found by the whole-file check
    )
    report = await load(service, tmp_path, "snapshots", SNAPSHOTS_HEADER + rows)
    assert (report.bad_rows, report.error_count) == (2, 3)


async def test_rows_beyond_the_stored_errors_are_counted_once_each(engine, service, tmp_path):
    await seed(service, tmp_path, "staff", "clients")
    rows = "".join(f"2026-01-0{d},X{i},1,1,0,0,0\n" for i in range(1205) for d in (5, 6))
    rows += "2026-01-05,X0,1,1,0,0,0\n"  # unknown and a duplicate: one row, two errors
    report = await load(service, tmp_path, "snapshots", SNAPSHOTS_HEADER + rows)
    assert report.error_count == 2 * 1205 + 2
    assert report.bad_rows == 2 * 1205 + 1
    assert len(report.errors) == 1000


async def test_one_id_number_on_two_clients_is_refused_naming_both(engine, service, tmp_path):
    await seed(service, tmp_path, "staff", "clients")  # K1 holds 11010519491231002X
    content = (
        "client_id,name,manager_id,phone,id_number,birthday,opened_on,risk_level\n"
        "K7,赵敏,M1,,11010519491231002x,,2020-01-02,C3\n"
        "K8,孙丽,M1,,１１０１０５１９４９１２３１００２Ｘ,,2020-01-02,C3\n"
    )
    report = await load(service, tmp_path, "clients", content)
    stored = "client_id K1, already stored; one id_number belongs to one client_id"
    assert report.errors == (
        RowError(2, "id_number", f"client_id K7 has the same id_number as {stored}"),
        RowError(
            3,
            "id_number",
            "client_id K8 has the same id_number as line 2 (client_id K7);"
            " one id_number belongs to one client_id",
        ),
        RowError(3, "id_number", f"client_id K8 has the same id_number as {stored}"),
    )
    assert (report.bad_rows, report.error_count) == (2, 3)
    assert await count(engine, "clients") == 3
