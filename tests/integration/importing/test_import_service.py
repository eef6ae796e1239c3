"""ImportService against real SQLite and PostgreSQL: idempotent upserts, all-or-nothing files,
and every bad row reported by line."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Row, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from importing import KINDS, ImportFileError, ImportReport, ImportService, RowError
from storage.rows import (
    ClientRow,
    EventRow,
    HoldingRow,
    SnapshotRow,
    StaffRow,
    TicketRow,
    TradeRow,
)

STAFF = """staff_id,name,role,supervisor_id,telegram_user_id,timezone,language,briefing_time
M1,王芳,manager,S1,1001,,,
M2,刘洋,Manager,S1,,Asia/Hong_Kong,en,07:45
S1,陈静,supervisor,,,,,
"""
CLIENTS = """client_id,name,manager_id,phone,id_number,birthday,opened_on,risk_level
K1,张伟,M1,+86 138-1234-5678,11010519491231002X,1949-12-31,2020-01-02,c3
K2,"Li, Na",M1,,,,2021/03/04,C1
K3,王磊,M2,010-12345678,,,20220505,C5
"""
SNAPSHOTS = """date,client_id,total_assets,cash,market_value,inflow,outflow
2026-01-05,K1,"1,000.50",500.50,500,0,0
2026-01-05,K2,１００．００,100,0,0,0
2026-01-06,K1,900.00,400.00,500.00,0,100.50
"""
HOLDINGS = """date,client_id,symbol,name,sector,quantity,market_value
2026-01-05,K1,600519.sh,贵州茅台,消费,100.5,500
2026-01-05,K2,000001.SZ,平安银行,,10,0
"""
TRADES = """trade_id,client_id,traded_at,symbol,side,quantity,price,amount
T1,K1,2026-01-05 09:30:00,600519.SH,BUY,100,1500.1234,150012.34
T2,K2,2026-01-05T02:00:00Z,000001.SZ,sell,10,11.5,115
"""
EVENTS = """event_id,symbol,date,title,sentiment,severity,url
E1,600519.SH,2026-01-05,茅台\u200b业绩预告,Negative,MAJOR,https://research.example.cn/e1
E2,000001.SZ,2026-01-05,平安银行分红,positive,minor,
"""
TICKETS = """ticket_id,client_id,category,opened_at,summary
TK1,K1,complaint,2026-01-05 10:00,"客户反映:
转账延迟, 已升级"
TK2,K2,Inquiry,2026-01-05T11:00+08:00,咨询两融
"""
FILES = {
    "staff": STAFF,
    "clients": CLIENTS,
    "snapshots": SNAPSHOTS,
    "holdings": HOLDINGS,
    "trades": TRADES,
    "events": EVENTS,
    "tickets": TICKETS,
}
TABLES = {
    "staff": StaffRow,
    "clients": ClientRow,
    "snapshots": SnapshotRow,
    "holdings": HoldingRow,
    "trades": TradeRow,
    "events": EventRow,
    "tickets": TicketRow,
}


@pytest.fixture
def service(engine: AsyncEngine) -> ImportService:
    return ImportService(engine)


def write(tmp_path: Path, name: str, content: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode(encoding))
    return path


async def load(
    service: ImportService, tmp_path: Path, kind: str, content: str | None = None, **kwargs
) -> ImportReport:
    path = write(tmp_path, f"{kind}.csv", FILES[kind] if content is None else content)
    return await service.import_file(kind, path, **kwargs)


async def seed(service: ImportService, tmp_path: Path, *kinds: str) -> None:
    for kind in kinds:
        report = await load(service, tmp_path, kind)
        assert report.committed, report.errors


async def contents(engine: AsyncEngine, kind: str) -> list[Row[Any]]:
    row = TABLES[kind]
    table = row.__table__
    async with engine.connect() as conn:
        result = await conn.execute(select(table).order_by(*table.primary_key.columns))
        return list(result.all())


async def count(engine: AsyncEngine, kind: str) -> int:
    async with engine.connect() as conn:
        return (
            await conn.execute(select(func.count()).select_from(TABLES[kind].__table__))
        ).scalar_one()


def counts(report: ImportReport) -> tuple[int, int, int]:
    return report.inserted, report.updated, report.unchanged


# --- every kind ------------------------------------------------------------------------------


async def test_every_kind_imports_in_dependency_order(engine, service, tmp_path):
    for kind in KINDS:
        report = await load(service, tmp_path, kind)
        assert report.committed and report.error_count == 0, report.errors
        assert report.rows_read == report.inserted == await count(engine, kind)

    staff = {r.staff_id: r for r in await contents(engine, "staff")}
    assert staff["M1"].telegram_user_id == 1001
    assert staff["M1"].timezone == "Asia/Shanghai" and staff["M1"].language == "zh"
    assert staff["M1"].briefing_time == time(8, 30) and staff["M1"].active is True
    assert staff["M2"].role == "manager" and staff["M2"].briefing_time == time(7, 45)
    assert staff["M2"].timezone == "Asia/Hong_Kong" and staff["M2"].language == "en"

    clients = {r.client_id: r for r in await contents(engine, "clients")}
    assert clients["K1"].phone == "13812345678" and clients["K1"].risk_level == "C3"
    assert clients["K1"].birthday == date(1949, 12, 31)
    assert clients["K2"].name == "Li, Na" and clients["K2"].opened_on == date(2021, 3, 4)
    assert clients["K3"].phone == "01012345678"

    snapshots = await contents(engine, "snapshots")
    assert [(r.client_id, r.date, r.total_assets) for r in snapshots] == [
        ("K1", date(2026, 1, 5), Decimal("1000.50")),
        ("K1", date(2026, 1, 6), Decimal("900.00")),
        ("K2", date(2026, 1, 5), Decimal("100.00")),
    ]
    assert snapshots[1].outflow == Decimal("100.50")

    trades = {r.trade_id: r for r in await contents(engine, "trades")}
    assert trades["T1"].traded_at == datetime(2026, 1, 5, 1, 30, tzinfo=UTC)
    assert trades["T1"].side == "buy" and trades["T1"].price == Decimal("1500.1234")
    assert trades["T2"].traded_at == datetime(2026, 1, 5, 2, 0, tzinfo=UTC)

    holdings = await contents(engine, "holdings")
    assert holdings[0].symbol == "600519.SH" and holdings[0].quantity == Decimal("100.5")
    assert holdings[1].sector is None

    events = {r.event_id: r for r in await contents(engine, "events")}
    assert events["E1"].title == "茅台业绩预告"
    assert (events["E1"].sentiment, events["E1"].severity) == ("negative", "major")
    assert events["E2"].url is None

    tickets = {r.ticket_id: r for r in await contents(engine, "tickets")}
    assert tickets["TK1"].summary == "客户反映:\n转账延迟, 已升级"
    assert tickets["TK1"].status == "open" and tickets["TK1"].closed_at is None
    assert tickets["TK2"].category == "inquiry"
    assert tickets["TK2"].opened_at == datetime(2026, 1, 5, 3, 0, tzinfo=UTC)


async def test_same_files_twice_leave_everything_unchanged(engine, service, tmp_path):
    await seed(service, tmp_path, *KINDS)
    before = {kind: await contents(engine, kind) for kind in KINDS}
    for kind in KINDS:
        report = await load(service, tmp_path, kind)
        assert counts(report) == (0, 0, report.rows_read), kind
        assert report.committed
    assert {kind: await contents(engine, kind) for kind in KINDS} == before


async def test_changed_file_reports_updates_and_inserts(engine, service, tmp_path):
    await seed(service, tmp_path, "staff", "clients", "snapshots")
    changed = SNAPSHOTS.replace("2026-01-06,K1,900.00,400.00", "2026-01-06,K1,950.00,450.00")
    changed += "2026-01-06,K2,100,100,0,0,0\n"
    report = await load(service, tmp_path, "snapshots", changed)
    assert counts(report) == (1, 1, 2)
    rows = {(r.client_id, r.date): r for r in await contents(engine, "snapshots")}
    assert rows[("K1", date(2026, 1, 6))].cash == Decimal("450.00")
    assert len(rows) == 4


async def test_progress_reaches_the_file_size(service, tmp_path):
    calls: list[tuple[int, int]] = []
    await load(service, tmp_path, "staff", progress=lambda done, total: calls.append((done, total)))
    size = len(STAFF.encode())
    assert calls[-1] == (size, size)


# --- all or nothing --------------------------------------------------------------------------


async def test_one_bad_row_in_the_middle_changes_nothing(engine, service, tmp_path):
    await seed(service, tmp_path, "staff", "clients", "snapshots")
    before = await contents(engine, "snapshots")
    lines = [
        "date,client_id,total_assets,cash,market_value,inflow,outflow",
        "2026-01-05,K1,2000,1000,1000,0,0",  # would update
        "2026-01-07,K1,10,10,0,0,0",  # would insert
        "2026-02-30,K2,10,10,0,0,0",  # bad: line 4
        "2026-01-08,K3,10,10,0,0,0",
    ]
    report = await load(service, tmp_path, "snapshots", "\n".join(lines) + "\n")
    assert not report.committed
    assert report.errors == (
        RowError(4, "date", "no such date 2026-02-30: day out of range for the month"),
    )
    assert report.error_count == 1 and report.rows_read == 4
    assert counts(report) == (0, 0, 0)
    assert await contents(engine, "snapshots") == before


async def test_every_bad_row_is_reported_with_line_and_reason(engine, service, tmp_path):
    await seed(service, tmp_path, "staff", "clients")
    lines = [
        "date,client_id,total_assets,cash,market_value,inflow,outflow",
        "2026-01-05,K1,100,50,50,0,0",
        "2026-01-05,K2,NaN,50,50,0,0",
        "2026-01-05,K3,100.00,50.00,40.00,0,0",
        "2026-13-01,K1,100,50,50,0,-1",
        "2026-01-05,K9,100,50,50,0,0",
        "2026-01-05,K1,100,50,50,0,0",
        "2026-01-06,K1,100,50,50,0",
    ]
    report = await load(service, tmp_path, "snapshots", "\n".join(lines) + "\n")
    assert report.errors == (
        RowError(3, "total_assets", "not a finite number"),
        RowError(4, "total_assets", "total_assets 100.00 ≠ cash 50.00 + market_value 40.00"),
        RowError(5, "date", "no such date 2026-13-01: month must be 1–12"),
        RowError(5, "outflow", "must not be negative"),
        RowError(6, "client_id", "unknown client_id 'K9' (not in clients)"),
        RowError(7, "client_id", "duplicate client_id/date (K1, 2026-01-05): same as line 2"),
        RowError(8, None, "6 fields but the header has 7"),
    )
    assert report.error_count == 7
    assert await count(engine, "snapshots") == 0


async def test_duplicate_key_within_the_file_names_both_lines(engine, service, tmp_path):
    await seed(service, tmp_path, "staff")
    content = CLIENTS + "K2,李娜,M2,,,,2021-03-04,C2\n"
    report = await load(service, tmp_path, "clients", content)
    assert report.errors == (RowError(5, "client_id", "duplicate client_id (K2): same as line 3"),)
    assert await count(engine, "clients") == 0


async def test_unknown_manager_is_reported(engine, service, tmp_path):
    await seed(service, tmp_path, "staff")
    report = await load(service, tmp_path, "clients", CLIENTS.replace("K3,王磊,M2", "K3,王磊,M9"))
    assert report.errors == (RowError(4, "manager_id", "unknown manager_id 'M9' (not in staff)"),)


async def test_many_bad_rows_are_all_counted_even_beyond_the_stored_list(engine, service, tmp_path):
    await seed(service, tmp_path, "staff", "clients")
    header = "date,client_id,total_assets,cash,market_value,inflow,outflow\n"
    rows = "".join(f"2026-01-05,X{i},1,1,0,0,0\n" for i in range(1205))
    report = await load(service, tmp_path, "snapshots", header + rows)
    assert report.error_count == 1205
    assert len(report.errors) == 1000
    assert report.errors[0] == RowError(2, "client_id", "unknown client_id 'X0' (not in clients)")
    assert report.errors[-1].line == 1001


async def test_quoted_commas_and_newlines_keep_line_numbers_right(engine, service, tmp_path):
    await seed(service, tmp_path, "staff", "clients")
    content = (
        "ticket_id,client_id,category,opened_at,summary\n"
        'TK1,K1,complaint,2026-01-05 10:00,"line one,\nline two\n\nline four"\n'
        "TK2,K1,refund,2026-01-05 10:00,bad category\n"
    )
    report = await load(service, tmp_path, "tickets", content)
    assert report.errors == (
        RowError(6, "category", "'refund' is not one of: inquiry, account, trading, complaint"),
    )
    fixed = content.replace("refund", "account")
    report = await load(service, tmp_path, "tickets", fixed)
    assert report.committed
    tickets = {r.ticket_id: r for r in await contents(engine, "tickets")}
    assert tickets["TK1"].summary == "line one,\nline two\n\nline four"


# --- file-level refusals ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (
            "date,client_id,total_assets,cash,market_value,inflow,outflow,foo,bar",
            "unknown column(s): foo, bar",
        ),
        ("date,client_id,total_assets,market_value,inflow,outflow", "missing column(s): cash"),
        (
            "date,client_id,total_assets,cash,cash,market_value,inflow,outflow",
            "duplicate column(s): cash",
        ),
    ],
)
async def test_bad_headers_are_refused_by_name(engine, service, tmp_path, header, reason):
    await seed(service, tmp_path, "staff", "clients", "snapshots")
    before = await contents(engine, "snapshots")
    with pytest.raises(ImportFileError) as info:
        await load(service, tmp_path, "snapshots", header + "\n2026-01-09,K1,1,1,0,0,0,0,0\n")
    assert info.value.reason.startswith(reason)
    assert await contents(engine, "snapshots") == before


async def test_unknown_kind_is_refused(service, tmp_path):
    with pytest.raises(ImportFileError, match="unknown kind 'orders'"):
        await service.import_file("orders", write(tmp_path, "x.csv", "a\n1\n"))


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
async def test_bom_and_gb18030_files_import_like_utf8(engine, service, tmp_path, encoding):
    await seed(service, tmp_path, "staff", "clients")
    expected = await contents(engine, "clients")
    for kind, content in (("staff", STAFF), ("clients", CLIENTS)):
        path = write(tmp_path, f"{kind}-{encoding}.csv", content, encoding)
        report = await service.import_file(kind, path)
        assert report.encoding == encoding
        assert counts(report) == (0, 0, 3)
    assert await contents(engine, "clients") == expected


async def test_gb18030_file_into_an_empty_database(engine, service, tmp_path):
    await seed(service, tmp_path, "staff")
    report = await service.import_file("clients", write(tmp_path, "gb.csv", CLIENTS, "gb18030"))
    assert report.committed and report.inserted == 3
    names = {r.client_id: r.name for r in await contents(engine, "clients")}
    assert names == {"K1": "张伟", "K2": "Li, Na", "K3": "王磊"}


async def test_utf16_without_a_byte_order_mark_is_refused(engine, service, tmp_path):
    # With a mark UTF-16 is read (tests/integration/importing/test_file_families.py); without
    # one the bytes could be anything, so the file is refused, named, and nothing is stored.
    await seed(service, tmp_path, "staff")
    with pytest.raises(ImportFileError) as info:
        await service.import_file("clients", write(tmp_path, "u16.csv", CLIENTS, "utf-16-le"))
    assert "UTF-16 text without a byte-order mark" in info.value.reason
    assert await count(engine, "clients") == 0


async def test_encoding_breaking_mid_way_changes_nothing(engine, service, tmp_path):
    await seed(service, tmp_path, "staff")
    head, tail = CLIENTS.split("K3,")
    path = tmp_path / "mixed.csv"
    path.write_bytes(head.encode() + ("K3," + tail).encode("gb18030"))
    with pytest.raises(ImportFileError) as info:
        await service.import_file("clients", path)
    assert info.value.reason.startswith("invalid UTF-8 bytes on line 4")
    assert await count(engine, "clients") == 0


# --- dry run ---------------------------------------------------------------------------------


async def test_dry_run_reports_counts_and_changes_nothing(engine, service, tmp_path):
    await seed(service, tmp_path, "staff", "clients", "snapshots")
    before = await contents(engine, "snapshots")
    changed = SNAPSHOTS.replace("900.00,400.00", "950.00,450.00") + "2026-01-07,K3,5,5,0,0,0\n"
    report = await load(service, tmp_path, "snapshots", changed, dry_run=True)
    assert report.dry_run and not report.committed
    assert counts(report) == (1, 1, 2)
    assert await contents(engine, "snapshots") == before


async def test_dry_run_reports_bad_rows(engine, service, tmp_path):
    await seed(service, tmp_path, "staff", "clients")
    report = await load(service, tmp_path, "snapshots", SNAPSHOTS.replace("K2", "K7"), dry_run=True)
    assert report.errors == (RowError(3, "client_id", "unknown client_id 'K7' (not in clients)"),)


# --- staff specifics -------------------------------------------------------------------------


async def test_supervisor_may_come_later_in_the_same_file(engine, service, tmp_path):
    report = await load(service, tmp_path, "staff")  # M1, M2 name S1 on line 4
    assert report.committed
    unknown = STAFF.replace("M2,刘洋,Manager,S1", "M2,刘洋,Manager,S7")
    report = await load(service, tmp_path, "staff", unknown)
    assert report.errors == (
        RowError(
            3, "supervisor_id", "unknown supervisor_id 'S7' (neither in staff nor in this file)"
        ),
    )


async def test_empty_telegram_cell_keeps_the_binding_and_active_flag(engine, service, tmp_path):
    await seed(service, tmp_path, "staff")
    async with engine.begin() as conn:
        await conn.execute(
            update(StaffRow.__table__)
            .where(StaffRow.__table__.c.staff_id == "M2")
            .values(telegram_user_id=2002, active=False, language="zh")
        )
    content = STAFF.replace("M1,王芳,manager,S1,1001", "M1,王芳,manager,S1,").replace(
        "Asia/Hong_Kong,en,07:45", ",,"
    )
    report = await load(service, tmp_path, "staff", content)
    assert counts(report) == (0, 0, 3)
    staff = {r.staff_id: r for r in await contents(engine, "staff")}
    assert staff["M1"].telegram_user_id == 1001
    assert staff["M2"].telegram_user_id == 2002 and staff["M2"].active is False
    assert staff["M2"].language == "zh" and staff["M2"].timezone == "Asia/Hong_Kong"

    renamed = STAFF.replace("刘洋", "刘洋洋")
    report = await load(service, tmp_path, "staff", renamed)
    assert counts(report) == (0, 1, 2)
    staff = {r.staff_id: r for r in await contents(engine, "staff")}
    assert staff["M2"].name == "刘洋洋" and staff["M2"].active is False


async def test_telegram_account_cannot_be_bound_twice(engine, service, tmp_path):
    await seed(service, tmp_path, "staff")
    twice_in_file = STAFF.replace("M2,刘洋,Manager,S1,", "M2,刘洋,Manager,S1,3003").replace(
        "S1,陈静,supervisor,,", "S1,陈静,supervisor,,3003"
    )
    report = await load(service, tmp_path, "staff", twice_in_file)
    assert report.errors == (
        RowError(4, "telegram_user_id", "duplicate telegram_user_id (3003): same as line 3"),
    )
    taken = STAFF.replace("M2,刘洋,Manager,S1,", "M2,刘洋,Manager,S1,1001").replace(
        "M1,王芳,manager,S1,1001", "M1,王芳,manager,S1,"
    )
    report = await load(service, tmp_path, "staff", taken)
    assert report.errors == (
        RowError(3, "telegram_user_id", "telegram_user_id already bound to staff_id M1"),
    )
    staff = {r.staff_id: r.telegram_user_id for r in await contents(engine, "staff")}
    assert staff == {"M1": 1001, "M2": None, "S1": None}


# --- tickets ---------------------------------------------------------------------------------


async def test_ticket_update_keeps_status_and_closed_at(engine, service, tmp_path):
    await seed(service, tmp_path, "staff", "clients", "tickets")
    closed_at = datetime(2026, 1, 6, 8, 0, tzinfo=UTC)
    async with engine.begin() as conn:
        await conn.execute(
            update(TicketRow.__table__)
            .where(TicketRow.__table__.c.ticket_id == "TK2")
            .values(status="closed", closed_at=closed_at)
        )
    report = await load(service, tmp_path, "tickets", TICKETS.replace("咨询两融", "咨询两融开通"))
    assert counts(report) == (0, 1, 1)
    tickets = {r.ticket_id: r for r in await contents(engine, "tickets")}
    assert tickets["TK2"].summary == "咨询两融开通"
    assert tickets["TK2"].status == "closed" and tickets["TK2"].closed_at == closed_at
