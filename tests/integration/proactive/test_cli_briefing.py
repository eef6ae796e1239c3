"""`ambot briefing show` as an operator runs it: plain text, ranked, no phone or ID numbers."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app

STAFF = (
    "staff_id,name,role,supervisor_id,telegram_user_id,timezone,language,briefing_time\n"
    "S001,周强,supervisor,,,Asia/Shanghai,zh,08:30\n"
    "M001,王芳,manager,S001,,Asia/Shanghai,zh,08:30\n"
    "C001,沈静,compliance,,,Asia/Shanghai,zh,08:30\n"
)
CLIENTS = (
    "client_id,name,manager_id,phone,id_number,birthday,opened_on,risk_level\n"
    "K001,张伟,M001,13812345678,,1980-11-23,2015-03-02,C3\n"
)
TICKETS = (
    "ticket_id,client_id,category,opened_at,summary\n"
    "T1,K001,complaint,2026-11-22T08:00:00+08:00,投诉：客户 13812345678 反映 App 无法登录\n"
)


@pytest.fixture
def ambot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AMBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("AMBOT_DATABASE_URL", raising=False)
    runner = CliRunner()
    for kind, text in (("staff", STAFF), ("clients", CLIENTS), ("tickets", TICKETS)):
        path = tmp_path / f"{kind}.csv"
        path.write_text(text, encoding="utf-8")
        assert runner.invoke(app, ["import", kind, str(path)]).exit_code == 0

    def run(*args: str):
        return runner.invoke(app, list(args))

    return run


def test_briefing_show_prints_the_ranked_briefing(ambot) -> None:
    result = ambot("briefing", "show", "M001", "--date", "2026-11-23")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "王芳" in out and "重点客户 1 项" in out
    assert "投诉工单" in out  # 23 h left of 48 at 08:30 (or past it, when run later)
    assert "张伟" in out and "<b>" not in out
    assert "13812345678" not in out and "138****5678" in out  # masked even in a free-text summary


def test_briefing_show_refuses_bad_input_in_one_line(ambot) -> None:
    for args, reason in (
        (("briefing", "show", "NOPE"), "not found: NOPE"),
        (("briefing", "show", "M001", "--date", "2026-13-01"), "bad --date"),
        (("briefing", "show", "C001"), "briefings are for managers and supervisors"),
    ):
        result = ambot(*args)
        assert result.exit_code == 1 and reason in result.output
    digest = ambot("briefing", "show", "S001", "--date", "2026-11-23")
    assert digest.exit_code == 0 and "团队晨报" in digest.output
