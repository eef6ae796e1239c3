"""Masking of client phone and ID numbers for anything that leaves the system of record.

Detection runs on a normalised view of the text (NFKC, every script's digits as ASCII,
invisible characters between digits dropped, visible separators allowed between digits) and
the replacement is made on the original text, so surrounding text is untouched however the
number was typed: full-width, mixed width, `138.1234.5678`, split by zero-width spaces.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable

# Stage 1, the number written as one block (today's rules, also for ASCII input): mainland
# mobiles (optionally +86, 3-4-4 groups split by a space or dash), 18-char PRC IDs (last
# char may be X) and old 15-digit IDs.
_ID_18 = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])", re.ASCII)
_ID_15 = re.compile(r"(?<![0-9A-Za-z])[0-9]{15}(?![0-9A-Za-z])", re.ASCII)
_MOBILE = re.compile(
    r"(?<![0-9])(?:\+?86[ -]?)?1[3-9][0-9][ -]?[0-9]{4}[ -]?[0-9]{4}(?![0-9])", re.ASCII
)

# Stage 2, what is left: separators anywhere between the digits. Every candidate at every
# start is found (overlapping) and their union masked, so no reading of a run of digit groups
# can leave a number whole. IDs must carry a plausible birth date here, which keeps dates
# and amounts next to each other from being read as one.
_SEP = "[ .\\-\u200b]*"
_GAP = "\u200b"  # stands for an invisible character that does not follow a digit
_DIGIT_RUN = re.compile(rf"[0-9](?:{_SEP}[0-9]){{5}}", re.ASCII)
_LOOSE_RUN = re.compile(rf"[0-9](?:{_SEP}[0-9]){{10}}", re.ASCII)
_LOOSE_ID_18 = re.compile(
    rf"(?=((?<![0-9A-Za-z])[0-9](?:{_SEP}[0-9]){{16}}{_SEP}[0-9Xx](?![0-9A-Za-z])))", re.ASCII
)
_LOOSE_ID_15 = re.compile(
    rf"(?=((?<![0-9A-Za-z])[0-9](?:{_SEP}[0-9]){{14}}(?![0-9A-Za-z])))", re.ASCII
)
_LOOSE_MOBILE = re.compile(
    rf"(?=((?<![0-9])(?:\+{_SEP})?(?:8{_SEP}6{_SEP})?1{_SEP}[3-9](?:{_SEP}[0-9]){{9}}(?![0-9])))",
    re.ASCII,
)

_VISIBLE_SEPARATORS = {".": ".", "·": ".", "・": ".", "\t": " "}
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Mn", "Me"})
_ASCII_SPECIAL = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f]")
_INVISIBLE = "\x00"  # _fold's mark for a zero-width, format, control or combining character
_HIDDEN = "#"  # a masked position in the normalised view: no longer a digit
_Mask = Callable[[str | None], str]


def mask_phone(phone: str | None) -> str:
    """138****5678 style: keep the first 3 and last 4 digits."""
    if not phone:
        return ""
    digits = re.sub(r"\D", "", phone)
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def mask_id_number(id_number: str | None) -> str:
    """Keep the first 3 and last 2 characters of an ID number."""
    if not id_number:
        return ""
    value = id_number.strip()
    if len(value) <= 5:
        return "*" * len(value)
    return f"{value[:3]}{'*' * (len(value) - 5)}{value[-2:]}"


def mask_text(text: str) -> str:
    """Mask every phone or ID number that appears anywhere in free text (logs, notes).

    A number is replaced, with whatever separators or invisible characters it was typed
    with, by its masked ASCII form (`138****5678`, `110*************3X`)."""
    if not text:
        return text
    view, origin = _normalise(text)
    if not _DIGIT_RUN.search(view):
        return text  # fewer than 6 digits in a row: nothing to mask
    spans: list[tuple[int, int, str]] = []  # [start, end) in the view, replacement
    for pattern, mask in (
        (_ID_18, mask_id_number),
        (_ID_15, mask_id_number),
        (_MOBILE, mask_phone),
    ):
        found = [(m.start(), m.end(), mask(_number(m.group()))) for m in pattern.finditer(view)]
        for start, end, _ in found:
            view = view[:start] + _HIDDEN * (end - start) + view[end:]
        spans.extend(found)
    spans.extend(_loose_spans(view))
    if not spans:
        return text
    return _replace(text, origin, spans)


def _normalise(text: str) -> tuple[str, list[int] | None]:
    """The view numbers are detected on, and for each of its characters the index of the
    original character it came from (None: the view is the text itself)."""
    if text.isascii() and not _ASCII_SPECIAL.search(text):
        return text, None
    chars: list[str] = []
    origin: list[int] = []
    for index, original in enumerate(text):
        for ch in _fold(original):
            if ch == _INVISIBLE:
                if chars and chars[-1].isdigit():
                    continue  # zero-width space, joiner, combining mark… inside a number
                ch = _GAP
            chars.append(ch)
            origin.append(index)
    return "".join(chars), origin


@functools.lru_cache(maxsize=4096)
def _fold(original: str) -> str:
    """One character as the view sees it: NFKC, any script's digits as ASCII digits, visible
    separators as ' ', '.' or '-', invisible characters as _INVISIBLE."""
    if original in "\n\r":
        return original
    folded = original if original.isascii() else unicodedata.normalize("NFKC", original)
    out: list[str] = []
    for ch in folded:
        if ch in _VISIBLE_SEPARATORS:
            ch = _VISIBLE_SEPARATORS[ch]
        elif not ch.isascii() and (digit := unicodedata.decimal(ch, None)) is not None:
            ch = str(digit)  # Arabic-Indic, Devanagari… digits that NFKC leaves alone
        elif unicodedata.category(ch) in _INVISIBLE_CATEGORIES:
            ch = _INVISIBLE
        elif not ch.isascii():
            category = unicodedata.category(ch)
            if category == "Zs":
                ch = " "
            elif category == "Pd":
                ch = "-"
        out.append(ch)
    return "".join(out)


def _number(matched: str) -> str:
    """The digits (and a final X) of a matched number, without '+' or separators."""
    return "".join(ch for ch in matched if ch.isalnum())


def _birth_date_plausible(digits: str) -> bool:
    """Whether the date inside an ID number (YYYYMMDD, or YYMMDD for 15 digits) could be one."""
    year, rest = (
        (digits[6:10], digits[10:14]) if len(digits) == 18 else ("19" + digits[6:8], digits[8:12])
    )
    month, day = int(rest[:2]), int(rest[2:])
    return year[:2] in ("18", "19", "20") and 1 <= month <= 12 and 1 <= day <= 31


def _loose_spans(view: str) -> list[tuple[int, int, str]]:
    """Union of every separator-split candidate; one mask per connected stretch."""
    if not _LOOSE_RUN.search(view):
        return []  # the common case, and the overlapping search below is not cheap
    found: list[tuple[int, int, _Mask]] = []
    for pattern, masker, is_id in (
        (_LOOSE_ID_18, mask_id_number, True),
        (_LOOSE_ID_15, mask_id_number, True),
        (_LOOSE_MOBILE, mask_phone, False),
    ):
        for match in pattern.finditer(view):
            start, end = match.span(1)
            if is_id and not _birth_date_plausible(_number(match.group(1))):
                continue
            found.append((start, end, masker))
    if not found:
        return []
    found.sort(key=lambda f: (f[0], -f[1]))
    spans: list[tuple[int, int, str]] = []
    start, end, mask = found[0]
    alone = True
    for s, e, m in found[1:]:
        if s < end:
            if e > end:
                end, alone = e, False
            continue
        spans.append((start, end, _mask_stretch(view[start:end], mask if alone else None)))
        start, end, mask, alone = s, e, m, True
    spans.append((start, end, _mask_stretch(view[start:end], mask if alone else None)))
    return spans


def _mask_stretch(matched: str, mask: _Mask | None) -> str:
    number = _number(matched)
    return mask(number) if mask is not None else mask_id_number(number)


def _replace(text: str, origin: list[int] | None, spans: list[tuple[int, int, str]]) -> str:
    """Replace view spans by their masks in the original text; everything else is kept."""
    mapped: list[tuple[int, int, str]] = []
    for start, end, replacement in sorted(spans):
        if origin is not None:
            start, end = origin[start], origin[end - 1] + 1
        if mapped and start < mapped[-1][1]:  # one original character folded into two numbers
            prev_start, prev_end, prev = mapped.pop()
            start, end, replacement = prev_start, max(end, prev_end), prev + replacement
        mapped.append((start, end, replacement))
    parts: list[str] = []
    position = 0
    for start, end, replacement in mapped:
        parts.append(text[position:start])
        parts.append(replacement)
        position = end
    parts.append(text[position:])
    return "".join(parts)
