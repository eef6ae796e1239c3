"""`ambot rules evaluate` as an operator uses it: real SQLite file, CSV imports, JSON contract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app

FILES = {
    "staff": "staff_id,name,role,supervisor_id\nS001,周强,supervisor,\nM001,王芳,manager,S001\n",
    "clients": (
        "client_id,name,manager_id,phone,id_number,birthday,opened_on,risk_level\n"
        "K001,张伟,M001,13812345678,,1980-11-20,2015-03-02,C3\n"
        "K002,李娜,M001,,,,2020-01-06,C4\n"
    ),
    "snapshots": (
        "date,client_id,total_assets,cash,market_value,inflow,outflow\n"
        "2026-11-19,K001,8000000.00,8000000.00,0,0,0\n"
        "2026-11-20,K001,4000000.00,4000000.00,0,0,4000000.00\n"
        "2026-11-19,K002,500000.00,500000.00,0,0,0\n"
        "2026-11-20,K002,500000.00,500000.00,0,0,0\n"
    ),
    "trades": (
        "trade_id,client_id,traded_at,symbol,side,quantity,price,amount\n"
        "T1,K001,2026-11-18 10:00:00,600000,buy,100,10,1000\n"
        "T2,K002,2026-11-19 10:00:00,600000,buy,100,10,1000\n"
    ),
}


@pytest.fixture
def ambot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("AMBOT_DATA_DIR", str(tmp_path / "data"))
    for name in ("AMBOT_TELEGRAM_TOKEN", "AMBOT_DATABASE_URL", "AMBOT_RULES_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(app, list(args))

    return run


def load_book(ambot, tmp_path: Path) -> None:
    for kind, text in FILES.items():
        path = tmp_path / f"{kind}.csv"
        path.write_text(text, encoding="utf-8")
        result = ambot("import", kind, str(path))
        assert result.exit_code == 0, result.output


def test_evaluate_json_prints_the_contract_for_the_latest_date(ambot, tmp_path):
    load_book(ambot, tmp_path)
    result = ambot("rules", "evaluate", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert set(payload) == {"date", "alerts", "tags"}
    assert payload["date"] == "2026-11-20"  # the latest snapshot date by default
    assert [
        (a["rule"], a["client_id"], a["manager_id"], a["priority"]) for a in payload["alerts"]
    ] == [
        ("hnw_outflow", "K001", "M001", "P1"),
        ("birthday", "K001", "M001", "P4"),
    ]
    first = payload["alerts"][0]
    assert set(first) == {"rule", "client_id", "manager_id", "priority", "dedupe_key", "facts"}
    assert first["facts"]["outflow_share_pct"] == "50.00"
    assert {(t["client_id"], t["tag"]) for t in payload["tags"]} == {
        ("K001", "tier:wealth"),
        ("K002", "tier:mass"),
    }
    assert all(set(t) == {"client_id", "tag", "reason"} for t in payload["tags"])
    again = ambot("rules", "evaluate", "--date", "2026-11-20")
    assert again.exit_code == 0, again.output
    assert "alerts: 2 (0 new)" in again.output


def test_an_unparseable_date_fails_with_one_line(ambot):
    result = ambot("rules", "evaluate", "--date", "2026-13-01")
    assert result.exit_code == 1
    assert (
        result.output.strip() == "error: bad --date '2026-13-01': expected a date like 2026-11-20"
    )


def test_an_empty_book_and_a_bad_rules_file_fail_clearly(ambot, tmp_path, monkeypatch):
    empty = ambot("rules", "evaluate")
    assert empty.exit_code == 1
    assert "no snapshots imported yet" in empty.output
    missing = ambot("rules", "evaluate", "--date", "2026-11-21")
    assert missing.exit_code == 1
    assert missing.output.strip() == (
        "error: no snapshots for 2026-11-21 (no snapshots imported yet)"
    )
    bad = tmp_path / "rules.yaml"
    bad.write_text(
        'version: "x"\nalerts:\n  hnw_outflow:\n    more_than_pc: 30\n', encoding="utf-8"
    )
    monkeypatch.setenv("AMBOT_RULES_CONFIG", str(bad))
    result = ambot("rules", "evaluate", "--date", "2026-11-20")
    assert result.exit_code == 1
    assert "alerts.hnw_outflow.more_than_pc" in result.output
