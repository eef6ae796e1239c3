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


def test_markup_in_a_question_is_not_searched_for() -> None:
    """HTML tags and Markdown a chat client or a paste leaves in a question are formatting:
    「<b>公司年会</b>」 must not match documents on the letters b and i."""
    assert searchable("<b>公司年会</b>在哪里举行 & <i>").split() == ["公司年会", "在哪里举行", "&"]
    assert searchable("<b>科创板</b> *开户* _条件_ [点我](http://evil.example)").split() == [
        "科创板",
        "开户",
        "条件",
        "点我",
    ]
    assert searchable("**两融** 和 `GC001`") == "两融 和 GC001"


def test_symbols_that_are_content_stay() -> None:
    for question in ("*ST是什么意思", "主板*ST涨跌幅还是5%吗", "*ST股 和 *ST康美", "HDTong_Setup开头的安装包",
                     "5*3=15 and 2*4", "a < b > c"):  # fmt: skip
        assert searchable(question) == question
