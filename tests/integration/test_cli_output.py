"""What `ambot import` and `ambot kb import` print about bad input: the file's own text as
typed (never read as Rich markup), `file:line [column]: reason`, rows and errors counted apart,
the line of a quote left open, and one ID number on two clients refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from demo.idcard import check_character

STAFF = (
    "staff_id,name,role,supervisor_id,telegram_user_id,timezone,language,briefing_time\n"
    "S001,周强,supervisor,,,Asia/Shanghai,zh,08:30\n"
    "M001,王芳,manager,S001,,Asia/Shanghai,zh,08:30\n"
)
CLIENTS_HEADER = "client_id,name,manager_id,phone,id_number,birthday,opened_on,risk_level\n"
ID_1 = "11010119900307123" + check_character("11010119900307123")
ID_2 = "11010119800501123" + check_character("11010119800501123")


@pytest.fixture
def ambot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("AMBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("AMBOT_TELEGRAM_TOKEN", raising=False)
    monkeypatch.delenv("AMBOT_DATABASE_URL", raising=False)
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(app, list(args))

    run.db = tmp_path / "data" / "ambot.db"  # type: ignore[attr-defined]
    assert run("import", "staff", str(write(tmp_path / "staff.csv", STAFF))).exit_code == 0
    return run


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def client_count(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM clients").fetchone()[0]


def error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


def test_markup_in_a_cell_is_printed_as_typed(ambot, tmp_path):
    rows = (
        CLIENTS_HEADER
        + "K001,张伟,M001,,,,2015-03-02,[/x]\n"
        + "K002,李娜,M001,,,,2015-03-02,[bold]C9\n"
    )
    result = ambot("import", "clients", str(write(tmp_path / "c.csv", rows)))
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "c.csv:3 [risk_level]: '[bold]c9' is not one of: C1, C2, C3, C4, C5" in result.output
    assert "c.csv:2 [risk_level]: '[/x]' is not one of: C1, C2, C3, C4, C5" in result.output


def test_markup_in_a_file_name_is_printed_as_typed(ambot, tmp_path):
    path = write(tmp_path / "[red]clients.csv", "client_id,[/y]\n")
    result = ambot("import", "clients", str(path))
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    (line,) = error_lines(result.output)
    assert line.startswith(f"error: {path}: unknown column(s): [/y]")


def test_each_error_names_file_line_and_column_and_the_summary_counts_rows_and_errors(
    ambot, tmp_path
):
    rows = (
        CLIENTS_HEADER
        + "K001,张伟,M001,,,,2015-03-02,C3\n"
        + "K002,李娜,M009,,,,2015-13-02,C9\n"  # three errors on one row
        + "K003,王磊,M001,,,,2015-03-02,C3\n"
        + "K004,赵敏,M001,,,,2015-03-02\n"  # a field short
    )
    result = ambot("import", "clients", str(write(tmp_path / "bad.csv", rows)))
    assert result.exit_code == 1
    assert error_lines(result.output) == [
        f"{tmp_path / 'bad.csv'}:3 [opened_on]: no such date 2015-13-02: month must be 1–12",
        f"{tmp_path / 'bad.csv'}:3 [risk_level]: 'c9' is not one of: C1, C2, C3, C4, C5",
        f"{tmp_path / 'bad.csv'}:5: 7 fields but the header has 8",
        "refused: 2 bad rows, 3 errors in 4 rows read — nothing was changed",
    ]
    assert client_count(ambot.db) == 0


def test_a_quote_left_open_names_its_line(ambot, tmp_path):
    rows = (
        CLIENTS_HEADER
        + "K001,张伟,M001,,,,2015-03-02,C3\n"
        + 'K002,"李娜,M001,,,,2015-03-02,C3\n'
        + "K003,王磊,M001,,,,2015-03-02,C3\n"
    )
    path = write(tmp_path / "quote.csv", rows)
    result = ambot("import", "clients", str(path))
    assert result.exit_code == 1
    assert error_lines(result.output) == [
        f"error: {path}: unterminated quote: the quote opened on line 3 is never closed"
        " (the file ends at line 4)"
    ]
    assert client_count(ambot.db) == 0


def test_one_id_number_on_two_clients_in_a_file_is_refused_naming_both(ambot, tmp_path):
    rows = (
        CLIENTS_HEADER
        + f"K001,张伟,M001,,{ID_1},,2015-03-02,C3\n"
        + f"K002,李娜,M001,,{ID_2},,2015-03-02,C3\n"
        + f"K003,王磊,M001,,{ID_1.lower()},,2015-03-02,C3\n"
    )
    result = ambot("import", "clients", str(write(tmp_path / "dup.csv", rows)))
    assert result.exit_code == 1
    assert (
        "dup.csv:4 [id_number]: client_id K003 has the same id_number as line 2 (client_id K001);"
        " one id_number belongs to one client_id"
    ) in result.output
    assert ID_1 not in result.output.upper()  # never echoed
    assert client_count(ambot.db) == 0


def test_one_id_number_already_stored_for_another_client_is_refused(ambot, tmp_path):
    first = CLIENTS_HEADER + f"K001,张伟,M001,,{ID_1},,2015-03-02,C3\n"
    assert ambot("import", "clients", str(write(tmp_path / "a.csv", first))).exit_code == 0
    # Re-importing K001 itself with its own number is fine…
    assert ambot("import", "clients", str(write(tmp_path / "a.csv", first))).exit_code == 0
    # …another client with that number is not.
    second = CLIENTS_HEADER + f"K009,李娜,M001,,{ID_1},,2015-03-02,C3\n"
    result = ambot("import", "clients", str(write(tmp_path / "b.csv", second)))
    assert result.exit_code == 1
    assert (
        "b.csv:2 [id_number]: client_id K009 has the same id_number as client_id K001, already"
        " stored; one id_number belongs to one client_id"
    ) in result.output
    assert ID_1 not in result.output
    assert client_count(ambot.db) == 1


def test_markup_in_a_knowledge_base_title_is_printed_as_typed(ambot, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "KB-X.v1.md").write_text(
        "---\nid: KB-X\nversion: 1\nkind: script\ntitle: [/x] 开户流程\nlanguage: zh\n"
        "status: draft\n---\n## 条件\n\n正文\n",
        encoding="utf-8",
    )
    result = ambot("kb", "import", str(docs), "--by", "C001")
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    problem, summary = error_lines(result.output)
    assert problem.startswith(f"{docs / 'KB-X.v1.md'}:5: front matter is not valid YAML")
    assert "title: [/x] 开户流程" in problem
    assert summary == "error: 1 problem(s); nothing was imported"
