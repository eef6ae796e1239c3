"""Streamed CSV reading: encoding detection, physical line numbers and byte progress.

The file is read line by line in binary and decoded per line, so memory stays flat however big
the file is, a bad byte is reported with its line, and line numbers match what an editor shows
even when quoted fields span several lines.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from importing.report import ImportFileError

MAX_LINE_BYTES = 1 << 20

UTF8 = "utf-8"
UTF8_BOM = "utf-8-sig"
GB18030 = "gb18030"

_BOM_UTF8 = b"\xef\xbb\xbf"
_BOM_GB18030 = b"\x84\x31\x95\x33"
_BOMS_UTF16_32 = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")

_END = "\x00"
_END_LINE = _END + '"\n'
_END_CELL = _END + '"'

_REFUSED = "unsupported encoding: the file is neither UTF-8 nor GB18030"


def detect_encoding(handle: BinaryIO) -> tuple[str, int]:
    """Return (encoding, bytes of BOM to skip) for an open binary file at offset 0.

    UTF-8 is tried first on the first line that is not plain ASCII; GB18030 if that line is
    not UTF-8. UTF-16/32 and binary files are refused. Later lines are checked while reading.
    """
    head = handle.read(4096)
    if not head:
        raise ImportFileError("empty file")
    if head.startswith(_BOM_UTF8):
        return UTF8_BOM, len(_BOM_UTF8)
    if head.startswith(_BOM_GB18030):
        return GB18030, len(_BOM_GB18030)
    if head.startswith(_BOMS_UTF16_32):
        raise ImportFileError(f"{_REFUSED} (looks like UTF-16)")
    if b"\x00" in head:
        raise ImportFileError(f"{_REFUSED} ({_guess_nul_kind(head)})")
    handle.seek(0)
    for number, line in enumerate(_raw_lines(handle), start=1):
        if line.isascii():
            continue
        try:
            line.decode(UTF8)
        except UnicodeDecodeError:
            pass
        else:
            return UTF8, 0
        try:
            line.decode(GB18030)
        except UnicodeDecodeError:
            raise ImportFileError(f"{_REFUSED} (invalid bytes on line {number})") from None
        return GB18030, 0
    return UTF8, 0


def _guess_nul_kind(head: bytes) -> str:
    sample = head[:512]
    odd_nuls = sample[1::2].count(0)
    even_nuls = sample[0::2].count(0)
    if max(odd_nuls, even_nuls) > len(sample) // 4 and min(odd_nuls, even_nuls) < len(sample) // 16:
        return "looks like UTF-16"
    return "binary data, not text"


def _raw_lines(handle: BinaryIO) -> Iterator[bytes]:
    while True:
        line = handle.readline(MAX_LINE_BYTES)
        if not line:
            return
        if len(line) == MAX_LINE_BYTES and not line.endswith(b"\n"):
            raise ImportFileError("a line is longer than 1 MB: not a CSV file?")
        yield line


class CsvSource:
    """An open CSV file: `header` and then `records()` as (first physical line, cells)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._handle: BinaryIO = path.open("rb")
        except FileNotFoundError:
            raise ImportFileError(f"file not found: {path}") from None
        except IsADirectoryError:
            raise ImportFileError(f"not a file: {path}") from None
        except OSError as exc:
            raise ImportFileError(f"cannot read {path}: {exc.strerror or exc}") from None
        try:
            self.bytes_total = path.stat().st_size
            self.encoding, skip = detect_encoding(self._handle)
            self._handle.seek(skip)
            self.bytes_done = skip
            self._codec = UTF8 if self.encoding == UTF8_BOM else self.encoding
            self.lines_read = 0
            self._reader = csv.reader(self._decoded_lines(), strict=False)
            self.header_line, self.header = self._first_record()
        except OSError as exc:
            self.close()
            raise ImportFileError(f"cannot read {path}: {exc.strerror or exc}") from None
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        self._handle.close()

    def _decoded_lines(self) -> Iterator[str]:
        codec = self._codec
        yield from self._decoded_file_lines(codec)
        # After the last line, a line no file can hold (files with NUL bytes are refused): if
        # a quote is still open the reader closes it with this line's '"', and the field ends
        # with _END; otherwise it is a record of its own, which _next_record drops.
        yield _END_LINE

    def _decoded_file_lines(self, codec: str) -> Iterator[str]:
        for raw in _raw_lines(self._handle):
            self.lines_read += 1
            self.bytes_done += len(raw)
            if b"\x00" in raw:
                raise ImportFileError(f"binary data (NUL byte) on line {self.lines_read}")
            try:
                yield raw.decode(codec)
            except UnicodeDecodeError:
                raise ImportFileError(
                    f"invalid {codec.upper()} bytes on line {self.lines_read}: the file is"
                    " corrupt or its encoding changes part-way"
                ) from None

    def _next_record(self) -> tuple[int, list[str]] | None:
        start = self.lines_read + 1
        try:
            cells = next(self._reader)
        except StopIteration:
            return None
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise ImportFileError(
                    f"unterminated quote: the quoted field from line {start} is longer than"
                    f" {csv.field_size_limit()} characters (still open at line {self.lines_read})"
                ) from None
            raise ImportFileError(f"malformed CSV at line {start}: {exc}") from None
        if cells == [_END_CELL]:
            return None  # the end-of-file line itself: every quote was closed
        if cells and cells[-1].endswith(_END):
            raise ImportFileError(self._unterminated(start, cells))
        return start, cells

    def _unterminated(self, start: int, cells: list[str]) -> str:
        """Name the line where the quote that never closes was opened."""
        # Only the last field can be open at the end; each line break in the fields before it
        # (and in the part of the record before its quote) moves the opening line down.
        opened = start + sum(cell.count("\n") for cell in cells[:-1])
        return (
            f"unterminated quote: the quote opened on line {opened} is never closed (the file"
            f" ends at line {self.lines_read})"
        )

    def _first_record(self) -> tuple[int, list[str]]:
        while (record := self._next_record()) is not None:
            if any(cell.strip() for cell in record[1]):
                return record
        raise ImportFileError("empty file: no header row")

    def records(self) -> Iterator[tuple[int, list[str]]]:
        """Data records after the header; blank lines and all-empty rows are skipped."""
        while (record := self._next_record()) is not None:
            if any(cell.strip() for cell in record[1]):
                yield record
