"""Fuzzy matching of a lookup query against a book of client names and ids (pure, no I/O).

A query may be a name (typos allowed: 「张卫」 finds 张伟 by sound), a client id or its prefix,
full pinyin (「zhangwei」) or initials (「zw」). Scores are 0–100; an exact hit scores 100 and
hides weaker ones, so typing a full name or id opens that client directly.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from pypinyin import Style, lazy_pinyin, pinyin
from rapidfuzz import fuzz

MIN_SCORE = 72.0
EXACT = 100.0
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"^[a-z]+$")


@dataclass(frozen=True)
class Candidate:
    client_id: str
    name: str


@dataclass(frozen=True)
class ScoredMatch:
    client_id: str
    name: str
    score: float
    matched_on: str  # id | name | pinyin | initials


@dataclass(frozen=True)
class _Spellings:
    full: tuple[str, ...]  # "zhangwei" (and surname readings: 曾 → ceng/zeng)
    initials: tuple[str, ...]  # "zw"


def normalise_query(query: str) -> str:
    """NFKC (full-width → ASCII), lower case, no spaces, apostrophes or invisible characters."""
    folded = unicodedata.normalize("NFKC", query).lower()
    return "".join(
        ch
        for ch in folded
        if not ch.isspace() and ch not in "'’·.-_" and unicodedata.category(ch) not in ("Cf", "Cc")
    )


@lru_cache(maxsize=8192)
def spellings(name: str) -> _Spellings:
    """Pinyin spellings of a name (without tones); the surname may have several readings."""
    compact = "".join(ch for ch in name if not ch.isspace())
    if not compact or not _CJK.search(compact):
        latin = normalise_query(compact)
        return _Spellings((latin,), (latin[:1],) if latin else ())
    rest = lazy_pinyin(compact[1:], style=Style.NORMAL, errors="ignore")
    firsts = pinyin(compact[0], style=Style.NORMAL, heteronym=True, errors="ignore")
    readings = list(dict.fromkeys(firsts[0])) if firsts else [""]
    full = tuple(dict.fromkeys(first + "".join(rest) for first in readings[:3]))
    initials = tuple(
        dict.fromkeys(
            (first[:1] if first else "") + "".join(p[:1] for p in rest) for first in readings[:3]
        )
    )
    return _Spellings(full, initials)


def _pinyin_of(text: str) -> str:
    return "".join(lazy_pinyin(text, style=Style.NORMAL, errors="ignore"))


def score_candidate(query: str, candidate: Candidate) -> ScoredMatch | None:
    """How well a normalised query matches one client, or None below the threshold."""
    best: tuple[float, str] = (0.0, "name")

    def consider(score: float, how: str) -> None:
        nonlocal best
        if score > best[0]:
            best = (score, how)

    cid = candidate.client_id.lower()
    if query.isdigit() or query == cid:
        if query == cid:
            consider(EXACT, "id")
        elif len(query) >= 4 and cid.startswith(query):
            consider(95.0, "id")
        elif len(query) >= 4 and query in cid:
            consider(80.0, "id")
    name = normalise_query(candidate.name)
    if _CJK.search(query):
        if query == name:
            consider(EXACT, "name")
        elif len(query) >= 2 and query in name:
            consider(90.0, "name")
        elif name.startswith(query):  # a surname alone
            consider(80.0, "name")
        else:
            consider(fuzz.ratio(query, name), "name")
            # Same sound, different character (「张卫」 for 张伟): close, never exact.
            heard = _pinyin_of(query)
            if heard:
                sound = max(fuzz.ratio(heard, full) for full in spellings(candidate.name).full)
                consider(sound * 0.9, "pinyin")
    elif _LATIN.match(query):
        spelled = spellings(candidate.name)
        if query in spelled.full:
            consider(EXACT if query not in spelled.initials else 98.0, "pinyin")
        elif query in spelled.initials and len(query) >= 2:
            consider(96.0, "initials")
        else:
            for full in spelled.full:
                if len(query) >= 3 and full.startswith(query):
                    consider(85.0, "pinyin")
                if len(query) >= 4:
                    consider(fuzz.ratio(query, full) * 0.95, "pinyin")
            if len(query) >= 2 and any(i.startswith(query) for i in spelled.initials):
                consider(75.0, "initials")
        if query == name:
            consider(EXACT, "name")
    score, how = best
    if score < MIN_SCORE:
        return None
    return ScoredMatch(candidate.client_id, candidate.name, round(score, 1), how)


def rank_candidates(
    query: str, candidates: Iterable[Candidate], limit: int = 8
) -> list[ScoredMatch]:
    """Matches best first; when some are exact, only those (so a full name opens the card)."""
    normalised = normalise_query(query)
    if not normalised:
        return []
    scored = [m for c in candidates if (m := score_candidate(normalised, c)) is not None]
    exact = [m for m in scored if m.score >= EXACT]
    chosen: Sequence[ScoredMatch] = exact or scored
    return sorted(chosen, key=lambda m: (-m.score, m.name, m.client_id))[:limit]
