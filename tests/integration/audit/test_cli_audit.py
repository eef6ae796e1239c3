"""`ambot audit verify` and `ambot audit export` as an operator runs them (SQLite file)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from audit import Journal
from audit.journal import Entry, check_entries, read_csv_export
from bot.cli import app
from storage.engine import create_engine, session_factory
from storage.uow import UnitOfWorkFactory
from tests.integration.audit.conftest import StepClock

BODIES = ['=HYPERLINK("http://x")', "客户来电，询问 ETF", "+86 138", "plain"]


@pytest.fixture
def ambot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("AMBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("AMBOT_TELEGRAM_TOKEN", raising=False)
    monkeypatch.delenv("AMBOT_DATABASE_URL", raising=False)
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(app, list(args))

    assert run("db", "upgrade").exit_code == 0
    run.db = tmp_path / "data" / "ambot.db"  # type: ignore[attr-defined]
    return run


def seed(db: Path) -> list[Entry]:
    """Four entries, a second apart from 2026-12-01 09:02:03 Shanghai time."""

    async def main() -> list[Entry]:
        engine = create_engine(f"sqlite+aiosqlite:///{db}")
        try:
            journal = Journal(UnitOfWorkFactory(session_factory(engine)), clock=StepClock())
            return [await journal.append("M001", "message.in", "chat:7", b) for b in BODIES]
        finally:
            await engine.dispose()

    return asyncio.run(main())


def tamper(db: Path, sql: str) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute(sql)


def test_verify_prints_the_count_and_exits_0(ambot):
    entries = seed(ambot.db)
    result = ambot("audit", "verify")
    assert result.exit_code == 0, result.output
    assert f"journal intact: 4 entries, head {entries[-1].hash}" in result.stdout


@pytest.mark.parametrize(
    ("sql", "named"),
    [
        ("UPDATE journal SET body = 'plain text' WHERE seq = 2", "seq 2: does not match its hash"),
        ("DELETE FROM journal WHERE seq = 2", "seq 2: missing"),
        (
            "INSERT INTO journal VALUES (5, '2026-12-01 01:05:00.000000', 'X', 'k', 's', '', "
            "(SELECT hash FROM journal WHERE seq = 4), 'ab')",
            "seq 5: does not match its hash",
        ),
    ],
    ids=["altered", "deleted", "inserted"],
)
def test_verify_names_the_first_bad_seq_and_exits_1(ambot, sql, named):
    seed(ambot.db)
    tamper(ambot.db, sql)
    result = ambot("audit", "verify")
    assert result.exit_code == 1
    assert f"journal broken at {named}" in result.stderr


def test_export_round_trips_as_json_lines(ambot, tmp_path):
    entries = seed(ambot.db)
    result = ambot("audit", "export", "--since", "2026-12-01", "--until", "2026-12-01")
    assert result.exit_code == 0, result.output
    back = [Entry.from_json(json.loads(line)) for line in result.stdout.splitlines()]
    assert back == entries
    assert check_entries(back).count == 4


def test_export_to_a_csv_file_guards_formulas_and_round_trips(ambot, tmp_path):
    entries = seed(ambot.db)
    target = tmp_path / "journal.csv"
    result = ambot(
        "audit", "export", "--since", "2026-12-01", "--format", "csv", "--output", str(target)
    )
    assert result.exit_code == 0, result.output
    assert "4 entries written" in result.stderr
    written = target.read_text(encoding="utf-8")
    assert ",'=HYPERLINK(" in written.replace('"', "")
    assert "'+86 138" in written
    assert read_csv_export(written) == entries


def test_export_of_days_without_entries_is_empty_and_bad_options_are_refused(ambot):
    seed(ambot.db)
    assert ambot("audit", "export", "--since", "2026-12-02").stdout == ""
    bad_date = ambot("audit", "export", "--since", "12/01")
    assert bad_date.exit_code == 1 and "expected a date like" in bad_date.stderr
    bad_format = ambot("audit", "export", "--since", "2026-12-01", "--format", "xml")
    assert bad_format.exit_code == 1 and "jsonl or csv" in bad_format.stderr
