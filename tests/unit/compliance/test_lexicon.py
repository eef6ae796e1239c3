"""The lexicon file loads into validated dataclasses; malformed files fail with a precise reason."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from knowledge_base.compliance import (
    Category,
    Lexicon,
    LexiconEntry,
    LexiconError,
    MatchType,
    load_lexicon,
    parse_lexicon,
)

_GOOD_ENTRY = """\
  - phrase: 保本
    category: guaranteed_principal
    match: normalized
    language: zh
    suggestion: 「本产品不保本，投资有风险」
"""


def _write(tmp_path: Path, bad_entry: str, name: str = "bad.yaml") -> Path:
    path = tmp_path / name
    path.write_text(f"version: 1\nentries:\n{_GOOD_ENTRY}{bad_entry}", encoding="utf-8")
    return path


def test_shipped_lexicon_covers_both_languages_and_every_category(lexicon: Lexicon) -> None:
    languages = Counter(entry.language for entry in lexicon.entries)

    assert languages["zh"] >= 40
    assert languages["en"] >= 15
    assert {entry.category for entry in lexicon.entries} == set(Category)
    assert {entry.match for entry in lexicon.entries} == set(MatchType)


def test_shipped_lexicon_entries_are_fit_to_show_to_a_user(lexicon: Lexicon) -> None:
    for entry in lexicon.entries:
        assert entry.suggestion.strip(), entry
        # A regex is not something to show a relationship manager; it needs a label.
        assert entry.match is not MatchType.REGEX or entry.label, entry.phrase
    suggestions = " ".join(e.suggestion for e in lexicon.entries if e.language == "zh")
    assert "过往业绩不代表未来表现" in suggestions


def test_suggested_documents_exist_in_the_sample_knowledge_base(lexicon: Lexicon) -> None:
    docs = Path(__file__).resolve().parents[3] / "knowledge_base" / "samples" / "docs"
    ids = {
        match.group(1)
        for path in docs.glob("*.md")
        if (match := re.search(r"^id:\s*(\S+)", path.read_text(encoding="utf-8"), re.MULTILINE))
    }
    wanted = {entry.suggest_doc for entry in lexicon.entries if entry.suggest_doc}

    assert wanted
    assert wanted <= ids


def test_a_valid_file_loads_with_defaults_and_line_numbers(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """\
  - phrase: 保证年化\\s*\\d+%
    label: 保证年化X%
    category: promised_returns
    match: regex
    language: zh
    suggestion: 不得承诺收益
    suggest_doc: KB-COMPLIANCE-RED-LINES
    exceptions: [不保证]
""",
    )
    lexicon = load_lexicon(path)

    assert lexicon.version == 1
    assert lexicon.source == str(path)
    assert lexicon.entries == (
        LexiconEntry(
            phrase="保本",
            category=Category.GUARANTEED_PRINCIPAL,
            match=MatchType.NORMALIZED,
            language="zh",
            suggestion="「本产品不保本，投资有风险」",
            line=3,
        ),
        LexiconEntry(
            phrase=r"保证年化\s*\d+%",
            category=Category.PROMISED_RETURNS,
            match=MatchType.REGEX,
            language="zh",
            suggestion="不得承诺收益",
            suggest_doc="KB-COMPLIANCE-RED-LINES",
            exceptions=("不保证",),
            label="保证年化X%",
            loose=True,
            line=8,
        ),
    )


_ENTRY = """\
  - phrase: {phrase}
    category: {category}
    match: {match}
    language: {language}
    suggestion: 请改用合规话术
{extra}"""


def _entry(
    phrase: str = "稳赚",
    category: str = "promised_returns",
    match: str = "normalized",
    language: str = "zh",
    extra: str = "",
) -> str:
    return _ENTRY.format(
        phrase=phrase, category=category, match=match, language=language, extra=extra
    )


@pytest.mark.parametrize(
    ("bad_entry", "reason"),
    [
        (_entry(category="guaranteed_income"), "unknown category 'guaranteed_income'"),
        (_entry(match="fuzzy"), "unknown match 'fuzzy'"),
        (_entry(language="fr"), "unknown language 'fr'"),
        (_entry(phrase="'保证(年化'", match="regex"), "invalid regex"),
        (_entry(phrase="'a*'", match="regex"), "matches the empty string"),
        (_entry(phrase="'保證\\d+%'", match="regex"), "traditional or full-width"),
        (_entry(phrase="'保证年化\\d+％'", match="regex"), "traditional or full-width"),
        (_entry(phrase="'保 本'"), "duplicates entry 1"),
        (_entry(phrase="'！！'"), "no letters or digits"),
        (_entry(extra="    exceptions: [不保证收益]\n"), "does not contain the phrase"),
        (_entry(extra="    exceptions: 不稳赚\n"), "exceptions must be a list"),
        (_entry(extra="    exception: [不稳赚]\n"), "unknown field(s): exception"),
        (_entry(extra="    loose: false\n"), "loose only applies to regex"),
        (_entry(extra="    suggest_doc: red lines doc\n"), "is not a document id"),
        (
            "  - phrase: 稳赚\n    category: promised_returns\n    match: normalized\n"
            "    language: zh\n",
            "missing field(s): suggestion",
        ),
        ("  - 稳赚\n", "expected a mapping"),
    ],
)
def test_malformed_entries_name_the_file_the_entry_and_its_line(
    tmp_path: Path, bad_entry: str, reason: str
) -> None:
    path = _write(tmp_path, bad_entry)

    with pytest.raises(LexiconError) as caught:
        load_lexicon(path)

    message = str(caught.value)
    assert message.startswith(f"{path}: entry 2 (line 8): ")
    assert reason in message


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("entries:\n  - phrase: [unclosed\n", "invalid YAML at line"),
        ("- phrase: 保本\n", "expected a mapping with an 'entries' list"),
        ("version: 1\n", "'entries' must be a non-empty list"),
        ("entries: []\n", "'entries' must be a non-empty list"),
        (f"entrys: []\nentries:\n{_GOOD_ENTRY}", "unknown top-level key(s): entrys"),
        (f"version: one\nentries:\n{_GOOD_ENTRY}", "'version' must be an integer"),
    ],
)
def test_malformed_files_are_refused(text: str, reason: str) -> None:
    with pytest.raises(LexiconError) as caught:
        parse_lexicon(text, source="lexicon.yaml")

    assert str(caught.value).startswith("lexicon.yaml: ")
    assert reason in str(caught.value)


def test_a_missing_file_is_a_lexicon_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"

    with pytest.raises(LexiconError, match="cannot read the lexicon"):
        load_lexicon(missing)
