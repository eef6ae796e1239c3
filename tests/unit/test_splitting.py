"""Long replies are split into valid Telegram messages without losing a character."""

import re
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from emulator.html import html_to_entities
from handlers.splitting import split_html, utf16_len

TAGS = ("b", "i", "code")


class _Balance(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.ok = True
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.ok = False

    def handle_data(self, data):
        self.text.append(data)


def visible(html: str) -> str:
    parser = _Balance()
    parser.feed(html)
    parser.close()
    assert parser.ok and not parser.stack, html[:200]
    return "".join(parser.text)


def test_short_text_is_one_piece():
    assert split_html("<b>你好</b>") == ["<b>你好</b>"]


def test_long_text_splits_at_line_breaks_within_the_limit():
    lines = [f"<b>第{i}条</b> 客户张伟 13812345678 &amp; 备注" + "很长" * 30 for i in range(200)]
    text = "\n".join(lines)
    pieces = split_html(text)
    assert len(pieces) > 1
    assert all(utf16_len(p) <= 4096 for p in pieces)
    assert "".join(visible(p) for p in pieces).replace("\n", "") == visible(text).replace("\n", "")
    assert all(not re.search(r"&[#\w]*$", p) for p in pieces)


def test_emoji_are_never_cut_in_half():
    text = "😀" * 5000  # 2 UTF-16 units each, no line breaks at all
    pieces = split_html(text)
    assert all(utf16_len(p) <= 4096 for p in pieces)
    assert "".join(pieces) == text


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([*TAGS, None]),
            st.text(alphabet=st.sampled_from(list("客户经理ab😀\n &")), min_size=0, max_size=400),
        ),
        min_size=1,
        max_size=40,
    ),
    st.integers(min_value=200, max_value=4096),
)
def test_any_balanced_html_splits_into_valid_pieces(parts, limit):
    html = "".join(
        (f"<{tag}>{body.replace('&', '&amp;')}</{tag}>" if tag else body.replace("&", "&amp;"))
        for tag, body in parts
    )
    pieces = split_html(html, limit)
    assert all(utf16_len(p) <= limit for p in pieces)
    assert "".join(visible(p) for p in pieces) == visible(html) or "".join(
        visible(p) for p in pieces
    ).replace("\n", "") == visible(html).replace("\n", "")


def entity_count(html: str) -> int:
    return len(html_to_entities(html)[1])


def test_a_short_text_with_too_many_entities_is_split_at_line_breaks():
    lines = [f"<b>{i}</b> <u>x</u>" for i in range(120)]  # 240 entities, ~2,000 characters
    text = "\n".join(lines)
    pieces = split_html(text)
    assert len(pieces) == 3
    assert all(entity_count(p) <= 100 for p in pieces)
    assert "".join(visible(p) for p in pieces).replace("\n", "") == visible(text).replace("\n", "")


def test_a_paragraph_of_tags_without_line_breaks_counts_reopened_tags():
    text = "<i>" + "".join(f"<u><b>保本</b></u>[{i}]，" for i in range(150)) + "</i>"
    pieces = split_html(text)
    assert all(entity_count(p) <= 100 for p in pieces)
    assert all(p.startswith("<i>") and p.endswith("</i>") for p in pieces)
    assert "".join(visible(p) for p in pieces) == visible(text)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from([*TAGS, None]), st.sampled_from(["a", "客户", "\n", "😀 "])),
        min_size=1,
        max_size=400,
    ),
    st.integers(min_value=2, max_value=100),
)
def test_no_piece_carries_more_entities_than_allowed(parts, max_entities):
    html = "".join((f"<{tag}>{body}</{tag}>" if tag else body) for tag, body in parts)
    pieces = split_html(html, max_entities=max_entities)
    assert all(entity_count(p) <= max_entities for p in pieces)
    assert "".join(visible(p) for p in pieces).replace("\n", "") == visible(html).replace("\n", "")
