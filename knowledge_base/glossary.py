"""Domain glossary: curated zh↔en term groups used to expand questions before search.

Each entry is one concept: its `terms` (Chinese and English names, the first one canonical), a
few known `typos` that are recognised but never added, and an optional regex `pattern` for codes
(e.g. 688xxx → 科创板). A question names a concept when it contains a term or typo (Chinese:
as a substring; Latin: as a whole word, plural allowed), when its Chinese reads like a Chinese
term in pinyin and keeps at least half of its characters (a homophone slip of the input method:
北郊所 → 北交所, 开护 → 开户; for terms of three or more characters also with the common fuzzy
initials z/zh, c/ch, s/sh, n/l and finals an/ang, en/eng, in/ing), or when the pattern matches.
Requiring shared characters keeps unrelated homophones out (一首诗 is not 收市). The glossary is compliance-curated data like the lexicon.

An entry marked `generic: true` names the setting of a question rather than its topic (客户,
账户, 开户, 基金, 权限开通 …): concept coverage (knowledge_base/coverage.py) does not require the
answering document to mention it.

Every shipped entry states its provenance in `source` (one of `SOURCES`), so that no entry rests
on an evaluation question alone; scripts/glossary_provenance.py checks the claims against the
sample knowledge base and the compliance data. `source` is metadata: matching ignores it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, cast

import yaml
from pypinyin import lazy_pinyin

from retrieval import normalize

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_KEYS = {"terms", "typos", "pattern", "generic", "source"}
# Where an entry comes from (its `source`); anything else is rejected when the file is loaded.
SOURCES: dict[str, str] = {
    "kb": "a term occurs in the sample knowledge base's own documents (title, tags or body)",
    "policy": "a term is named by compliance data (out_of_scope.yaml or lexicon.yaml)",
    "catalogue": "standard securities-industry vocabulary (business line, product, board, "
    "account type, regulator), listed without reference to any question",
}
_FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("l", "n"))
_FUZZY_FINALS = (("ang", "an"), ("eng", "en"), ("ing", "in"))
FUZZY_MIN_CHARS = 3


def default_glossary_path() -> Path:
    """The sample glossary shipped with the sample knowledge base."""
    return Path(__file__).resolve().parent / "samples" / "glossary.yaml"


class GlossaryError(ValueError):
    """The glossary file is malformed; `problems` lists every problem found."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class GlossaryEntry:
    """One concept: terms (first is canonical), recognised typos, optional code pattern,
    whether it is generic (context, not topic: see the module docstring), and its provenance
    (a key of `SOURCES`; not part of the concept's identity)."""

    terms: tuple[str, ...]
    typos: tuple[str, ...] = ()
    pattern: str | None = None
    generic: bool = False
    source: str | None = field(default=None, compare=False)

    @property
    def canonical(self) -> str:
        return self.terms[0]


@dataclass(frozen=True)
class Expansion:
    """The concepts a question names and what to add to it for each side of the search."""

    question: str
    entries: tuple[GlossaryEntry, ...]

    @cached_property
    def _folded(self) -> str:
        return normalize(self.question)

    def extra_terms(self) -> list[str]:
        """Every term of every named concept that the question does not already contain."""
        return _absent(self._folded, (t for e in self.entries for t in e.terms))

    def canonical_terms(self) -> list[str]:
        """The canonical term of each named concept that the question does not already contain."""
        return _absent(self._folded, (e.canonical for e in self.entries))

    def lexical_query(self) -> str:
        """The question followed by all synonyms (for BM25, which has no notion of synonymy)."""
        return " ".join([self.question, *self.extra_terms()])

    def dense_query(self) -> str:
        """The question followed by the canonical terms (fixes typos, bridges languages)."""
        return " ".join([self.question, *self.canonical_terms()])


def _absent(folded: str, terms: Iterable[str]) -> list[str]:
    return [t for t in dict.fromkeys(terms) if normalize(t) not in folded]


def _unknown(chars: str) -> list[str]:
    return ["?"] * len(chars)  # one placeholder per character keeps syllables aligned


def _pinyin(text: str) -> list[str]:
    """Toneless pinyin, one syllable per character of a run of Chinese characters."""
    return list(lazy_pinyin(text, errors=cast(Any, _unknown)))


def _fuzzy(syllable: str) -> str:
    for long, short in _FUZZY_INITIALS:
        if syllable.startswith(long):
            syllable = short + syllable[len(long) :]
            break
    for long, short in _FUZZY_FINALS:
        if syllable.endswith(long):
            return syllable[: -len(long)] + short
    return syllable


def _close(window: str, spelling: str) -> bool:
    """A slip keeps at least half of the characters in place."""
    same = sum(a == b for a, b in zip(window, spelling, strict=True))
    return 2 * same >= len(spelling)


def _word_pattern(term: str) -> tuple[re.Pattern[str], str]:
    """A Latin term as a whole word: any run of spaces/hyphens between its words; plural ok.
    Also its first word, which every match contains (a cheap test before the regex)."""
    words = [w for w in re.split(r"[\s\-]+", term) if w]
    tail = "(?:s|es)?" if term[-1:].isalpha() else ""
    body = r"[\s\-]*".join(re.escape(w) for w in words)
    return re.compile(r"(?<![0-9a-z])" + body + tail + r"(?![0-9a-z])"), words[0] if words else ""


