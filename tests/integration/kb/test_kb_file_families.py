"""The bad-input file families of `ambot kb import` (issue 12): a Markdown document saved as GBK
or UTF-16, an .xlsx renamed to .md, an empty file and a file with only its front matter (the
"header") are refused with one line per file naming it, what is wrong and what to do; exit 1,
no traceback, nothing imported — not even the good documents of the same folder. UTF-8 with a
BOM (Windows Notepad) is read. GBK is refused, not guessed: approved compliance text must be
exactly the text that was approved (docs/data-formats.md)."""

from __future__ import annotations

import io
import sqlite3
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app

STAFF = "staff_id,name,role\nC001,钱合规,compliance\n"
FRONT = (
    "---\nid: KB-TRANSFER\nversion: 1\nkind: script\ntitle: 银证转账到账时间\nlanguage: zh\nstatus: draft\n"
    "effective_from: 2026-01-05\n---\n"
)
DOCUMENT = FRONT + "## 到账\n银证转账一般在交易日内实时到账。\n"
GOOD = DOCUMENT.replace("KB-TRANSFER", "KB-GOOD").replace("银证转账到账时间", "开户材料")


def xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as book:
        book.writestr("[Content_Types].xml", "<Types/>")
        book.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


REFUSED = {
    "gbk": (DOCUMENT.encode("gbk"), "not UTF-8 (it looks like GBK/GB18030): invalid bytes on line"),
    "utf-16": (DOCUMENT.encode("utf-16"), "the file is UTF-16 text, not UTF-8: save it as UTF-8"),
    "xlsx-renamed": (xlsx_bytes(), "not a text file: it looks like an Excel workbook (.xlsx)"),
    "empty": (b"", "the file is empty (0 bytes)"),
    "front-matter-only": (FRONT.encode(), "empty body"),
}


@pytest.fixture
def kb(tmp_path: Path):
    runner = CliRunner(env={"AMBOT_DATA_DIR": str(tmp_path / "data"), "AMBOT_EMBEDDER": "hashing"})

    def run(*args: str):
        return runner.invoke(app, list(args))

    (tmp_path / "staff.csv").write_text(STAFF, encoding="utf-8")
    assert run("import", "staff", str(tmp_path / "staff.csv")).exit_code == 0
    run.db = tmp_path / "data" / "ambot.db"  # type: ignore[attr-defined]
    return run


def documents(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [row[0] for row in conn.execute("SELECT doc_id FROM kb_versions")]


@pytest.mark.parametrize("family", list(REFUSED))
def test_a_file_that_is_not_utf8_markdown_is_named_and_nothing_is_imported(
    kb, tmp_path: Path, family: str
) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "KB-GOOD.v1.md").write_text(GOOD, encoding="utf-8")
    content, reason = REFUSED[family]
    bad = folder / "KB-TRANSFER.v1.md"
    bad.write_bytes(content)
    result = kb("kb", "import", str(folder), "--by", "C001")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = [" ".join(line.split()) for line in result.output.splitlines() if line.strip()]
    assert any(line.startswith(str(bad)) and reason in line for line in lines), lines
    assert lines[-1].startswith("error:") and "nothing was imported" in lines[-1]
    assert documents(kb.db) == []


def test_utf8_with_a_bom_is_read(kb, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "KB-TRANSFER.v1.md").write_bytes(DOCUMENT.encode("utf-8-sig"))
    result = kb("kb", "import", str(folder), "--by", "C001")
    assert result.exit_code == 0, result.output
    assert documents(kb.db) == ["KB-TRANSFER"]
