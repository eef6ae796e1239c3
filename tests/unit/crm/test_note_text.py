"""Cleaning of note text: invisible characters go, emoji sequences and line breaks stay."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from storage.text import clean_text as clean_note_text


def test_invisible_characters_are_dropped():
    assert clean_note_text("\u200b客户\u202e反转\u2066x\u2069\ufeff ") == "客户反转x"
    assert clean_note_text(" \u200b\u3000\n\t ") == ""


def test_emoji_sequences_and_line_breaks_are_kept():
    family = "👨\u200d👩\u200d👧"
    assert clean_note_text(f"满意{family}😀\r\n第二行\t！") == f"满意{family}😀\n第二行\t！"
    assert clean_note_text("a\u200db") == "ab"  # a joiner between letters is invisible noise


def test_markup_is_not_touched():
    raw = "<b>x</b> <script>alert(1)</script> *bold* _it_"
    assert clean_note_text(raw) == raw


@given(st.text())
def test_cleaning_is_idempotent(text):
    once = clean_note_text(text)
    assert clean_note_text(once) == once
