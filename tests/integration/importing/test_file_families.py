"""The bad-input file families of `ambot import` (issue 12): what Excel and bank systems really
produce. UTF-8 with BOM, UTF-16 with BOM (also tab-separated, Excel's "Unicode Text") and
GBK/GB18030 are read; an .xlsx renamed to .csv, UTF-16 without a mark, an empty file and a file
with only a header are refused with one line naming the file, what it is and what to do — exit
1, no traceback, nothing stored. A file that breaks part-way stores nothing either (SQLite and
PostgreSQL)."""

from __future__ import annotations

import io
import sqlite3
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner

from bot.cli import app
from importing import ImportFileError, ImportService
from storage.rows import StaffRow

STAFF = "staff_id,name,role,supervisor_id\nS001,周强,supervisor,\nM001,王芳,manager,S001\n"
HEADER_ONLY = STAFF.splitlines(keepends=True)[0]


def xlsx_bytes() -> bytes:
    """A minimal workbook: what an .xlsx renamed to .csv holds (a zip archive)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", "<Types/>")
        book.writestr("xl/workbook.xml", "<workbook/>")
        book.writestr("xl/worksheets/sheet1.xml", "<worksheet>" + "周强" * 50 + "</worksheet>")
    return buffer.getvalue()


READ = {
    "utf-8-bom": STAFF.encode("utf-8-sig"),
    "utf-16-le-bom": STAFF.encode("utf-16"),  # Python writes the native (LE) mark
    "utf-16-be-bom": b"\xfe\xff" + STAFF.encode("utf-16-be"),
    "utf-16-tabs": STAFF.replace(",", "\t").encode("utf-16"),  # Excel "Unicode Text"
    "gbk": STAFF.encode("gbk"),
    "gbk-crlf": STAFF.replace("\n", "\r\n").encode("gbk"),
}
REFUSED = {
    "xlsx-renamed": (xlsx_bytes(), "Excel workbook (.xlsx)"),
    "xls-renamed": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "Excel 97–2003"),
    "utf-16-no-bom": (STAFF.encode("utf-16-le"), "UTF-16 text without a byte-order mark"),
    "empty": (b"", "the file is empty (0 bytes)"),
    "header-only": (HEADER_ONLY.encode(), "a header row but no data rows"),
    "header-only-bom": (HEADER_ONLY.encode("utf-8-sig"), "a header row but no data rows"),
    "blank-lines": (b"\n\r\n  \n", "no header row"),
    "latin-1": (
        "staff_id,name,role\nS001,José,supervisor\n".encode("latin-1"),
        "neither UTF-8 nor",
    ),
}


@pytest.fixture
def ambot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AMBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("AMBOT_TELEGRAM_TOKEN", raising=False)
    monkeypatch.delenv("AMBOT_DATABASE_URL", raising=False)
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(app, list(args))

    run.db = tmp_path / "data" / "ambot.db"  # type: ignore[attr-defined]
    return run


def staff_names(db: Path) -> dict[str, str]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT staff_id, name FROM staff").fetchall())


@pytest.mark.parametrize("family", list(READ))
def test_files_excel_and_bank_systems_write_are_read(ambot, tmp_path: Path, family: str) -> None:
    path = tmp_path / f"{family}.csv"
    path.write_bytes(READ[family])
    result = ambot("import", "staff", str(path))
    assert result.exit_code == 0, result.output
    assert "inserted 2" in result.output
    assert staff_names(ambot.db) == {"S001": "周强", "M001": "王芳"}


@pytest.mark.parametrize("family", list(REFUSED))
def test_files_that_are_not_csv_text_get_one_line_and_change_nothing(
    ambot, tmp_path: Path, family: str
) -> None:
    good = tmp_path / "staff.csv"
    good.write_text("staff_id,name,role\nA001,管理员,admin\n", encoding="utf-8")
    assert ambot("import", "staff", str(good)).exit_code == 0
    content, reason = REFUSED[family]
    path = tmp_path / f"{family}.csv"
    path.write_bytes(content)
    result = ambot("import", "staff", str(path))
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    assert lines[0].startswith(f"error: {path}: "), lines[0]  # which file
    assert reason in lines[0], lines[0]  # what is wrong
    assert staff_names(ambot.db) == {"A001": "管理员"}


def test_the_remedy_is_named(ambot, tmp_path: Path) -> None:
    path = tmp_path / "book.csv"
    path.write_bytes(xlsx_bytes())
    output = " ".join(ambot("import", "clients", str(path)).output.split())
    assert "save it as CSV UTF-8" in output and "then import that file" in output


async def test_a_file_that_breaks_part_way_stores_nothing(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    """Rows of the first batches are staged, then a GBK line in a UTF-8 file: nothing lands."""
    rows = "".join(f"M{n:03d},王芳{n},manager,\n" for n in range(1, 40))
    path = tmp_path / "mixed.csv"
    path.write_bytes(
        ("staff_id,name,role,supervisor_id\n" + rows).encode()
        + "M999,周强,manager,\n".encode("gbk")
    )
    service = ImportService(engine, batch_size=5)
    with pytest.raises(ImportFileError, match="line 41"):
        await service.import_file("staff", path)
    async with engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(StaffRow)) == 0
    path.write_bytes(("staff_id,name,role,supervisor_id\n" + rows).encode())
    assert (await service.import_file("staff", path)).inserted == 39
