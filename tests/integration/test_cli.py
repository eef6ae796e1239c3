"""The `ambot` command line as an operator uses it: real SQLite file, real CSV files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app

STAFF = (
    "staff_id,name,role,supervisor_id,telegram_user_id,timezone,language,briefing_time\n"
    "S001,周强,supervisor,,,Asia/Shanghai,zh,08:30\n"
    "M001,王芳,manager,S001,,Asia/Shanghai,zh,08:30\n"
)
CLIENTS = (
    "client_id,name,manager_id,phone,id_number,birthday,opened_on,risk_level\n"
    "K001,张伟,M001,13812345678,,1980-05-01,2015-03-02,C3\n"
    "K002,李娜,M001,,,1985-07-09,2020-01-06,C4\n"
)
SNAPSHOTS_HEADER = "date,client_id,total_assets,cash,market_value,inflow,outflow\n"


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
    return run


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def snapshot_count(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM snapshots").fetchone()[0]


def test_import_twice_is_unchanged_and_bad_row_changes_nothing(ambot, tmp_path):
    assert ambot("import", "staff", str(write(tmp_path / "staff.csv", STAFF))).exit_code == 0
    assert ambot("import", "clients", str(write(tmp_path / "clients.csv", CLIENTS))).exit_code == 0
    rows = SNAPSHOTS_HEADER + "".join(
        f"2026-11-{d:02d},{c},1000.00,400.00,600.00,0,0\n"
        for d in (16, 17, 18, 19, 20)
        for c in ("K001", "K002")
    )
    snapshots = write(tmp_path / "snapshots.csv", rows)
    first = ambot("import", "snapshots", str(snapshots))
    assert first.exit_code == 0, first.output
    assert "inserted 10" in first.output
    second = ambot("import", "snapshots", str(snapshots))
    assert "inserted 0, updated 0, unchanged 10" in second.output
    assert snapshot_count(ambot.db) == 10

    lines = rows.splitlines(keepends=True)
    lines[5] = "2026-11-18,K001,1000.00,400.00,abc,0,0\n"  # line 6 of the file
    lines[7] = lines[7].replace("1000.00", "2000.00")  # a valid change that must not land either
    bad = ambot("import", "snapshots", str(write(tmp_path / "bad.csv", "".join(lines))))
    assert bad.exit_code == 1
    assert "bad.csv:6" in bad.output and "market_value" in bad.output
    assert "nothing was changed" in bad.output
    with sqlite3.connect(ambot.db) as conn:
        assert conn.execute("SELECT max(total_assets) FROM snapshots").fetchone()[0] == 1000


def test_dry_run_changes_nothing(ambot, tmp_path):
    ambot("import", "staff", str(write(tmp_path / "staff.csv", STAFF)))
    result = ambot("import", "clients", str(write(tmp_path / "clients.csv", CLIENTS)), "--dry-run")
    assert result.exit_code == 0 and "inserted 2" in result.output and "dry run" in result.output
    with sqlite3.connect(ambot.db) as conn:
        assert conn.execute("SELECT count(*) FROM clients").fetchone()[0] == 0


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("import", "accounts", "x.csv"), "unknown kind 'accounts'"),
        (("import", "staff", "missing.csv"), "no such file"),
        (("staff", "invite", "NOBODY"), "not found: NOBODY"),
    ],
)
def test_bad_input_exits_non_zero_with_one_line(ambot, args, reason):
    result = ambot(*args)
    assert result.exit_code != 0
    assert reason in result.output
    assert len([line for line in result.output.splitlines() if line.strip()]) == 1


def test_unknown_columns_are_named(ambot, tmp_path):
    result = ambot(
        "import",
        "staff",
        str(write(tmp_path / "s.csv", "staff_id,name,role,colour\nX,Y,manager,red\n")),
    )
    assert result.exit_code == 1 and "colour" in result.output


def test_invite_prints_a_one_time_link(ambot, tmp_path):
    ambot("import", "staff", str(write(tmp_path / "staff.csv", STAFF)))
    result = ambot("staff", "invite", "M001")
    assert result.exit_code == 0
    assert "https://t.me/ambot_demo_bot?start=" in result.output
    code = result.output.split("?start=")[1].split()[0]
    with sqlite3.connect(ambot.db) as conn:
        stored = conn.execute("SELECT code_hash FROM invites").fetchone()[0]
    assert code not in stored


def test_demo_seeds_once_and_has_the_default_manager(ambot, monkeypatch):
    # The book and the rules are under test, not the embedding model (its index is built with
    # the real model by `make run` and the model's own tests): hashing vectors keep this quick.
    monkeypatch.setenv("AMBOT_EMBEDDER", "hashing")
    result = ambot("demo", "--clients", "60")
    assert result.exit_code == 0, result.output
    with sqlite3.connect(ambot.db) as conn:
        managers = conn.execute("SELECT count(*) FROM staff WHERE role='manager'").fetchone()[0]
        clients = conn.execute("SELECT count(*) FROM clients").fetchone()[0]
    assert managers == 6 and clients == 60
    # The rules ran on the book, so cards show tags with reasons and /today has alerts.
    assert "rules evaluated for" in result.output
    with sqlite3.connect(ambot.db) as conn:
        tiers = conn.execute("SELECT count(*) FROM client_tags WHERE tag LIKE 'tier:%'").fetchone()
        rules = {r for (r,) in conn.execute("SELECT DISTINCT rule FROM alerts")}
    assert tiers[0] == 60
    assert {"hnw_outflow", "silent_warning", "negative_event"} <= rules
    again = ambot("demo", "--if-empty")
    assert "skipping" in again.output


def test_bad_setting_is_reported_by_name(ambot, monkeypatch):
    monkeypatch.setenv("AMBOT_TIMEZONE", "Mars/Olympus")
    result = ambot("db", "upgrade")
    assert result.exit_code == 1 and "AMBOT_TIMEZONE" in result.output
