"""The id rule of every id column (docs/data-formats.md): 1–32 (trades, events, tickets: 40)
ASCII letters, digits, '-', '_' or '.', starting with a letter or digit. A row breaking it is
refused as `line [column]: reason` and nothing is stored; SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from demo import generate_demo_book
from importing import ImportService
from storage.rows import ClientRow, StaffRow, TicketRow
from tests.unit.handlers.conftest import DEMO_AS_OF

STAFF = "staff_id,name,role,supervisor_id\nS1,陈静,supervisor,\nM1,王芳,manager,S1\n"
CLIENTS_HEADER = "client_id,name,manager_id,phone,id_number,birthday,opened_on,risk_level\n"
LONG_CHINESE_ID = "客户编号" * 5  # 20 characters, 60 bytes of UTF-8


def write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


async def count(engine: AsyncEngine, row: type) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(row)) or 0)


async def test_ids_a_button_cannot_carry_are_refused_by_line_and_column(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    service = ImportService(engine)
    assert (await service.import_file("staff", write(tmp_path, "staff.csv", STAFF))).ok
    clients = CLIENTS_HEADER + "".join(
        f"{client_id},张伟,M1,,,,2020-01-02,C3\n"
        for client_id in ("K1", "CN:001", LONG_CHINESE_ID, "K 2", "-K3", "K" * 33, "Ｋ００４")
    )
    report = await service.import_file("clients", write(tmp_path, "clients.csv", clients))
    assert not report.ok and report.inserted == 0
    reasons = {(e.line, e.column): e.reason for e in report.errors}
    assert set(reasons) == {
        (3, "client_id"),
        (4, "client_id"),
        (5, "client_id"),
        (6, "client_id"),
        (7, "client_id"),
    }
    assert reasons[3, "client_id"].startswith("not a valid id: contains ':'")
    assert "ASCII letters, digits, '-', '_' and '.'" in reasons[3, "client_id"]
    assert reasons[4, "client_id"].startswith("not a valid id: contains '客'")
    assert reasons[5, "client_id"].startswith("not a valid id: contains U+0020")
    assert reasons[6, "client_id"].startswith("not a valid id: starts with '-'")
    assert reasons[7, "client_id"] == "id longer than 32 characters"
    assert await count(engine, ClientRow) == 0  # all or nothing: K1 and Ｋ００４ wait too


async def test_every_id_column_follows_the_rule(engine: AsyncEngine, tmp_path: Path) -> None:
    service = ImportService(engine)
    staff = write(tmp_path, "bad-staff.csv", STAFF + "M:2,刘洋,manager,S/1\n")
    report = await service.import_file("staff", staff)
    assert {(e.line, e.column) for e in report.errors} == {(4, "staff_id"), (4, "supervisor_id")}
    assert await count(engine, StaffRow) == 0
    assert (await service.import_file("staff", write(tmp_path, "staff.csv", STAFF))).ok
    clients = CLIENTS_HEADER + "K1,张伟,M1,,,,2020-01-02,C3\nK2,李娜,M#1,,,,2020-01-02,C3\n"
    report = await service.import_file("clients", write(tmp_path, "clients.csv", clients))
    assert [(e.line, e.column) for e in report.errors] == [(3, "manager_id")]
    tickets = (
        "ticket_id,client_id,category,opened_at,summary\n"
        "TK:1,K1,complaint,2026-01-05 10:00,转账延迟\n"
        f"TK2,{LONG_CHINESE_ID},inquiry,2026-01-05 10:00,咨询\n"
    )
    report = await service.import_file("tickets", write(tmp_path, "tickets.csv", tickets))
    assert [(e.line, e.column) for e in report.errors] == [(2, "ticket_id"), (3, "client_id")]
    assert await count(engine, TicketRow) == 0


async def test_full_width_ids_are_normalised_and_stored_in_ascii(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    service = ImportService(engine)
    assert (await service.import_file("staff", write(tmp_path, "staff.csv", STAFF))).ok
    clients = (
        CLIENTS_HEADER + "Ｋ００４,张伟,Ｍ１,,,,2020-01-02,C3\nK.5_a-b,李娜,M1,,,,2020-01-02,C3\n"
    )
    assert (await service.import_file("clients", write(tmp_path, "clients.csv", clients))).ok
    async with engine.connect() as conn:
        ids = set((await conn.scalars(select(ClientRow.client_id))).all())
    assert ids == {"K004", "K.5_a-b"}


def test_every_demo_id_follows_the_rule(tmp_path: Path) -> None:
    """The demo book (all seven kinds) passes the rule: it is parsed with the importer's own
    field parsers, so a generator change that breaks the rule fails here."""
    import csv

    from importing.fields import FieldError, parse_id

    book = generate_demo_book(tmp_path / "csv", clients=60, as_of=DEMO_AS_OF)
    checked = 0
    for demo_file in book.files:
        with demo_file.path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                for column, value in row.items():
                    if column.endswith("_id") and column != "telegram_user_id" and value:
                        try:
                            parse_id(value, max_length=32)
                        except FieldError as exc:  # pragma: no cover - the failure message
                            pytest.fail(f"{demo_file.kind} {column} {value!r}: {exc.reason}")
                        checked += 1
    assert checked > 100