class Glossary:
    """Finds the concepts a question names; thread-safe once built (read-only)."""

    def __init__(self, entries: Sequence[GlossaryEntry]) -> None:
        self.entries = tuple(entries)
        self._substrings: list[tuple[str, int]] = []  # Chinese spellings
        # Latin spellings and code patterns, each with a substring every match contains ("":
        # none known); a question is only searched with the patterns whose substring it has.
        self._words: list[tuple[re.Pattern[str], str, int]] = []
        # pinyin of Chinese spellings → (spelling, entry index)
        self._exact: dict[tuple[str, ...], list[tuple[str, int]]] = {}
        self._fuzzy: dict[tuple[str, ...], list[tuple[str, int]]] = {}
        for index, entry in enumerate(self.entries):
            for spelling in (*entry.terms, *entry.typos):
                folded = normalize(spelling)
                if _CJK.search(folded):
                    self._substrings.append((folded, index))
                    if _CJK_RUN.fullmatch(folded) and len(folded) >= 2:
                        syllables = tuple(_pinyin(folded))
                        self._exact.setdefault(syllables, []).append((folded, index))
                        if len(folded) >= FUZZY_MIN_CHARS:
                            key = tuple(_fuzzy(s) for s in syllables)
                            self._fuzzy.setdefault(key, []).append((folded, index))
                else:
                    self._words.append((*_word_pattern(folded), index))
            if entry.pattern:
                self._words.append((re.compile(entry.pattern), "", index))
        self._lengths = sorted({len(k) for k in self._exact})

    def __len__(self) -> int:
        return len(self.entries)

    def match(self, question: str) -> list[GlossaryEntry]:
        """The entries the question names, in glossary order."""
        folded = normalize(question)
        hits: set[int] = {i for s, i in self._substrings if s in folded}
        hits.update(self._word_hits(folded))
        for run in _CJK_RUN.findall(folded):
            syllables = _pinyin(run)
            fuzzy = [_fuzzy(s) for s in syllables]
            for length in self._lengths:
                for start in range(len(run) - length + 1):
                    window = run[start : start + length]
                    candidates = self._exact.get(tuple(syllables[start : start + length]), [])
                    if length >= FUZZY_MIN_CHARS:
                        fuzzy_key = tuple(fuzzy[start : start + length])
                        candidates = [*candidates, *self._fuzzy.get(fuzzy_key, [])]
                    hits.update(i for spelling, i in candidates if _close(window, spelling))
        return [self.entries[i] for i in sorted(hits)]

    def _word_hits(self, folded: str) -> Iterable[int]:
        return (i for pattern, word, i in self._words if word in folded and pattern.search(folded))

    def mentions(self, text: str) -> list[GlossaryEntry]:
        """The entries a curated text names by exact spelling (term, typo, or code pattern; no
        pinyin repair: approved text has no input-method slips), in glossary order."""
        folded = normalize(text)
        hits: set[int] = {i for s, i in self._substrings if s in folded}
        hits.update(self._word_hits(folded))
        return [self.entries[i] for i in sorted(hits)]

    def expand(self, question: str) -> Expansion:
        """The question with the concepts it names."""
        return Expansion(question, tuple(self.match(question)))


EMPTY_GLOSSARY = Glossary(())


def parse_glossary(data: object, source: str = "glossary") -> Glossary:
    """Build a glossary from parsed YAML; GlossaryError lists every bad entry."""
    if not isinstance(data, list):
        raise GlossaryError([f"{source}: expected a list of entries"])
    problems: list[str] = []
    entries: list[GlossaryEntry] = []
    for number, item in enumerate(data, start=1):
        where = f"{source}: entry {number}"
        if not isinstance(item, dict):
            problems.append(f"{where}: expected a mapping with 'terms'")
            continue
        unknown = sorted(set(item) - _KEYS)
        if unknown:
            problems.append(f"{where}: unknown keys {', '.join(map(str, unknown))}")
        lists: dict[str, tuple[str, ...]] = {}
        for key in ("terms", "typos"):
            value = item.get(key, [])
            if not isinstance(value, list) or not all(
                isinstance(v, str | int) and str(v).strip() for v in value
            ):
                problems.append(f"{where}: {key} must be a list of non-empty words")
                value = []
            lists[key] = tuple(str(v).strip() for v in value)
        if not lists["terms"]:
            problems.append(f"{where}: needs at least one term")
        pattern = item.get("pattern")
        if pattern is not None:
            try:
                re.compile(str(pattern))
            except re.error as exc:
                problems.append(f"{where}: bad pattern: {exc}")
        generic = item.get("generic", False)
        if not isinstance(generic, bool):
            problems.append(f"{where}: generic must be true or false")
            generic = False
        source_value = item.get("source")
        if source_value is not None and (
            not isinstance(source_value, str) or source_value not in SOURCES
        ):
            problems.append(
                f"{where}: unknown source {source_value!r} (expected one of: {', '.join(SOURCES)})"
            )
            source_value = None
        entries.append(
            GlossaryEntry(
                lists["terms"],
                lists["typos"],
                None if pattern is None else str(pattern),
                generic,
                None if source_value is None else str(source_value),
            )
        )
    if problems:
        raise GlossaryError(problems)
    return Glossary(entries)


def load_glossary(path: Path | None = None) -> Glossary:
    """Read a glossary YAML file (the sample one by default)."""
    file = path or default_glossary_path()
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise GlossaryError([f"{file}: {exc}"]) from exc
    return parse_glossary(data, str(file))
