"""Split Markdown into search chunks that follow headings and never cut a sentence in two.

Generic: it knows Markdown headings, paragraphs, list lines and Chinese/English sentence
ends, nothing about any particular kind of document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_MAX_CHARS = 400
SECTION_SEPARATOR = " > "

_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
# A sentence ends after 。！？；!?; or …, or after a "." that is followed by whitespace and not
# preceded by a digit (so not 2.5, GC001.SH or the "1." of a list), plus any closing quotes.
_SENTENCE_END = re.compile(r"(?:[。！？；!?;…]+|(?<![0-9])\.(?=\s|$))[」』”’）)\]】》\"']*")
# Softer places to cut a sentence that is longer than the limit.
_CLAUSE_END = re.compile(r"[，、：,:]")


@dataclass(frozen=True, slots=True)
class Chunk:
    """A piece of the source: `text` is exactly source[start:end]; `section` is the heading
    path joined with " > " ("" before the first heading)."""

    text: str
    section: str
    start: int
    end: int


def chunk_markdown(text: str, *, max_chars: int = DEFAULT_MAX_CHARS) -> list[Chunk]:
    """Chunks of at most `max_chars` characters, each within one section, cut only at sentence
    or line ends — except a single sentence longer than `max_chars`, which is cut at clause
    punctuation or, failing that, hard at the limit."""
    if max_chars < 1:
        raise ValueError("max_chars must be positive")
    chunks: list[Chunk] = []
    for section, start, end in _sections(text):
        units = [u for s, e in _units(text, start, end) for u in _split_long(text, s, e, max_chars)]
        chunks.extend(Chunk(text[s:e], section, s, e) for s, e in _pack(units, max_chars))
    return chunks


def _sections(text: str) -> list[tuple[str, int, int]]:
    """(heading path, start, end) of each stretch of body text between headings."""
    sections: list[tuple[str, int, int]] = []
    path: list[tuple[int, str]] = []
    body_start = 0
    in_fence = False
    offset = 0
    for line in text.splitlines(keepends=True):
        if _FENCE.match(line):
            in_fence = not in_fence
        heading = None if in_fence else _HEADING.match(line.rstrip("\r\n"))
        if heading:
            sections.append((_path(path), body_start, offset))
            level = len(heading.group(1))
            path = [(lv, title) for lv, title in path if lv < level]
            path.append((level, heading.group(2)))
            body_start = offset + len(line)
        offset += len(line)
    sections.append((_path(path), body_start, len(text)))
    return [(name, s, e) for name, s, e in sections if text[s:e].strip()]


def _path(path: list[tuple[int, str]]) -> str:
    return SECTION_SEPARATOR.join(title for _, title in path if title)


def _units(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentences and lines of text[start:end], trimmed of surrounding whitespace."""
    units: list[tuple[int, int]] = []
    line_start = start
    for line in text[start:end].splitlines(keepends=True):
        line_end = line_start + len(line)
        cut = line_start
        for match in _SENTENCE_END.finditer(text, line_start, line_end):
            units.append((cut, match.end()))
            cut = match.end()
        units.append((cut, line_end))
        line_start = line_end
    return [trimmed for s, e in units if (trimmed := _trim(text, s, e))]


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _split_long(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """One unit longer than max_chars, cut at the last clause mark within reach (or hard)."""
    pieces: list[tuple[int, int]] = []
    while end - start > max_chars:
        limit = start + max_chars
        marks = [m.end() for m in _CLAUSE_END.finditer(text, start + max_chars // 2, limit)]
        cut = marks[-1] if marks else limit
        pieces.append((start, cut))
        start = cut
    pieces.append((start, end))
    return [trimmed for s, e in pieces if (trimmed := _trim(text, s, e))]


def _pack(units: list[tuple[int, int]], max_chars: int) -> list[tuple[int, int]]:
    """Greedily merge consecutive units while the source span stays within max_chars."""
    spans: list[tuple[int, int]] = []
    for start, end in units:
        if spans and end - spans[-1][0] <= max_chars:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans
