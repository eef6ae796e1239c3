"""What the first bytes of a file say it is: text with a byte-order mark, or a look-alike of
text (an Excel workbook renamed, UTF-16 without a mark, binary data) named in words, so that a
refused file is refused with what it is and what to do (CSV imports and knowledge-base files).
"""

from __future__ import annotations

# Longest first: the UTF-32 LE mark starts with the UTF-16 LE one.
BYTE_ORDER_MARKS: tuple[tuple[bytes, str], ...] = (
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x84\x31\x95\x33", "gb18030"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)

_FORMATS: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "an Excel workbook (.xlsx) or another zip archive, not text"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Excel 97–2003 workbook (.xls), not text"),
    (b"%PDF-", "a PDF document, not text"),
    (b"\x89PNG", "a PNG image, not text"),
    (b"\xff\xd8\xff", "a JPEG image, not text"),
)


def byte_order_mark(head: bytes) -> tuple[str, int] | None:
    """(Python codec, length of the mark) when head starts with a byte-order mark.

    The UTF-16/32 codecs read the mark themselves (it says which byte order follows)."""
    for mark, codec in BYTE_ORDER_MARKS:
        if head.startswith(mark):
            return codec, len(mark)
    return None


def binary_kind(head: bytes) -> str | None:
    """What a file that is not text is, in words ("an Excel workbook (.xlsx) …"), or None when
    head looks like text. Checked after the byte-order marks."""
    for magic, kind in _FORMATS:
        if head.startswith(magic):
            return kind
    if b"\x00" not in head:
        return None
    sample = head[:512]
    odd_nuls = sample[1::2].count(0)
    even_nuls = sample[0::2].count(0)
    if max(odd_nuls, even_nuls) > len(sample) // 4 and min(odd_nuls, even_nuls) < len(sample) // 16:
        return "UTF-16 text without a byte-order mark"
    return "binary data, not text"


def legacy_chinese(line: bytes) -> bool:
    """Is this non-UTF-8 line valid GBK/GB18030 with Chinese in it (a file saved as 'ANSI' on a
    Chinese Windows)?"""
    try:
        text = line.decode("gb18030")
    except UnicodeDecodeError:
        return False
    return any("\u4e00" <= ch <= "\u9fff" or "\u3000" <= ch <= "\u303f" for ch in text)


def utf8_text_problem(data: bytes) -> str | None:
    """Why `data` is not readable as UTF-8 text (a byte-order mark allowed), in words with what
    to do; None when it is."""
    if not data:
        return "the file is empty (0 bytes)"
    marked = byte_order_mark(data[:4])
    if marked is not None and marked[0] != "utf-8-sig":
        name = "GB18030" if marked[0] == "gb18030" else marked[0].upper()
        return f"the file is {name} text, not UTF-8: save it as UTF-8 and try again"
    kind = binary_kind(data[:4096])
    if kind is not None:
        return f"not a text file: it looks like {kind}; save it as UTF-8 text and try again"
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        bad = data[data.rfind(b"\n", 0, exc.start) + 1 :].split(b"\n", 1)[0]
        looks = " (it looks like GBK/GB18030)" if legacy_chinese(bad) else ""
        return (
            f"the file is not UTF-8{looks}: invalid bytes on line {line}; save it as UTF-8"
            " and try again"
        )
    return None
