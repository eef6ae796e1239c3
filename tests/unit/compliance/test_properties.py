"""Properties over the shipped lexicon: separators never hide a phrase; unrelated text is clean."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge_base.compliance import (
    ComplianceChecker,
    Lexicon,
    LexiconEntry,
    MatchType,
    default_lexicon_path,
    load_lexicon,
)
from knowledge_base.compliance.normalize import TextFolder

# Strategies are built at import, before fixtures exist, so this module loads the lexicon once
# itself (a few milliseconds); the checker under test is still the session fixture.
_LEXICON: Lexicon = load_lexicon(default_lexicon_path())
_NORMALIZED: list[LexiconEntry] = [e for e in _LEXICON.entries if e.match is MatchType.NORMALIZED]

# What an evader slips between characters: spaces, punctuation, zero-width and invisible
# characters, emoji. None of them folds to a letter, a digit or "%".
_SEPARATORS = st.sampled_from(
    [
        *(" ", "\u3000", "-", ".", "，", "·", "/", "*", "_", "～", "|", "\n"),
        *("\u200b", "\u200d", "\ufeff", "\u2060", "\u00ad", "😀", "💰", "🔥"),
    ]
)


def _lexicon_characters(lexicon: Lexicon) -> set[str]:
    """Every CJK character a phrase, regex or exception of the lexicon uses (folded)."""
    folder = TextFolder()
    text = "".join(entry.phrase + "".join(entry.exceptions) for entry in lexicon.entries)
    return {ch for ch in folder.folded(text) if "\u4e00" <= ch <= "\u9fff"}


_USED = _lexicon_characters(_LEXICON)
_FOLDER = TextFolder()
# CJK characters that fold (incl. traditional → simplified) to nothing the lexicon uses;
# a fixed list, because filtering a character strategy makes Hypothesis retry endlessly.
_UNRELATED_CJK = st.sampled_from(
    [chr(cp) for cp in range(0x4E00, 0xA000) if not (set(_FOLDER.folded(chr(cp))) & _USED)]
)
_FILLER = st.text(_UNRELATED_CJK, max_size=12)


@st.composite
def _evasive(draw: st.DrawFn) -> tuple[LexiconEntry, str, str, str]:
    entry = draw(st.sampled_from(_NORMALIZED))
    pieces = [entry.phrase[0]]
    for ch in entry.phrase[1:]:
        pieces.append(draw(st.text(_SEPARATORS, max_size=3)))
        pieces.append(ch)
    return entry, draw(_FILLER), "".join(pieces), draw(_FILLER)


@settings(max_examples=200, deadline=None)
@given(_evasive())
def test_separators_between_characters_never_hide_a_phrase(
    checker: ComplianceChecker, case: tuple[LexiconEntry, str, str, str]
) -> None:
    entry, before, disguised, after = case
    text = before + disguised + after
    result = checker.check(text)

    assert [(v.phrase, v.category) for v in result.violations] == [(entry.display, entry.category)]
    violation = result.violations[0]
    # The highlight starts and ends on the phrase's own first and last characters.
    assert (violation.start, violation.end) == (len(before), len(before) + len(disguised))


@settings(max_examples=200, deadline=None)
@given(st.text(st.one_of(_UNRELATED_CJK, _SEPARATORS), max_size=200))
def test_text_without_lexicon_characters_is_clean(checker: ComplianceChecker, text: str) -> None:
    assert checker.check(text).ok


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            _FILLER,
            st.sampled_from([e.phrase for e in _NORMALIZED]),
            st.sampled_from(["保证年化8%", "13800138000", "🚀🚀🚀", "不保本", "不一定涨"]),
        ),
        max_size=12,
    ).map("".join)
)
def test_violations_are_ordered_disjoint_and_point_into_the_text(
    checker: ComplianceChecker, text: str
) -> None:
    violations = checker.check(text).violations

    for v in violations:
        assert 0 <= v.start < v.end <= len(text)
        assert text[v.start : v.end] == v.matched_text
    for left, right in itertools.pairwise(violations):
        assert left.end <= right.start
