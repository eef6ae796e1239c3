"""The document loader reports every problem as file:line and loads nothing from a bad folder."""

from datetime import date

import pytest

from knowledge_base.documents import DocumentLoadError, load_directory, parse_document

GOOD = """---
id: KB-MARGIN-ELIGIBILITY
version: 3
kind: script
title: 融资融券开通条件
language: zh
status: approved
approved_by: C001
approved_at: 2026-03-02
effective_from: 2026-03-02
expires_on: 2027-03-01
tags: [两融, 信用业务]
---
## 开通条件
前20个交易日日均资产不低于50万元。
"""


def test_good_document_parses():
    doc, problems = parse_document(GOOD, "m.md")
    assert problems == []
    assert doc.doc_id == "KB-MARGIN-ELIGIBILITY" and doc.version == 3
    assert doc.tags == ("两融", "信用业务")
    assert doc.in_effect(date(2026, 11, 21))
    assert not doc.in_effect(date(2027, 3, 1))
    assert not doc.in_effect(date(2026, 3, 1))


@pytest.mark.parametrize(
    ("change", "line", "reason"),
    [
        (("kind: script", "kind: scripture"), 4, "unknown kind"),
        (("effective_from: 2026-03-02", "effective_from: 2026-02-30"), 10, "bad date"),
        (("title: 融资融券开通条件\n", ""), 1, "missing field: title"),
        (("前20个交易日日均资产不低于50万元。", ""), 14, "empty body"),
        (("version: 3", "version: three"), 3, "version must be"),
        (("tags:", "colour: red\ntags:"), 12, "unknown field: colour"),
        (("expires_on: 2027-03-01", "expires_on: 2026-01-01"), 11, "expires_on must be after"),
    ],
)
def test_each_problem_names_file_and_line(change, line, reason):
    old, new = change
    _, problems = parse_document(
        GOOD.replace(old, new).replace(
            "## 开通条件\n", "" if "empty" in reason else "## 开通条件\n"
        ),
        "m.md",
    )
    assert any(p.line == line and reason in p.reason for p in problems), problems


def test_duplicate_id_and_version_refuses_the_folder(tmp_path):
    (tmp_path / "a.md").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.md").write_text(GOOD, encoding="utf-8")
    (tmp_path / "c.md").write_text("no front matter", encoding="utf-8")
    with pytest.raises(DocumentLoadError) as error:
        load_directory(tmp_path)
    text = str(error.value)
    assert "duplicate id+version KB-MARGIN-ELIGIBILITY v3" in text
    assert "c.md:1: missing YAML front matter" in text
