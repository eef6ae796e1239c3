"""Issue 12 §4 at the command line: `kb import --by` makes drafts whatever the file claims,
`--migrate` keeps approvals from a previous system, `approve` needs a second compliance
officer, `retire` and `reject` need `--by` and `--reason`."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app

STAFF = (
    "staff_id,name,role,supervisor_id,telegram_user_id,timezone,language,briefing_time\n"
    "C001,钱合规,compliance,,,Asia/Shanghai,zh,08:30\n"
    "C002,孙复核,compliance,,,Asia/Shanghai,zh,08:30\n"
    "M001,王芳,manager,,,Asia/Shanghai,zh,08:30\n"
)
CLAIM = (
    "---\nid: KB-FAST-TRANSFER\nversion: 1\nkind: script\ntitle: 银证转账到账时间\nlanguage: zh\n"
    "status: approved\napproved_by: C001\neffective_from: 2026-01-05\n---\n"
    "## 到账\n银证转账保证秒到账。\n"
)


@pytest.fixture
def kb(tmp_path: Path):
    runner = CliRunner(env={"AMBOT_DATA_DIR": str(tmp_path / "data"), "AMBOT_EMBEDDER": "hashing"})

    def run(*args: str):
        return runner.invoke(app, list(args))

    (tmp_path / "staff.csv").write_text(STAFF, encoding="utf-8")
    assert run("import", "staff", str(tmp_path / "staff.csv")).exit_code == 0
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "KB-FAST-TRANSFER.v1.md").write_text(CLAIM, encoding="utf-8")
    run.docs = docs  # type: ignore[attr-defined]
    run.db = tmp_path / "data" / "ambot.db"  # type: ignore[attr-defined]
    return run


def status(db: Path) -> tuple[str, str | None, str | None]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT status, approved_by, authored_by FROM kb_versions WHERE doc_id='KB-FAST-TRANSFER'"
        ).fetchone()


def test_import_needs_by_and_a_claimed_approval_stays_a_draft(kb):
    assert kb("kb", "import", str(kb.docs)).exit_code == 2  # --by is required
    result = kb("kb", "import", str(kb.docs), "--by", "M001")
    assert result.exit_code == 0, result.output
    assert "approved 0, drafts 1" in result.output
    assert "KB-FAST-TRANSFER v1: draft authored by M001" in result.output
    assert status(kb.db) == ("draft", None, "M001")
    search = kb("kb", "search", "银证转账多久到账", "--json")
    assert "KB-FAST-TRANSFER" not in search.output


def test_approve_by_the_author_is_refused_then_another_officer_approves(kb):
    assert kb("kb", "import", str(kb.docs), "--by", "C001").exit_code == 0
    own = kb("kb", "approve", "KB-FAST-TRANSFER", "--by", "C001")
    assert own.exit_code == 1 and "four eyes" in own.output
    assert status(kb.db)[0] == "draft"
    other = kb("kb", "approve", "KB-FAST-TRANSFER", "--by", "C002")
    assert other.exit_code == 0 and "approved by C002" in other.output


def test_migrate_keeps_the_approval_and_is_journaled(kb):
    refused = kb("kb", "import", str(kb.docs), "--by", "M001", "--migrate")
    assert refused.exit_code == 1 and "admin or compliance" in refused.output
    result = kb("kb", "import", str(kb.docs), "--by", "C002", "--migrate")
    assert result.exit_code == 0 and "approved 1" in result.output
    assert status(kb.db) == ("approved", "C001", "C002")
    with sqlite3.connect(kb.db) as conn:
        actors = conn.execute("SELECT actor FROM journal WHERE kind='kb.migrated'").fetchall()
    assert actors == [("C002",)]


def test_retire_and_reject_need_by_and_reason_and_show_them(kb):
    assert kb("kb", "import", str(kb.docs), "--by", "C002", "--migrate").exit_code == 0
    assert kb("kb", "retire", "KB-FAST-TRANSFER").exit_code == 2
    assert kb("kb", "retire", "KB-FAST-TRANSFER", "--by", "C001").exit_code == 2
    refused = kb("kb", "retire", "KB-FAST-TRANSFER", "--by", "M001", "--reason", "x")
    assert refused.exit_code == 1 and "not an active compliance officer" in refused.output
    retired = kb("kb", "retire", "KB-FAST-TRANSFER", "--by", "C001", "--reason", "承诺到账时间")
    assert retired.exit_code == 0, retired.output
    shown = kb("kb", "show", "KB-FAST-TRANSFER").output
    assert "retired by C001 承诺到账时间" in shown


def test_reject_records_who_and_why(kb):
    assert kb("kb", "import", str(kb.docs), "--by", "M001").exit_code == 0
    assert kb("kb", "reject", "KB-FAST-TRANSFER", "--by", "C001").exit_code == 2
    rejected = kb("kb", "reject", "KB-FAST-TRANSFER", "--by", "C001", "--reason", "承诺秒到账")
    assert rejected.exit_code == 0 and "rejected by C001: 承诺秒到账" in rejected.output
    assert status(kb.db)[0] == "rejected"
    assert "rejected by C001 承诺秒到账" in kb("kb", "show", "KB-FAST-TRANSFER").output


def test_approve_names_the_waiting_gaps_it_answers(kb):
    assert kb("kb", "import", str(kb.docs), "--by", "C001").exit_code == 0
    # A manager's question that compliance chose to answer with this draft (/review's 起草).
    with sqlite3.connect(kb.db) as conn:
        gap_id = conn.execute(
            "INSERT INTO kb_content_gaps (question, asked_by, asked_at, status, doc_id) "
            "VALUES ('转账多久能到', 'M001', '2026-12-01 09:00:00', 'open', 'KB-FAST-TRANSFER')"
        ).lastrowid
    approved = kb("kb", "approve", "KB-FAST-TRANSFER", "--by", "C002")
    assert approved.exit_code == 0, approved.output
    assert f"answered 1 waiting gap(s): #{gap_id}; 1 manager(s) will be told" in approved.output
    with sqlite3.connect(kb.db) as conn:
        assert conn.execute(
            "SELECT status FROM kb_content_gaps WHERE id = ?", (gap_id,)
        ).fetchone() == ("answered",)
