"""`questions:` in front matter (相似问, DESIGN §5): a list of typical phrasings, checked like
every other field, each problem reported with the line of the offending item."""

import pytest

from knowledge_base.documents import parse_document

HEAD = """---
id: KB-MARGIN-CALL
version: 2
kind: script
title: 维持担保比例与追保
language: zh
status: draft
"""
BODY = """---
## 追保
维持担保比例低于130%时需在两个交易日内补足担保物。
"""


def doc(questions: str) -> str:
    return HEAD + questions + BODY


def test_questions_are_read_in_order_as_single_lines_each_once():
    version, problems = parse_document(
        doc(
            "questions:\n"
            "  - 券商打电话让我补钱是怎么回事\n"
            "  - '  追加   保证金\n    要多久 '\n"
            "  - What is a margin call?\n"
            "  - 券商打电话让我补钱是怎么回事\n"
        ),
        "call.md",
    )
    assert problems == []
    assert version.questions == (
        "券商打电话让我补钱是怎么回事",
        "追加 保证金 要多久",
        "What is a margin call?",
    )


def test_a_document_without_questions_keeps_its_fingerprint():
    without, _ = parse_document(doc(""), "call.md")
    empty, _ = parse_document(doc("questions: []\n"), "call.md")
    listed, _ = parse_document(doc("questions:\n  - 补钱\n"), "call.md")
    assert without.questions == ()
    assert without.content_hash == empty.content_hash
    # the questions are approved with the text: other questions make another version's text
    assert listed.content_hash != without.content_hash


@pytest.mark.parametrize(
    ("questions", "line", "reason"),
    [
        ("questions: 补钱是怎么回事\n", 8, "questions must be a list"),
        ("questions:\n  - 追保\n  - ''\n", 10, "question 2 is empty"),
        ("questions:\n  - 追保\n  - [a, b]\n", 10, "question 2 must be text"),
        ("questions:\n  - {q: 追保}\n", 9, "question 1 must be text"),
        ("questions:\n  - 追保\n  - 追保\n  - " + "长" * 201 + "\n", 11, "201 characters"),
    ],
)
def test_a_bad_question_is_reported_at_its_line(questions, line, reason):
    version, problems = parse_document(doc(questions), "call.md")
    assert version is None
    [problem] = problems
    assert problem.line == line
    assert reason in problem.reason
    assert str(problem).startswith(f"call.md:{line}: ")


def test_a_question_of_200_characters_is_fine():
    version, problems = parse_document(doc("questions:\n  - " + "长" * 200 + "\n"), "call.md")
    assert problems == []
    assert version.questions == ("长" * 200,)
