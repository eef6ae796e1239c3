"""Pinyin-initial abbreviations derived from the knowledge base itself (issue 15 point 3).

Managers type 「rzrq」 for 融资融券 and 「ydgh」 for 约定购回. No glossary has to list them: every
curated tag and every title of an approved document (and each Chinese run of a title) is a term
whose pinyin initials are an alias. A Latin word of a question that is such an alias, and that
is not itself a word of the knowledge base (ETF, GC001 …), brings the terms it abbreviates into
the lexical query. Built once per index build; nothing comes from evaluation questions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pypinyin import Style, lazy_pinyin

from retrieval import normalize, tokenize

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN_WORD = re.compile(r"[a-z]+")
MIN_TERM_CHARS = 2
MAX_TERM_CHARS = 8
MIN_ALIAS_LETTERS = 3  # two letters abbreviate too many things


def initials(term: str) -> str:
    """The pinyin initials of a run of Chinese characters (融资融券 → rzrq)."""
    return "".join(s[:1] for s in lazy_pinyin(term, style=Style.FIRST_LETTER, errors="ignore") if s)


def terms_of(title: str, tags: Iterable[str]) -> list[str]:
    """The Chinese terms of a document that can be abbreviated: its tags and the Chinese runs
    of its title, each 2–8 characters long."""
    out = []
    for text in (*tags, title):
        for run in _CJK_RUN.findall(normalize(text)):
            if MIN_TERM_CHARS <= len(run) <= MAX_TERM_CHARS:
                out.append(run)
    return out


@dataclass(frozen=True)
class AliasIndex:
    """initials → the knowledge-base terms they abbreviate; `vocabulary`: the knowledge base's
    own Latin words, which are never read as abbreviations."""

    aliases: Mapping[str, tuple[str, ...]]
    vocabulary: frozenset[str]

    @classmethod
    def build(
        cls,
        documents: Iterable[tuple[str, Iterable[str], str]],
        tokens: Iterable[str] | None = None,
    ) -> AliasIndex:
        """`documents` yields (title, tags, body); `tokens`, when the caller has them already
        (CoverageIndex.frequency), are the knowledge base's search tokens (else the bodies are
        tokenized here)."""
        aliases: dict[str, dict[str, None]] = {}
        vocabulary: set[str] = set()
        seen: dict[str, str] = {}
        for title, tags, body in documents:
            tag_list = list(tags)
            if tokens is None:
                vocabulary.update(
                    t for t in tokenize(" ".join([title, *tag_list, body])) if t.isascii()
                )
            for term in terms_of(title, tag_list):
                key = seen.get(term)
                if key is None:
                    key = seen[term] = initials(term)
                if len(key) >= MIN_ALIAS_LETTERS:
                    aliases.setdefault(key, {})[term] = None
        if tokens is not None:
            vocabulary.update(t for t in tokens if t.isascii())
        return cls({k: tuple(v) for k, v in aliases.items()}, frozenset(vocabulary))

    def expand(self, question: str) -> list[str]:
        """The terms the question's abbreviations stand for (none already in the question)."""
        folded = normalize(question)
        out: dict[str, None] = {}
        for word in _LATIN_WORD.findall(folded):
            if word in self.vocabulary:
                continue
            for term in self.aliases.get(word, ()):
                if term not in folded:
                    out[term] = None
        return list(out)


EMPTY_ALIASES = AliasIndex({}, frozenset())
