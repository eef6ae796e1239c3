"""The one cleaner of free text typed by users (notes, questions, drafts) before it is stored,
searched or judged empty. Lives in storage because crm and knowledge_base both import storage;
handlers reach it through knowledge_base.text."""

from __future__ import annotations

import re
import unicodedata

_ZWJ = "\u200d"
_INVISIBLE = ("Cf", "Cc", "Cs", "Co")


def clean_text(text: str) -> str:
    """Drop invisible characters (zero-width spaces, bidi overrides, controls) but keep line
    breaks, tabs and the zero-width joiner inside emoji sequences (👨‍👩‍👧); strip the ends."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    kept: list[str] = []
    for index, ch in enumerate(text):
        if ch in "\n\t":
            kept.append(ch)
            continue
        if ch == _ZWJ:
            before = text[index - 1] if index > 0 else ""
            after = text[index + 1] if index + 1 < len(text) else ""
            if before and after and _emoji_like(before) and _emoji_like(after):
                kept.append(ch)
            continue
        if unicodedata.category(ch) in _INVISIBLE:
            continue
        kept.append(ch)
    return "".join(kept).strip()


# full-width letters and digits (ｋｃｂ, ５０万) as typed with a Chinese IME; Chinese punctuation
# (，？：) is written full-width by everyone and stays as it is
_HALF_WIDTH = {
    cp: cp - 0xFEE0
    for lo, hi in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
    for cp in range(lo, hi + 1)
}


# Markup a chat client or a paste leaves in a question: it is formatting, not content. Only
# paired emphasis goes (「*ST」, a delisting-risk stock, and 「HDTong_Setup」 keep theirs).
_MARKUP = (
    (re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>"), " "),  # <b>, </i>, <a href=…>
    (re.compile(r"\[([^\[\]\n]*)\]\([^()\s]*\)"), r"\1"),  # [text](url) → text
    (re.compile(r"(?<![\w*`~])(\*\*?|`|~~)([^*`~\n]+?)\1(?![\w*`~])"), r"\2"),  # *x*, `x`
    (re.compile(r"(?<!\w)_([^_\n]+)_(?!\w)"), r"\1"),  # _x_
)


def searchable(text: str) -> str:
    """A question as search reads it: `clean_text`, full-width letters and digits half-width,
    HTML tags and Markdown emphasis and link targets dropped (what is stored stays as typed)."""
    text = clean_text(text).translate(_HALF_WIDTH)
    for pattern, replacement in _MARKUP:
        text = pattern.sub(replacement, text)
    return text.strip()


def _emoji_like(ch: str) -> bool:
    return unicodedata.category(ch) in ("So", "Sk") or ch in "\ufe0f\u20e3"
