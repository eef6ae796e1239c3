"""Lexical tokenizer for mixed Chinese/English text: CJK bigrams plus whole alphanumeric words.

Text is normalised first (NFKC folds full-width forms, OpenCC folds traditional to simplified,
then lower-case), so 「ＧＣ００１」, 「gc001」 and 「GC001」 are the same token and 融資 matches 融资.
English function words (Lucene's stop list) are dropped: a match on "the" is no evidence.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

import opencc
from bm25s.stopwords import STOPWORDS_EN

ENGLISH_STOPWORDS = frozenset(STOPWORDS_EN)


@lru_cache(maxsize=1)
def _t2s() -> Any:
    """The OpenCC traditional→simplified converter, created on first use."""
    return opencc.OpenCC("t2s")


def normalize(text: str) -> str:
    """Fold full-width forms (NFKC), traditional characters and case."""
    folded = (
        text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)
    )
    return str(_t2s().convert(folded)).lower()


_CJK_RANGES = (
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\u3400-\u4dbf"  # extension A
    "\U00020000-\U0002ebef"  # extensions B–F
    "\uf900-\ufaff"  # compatibility ideographs
    "\u3040-\u30ff"  # hiragana, katakana
    "\uac00-\ud7af"  # hangul syllables
)
# A run of CJK characters, or a run of other letters/digits (underscore is not a letter).
_RUNS = re.compile(f"([{_CJK_RANGES}]+)|([^\\W_{_CJK_RANGES}]+)")


def tokenize(text: str) -> list[str]:
    """Tokens of `text` in order: bigrams of each CJK run (the char itself for a 1-char run)
    and each maximal run of other letters/digits as one word (so GC001, 688, r3 stay whole),
    minus English stop words."""
    tokens: list[str] = []
    for cjk, word in _RUNS.findall(normalize(text)):
        if word:
            if word not in ENGLISH_STOPWORDS:
                tokens.append(word)
        elif len(cjk) == 1:
            tokens.append(cjk)
        else:
            tokens.extend(cjk[i : i + 2] for i in range(len(cjk) - 1))
    return tokens
