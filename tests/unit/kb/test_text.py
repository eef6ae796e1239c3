"""Invisible characters never reach search or storage."""

from knowledge_base.text import clean_text, searchable


def test_invisible_and_control_characters_are_removed():
    assert clean_text("\u200b 科创板\u200d开户\u202e条件 \x07") == "科创板开户条件"
    assert clean_text("\ufeff\u2066\u2069") == ""


def test_line_breaks_and_emoji_are_kept():
    assert clean_text(" 第一行\n第二行 🙂 ") == "第一行\n第二行 🙂"


def test_a_question_is_searched_without_invisibles_and_with_half_width_letters_and_digits():
    assert searchable("\u200bｋｃｂ开户要５０万吗\u200d？") == "kcb开户要50万吗？"
    # Chinese punctuation is typed full-width by everyone: kept as it is
    assert searchable("科创板，开户条件：多少？") == "科创板，开户条件：多少？"
