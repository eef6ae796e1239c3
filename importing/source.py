"""Streamed CSV reading: encoding detection, physical line numbers and byte progress.

The file is read line by line in binary and decoded per line (UTF-16/32: in chunks), so memory
stays flat however big the file is, a bad byte is reported with its line, and line numbers match
what an editor shows even when quoted fields span several lines. A file whose header is one cell
with tabs in it (Excel's "Unicode Text") is read tab-separated.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from importing.report import ImportFileError
from storage.text_files import binary_kind, byte_order_mark

MAX_LINE_BYTES = 1 << 20

UTF8 = "utf-8"
UTF8_BOM = "utf-8-sig"
GB18030 = "gb18030"
# Read through an incremental decoder (a line break is more than one byte).
WIDE = frozenset({"utf-16", "utf-32"})
CHUNK_BYTES = 1 << 16

_END = "\x00"
_END_LINE = _END + '"\n'
_END_CELL = _END + '"'

SAVE_AS_UTF8 = (
    "open it in Excel or a text editor and save it as CSV UTF-8 (Excel: File › Save As ›"
    " CSV UTF-8 (Comma delimited)), then import that file"
)
_ACCEPTED = "ambot reads UTF-8 (with or without BOM), UTF-16/32 with BOM and GB18030/GBK"


def detect_encoding(handle: BinaryIO) -> tuple[str, int]:
    """Return (encoding, bytes to skip before decoding) for an open binary file at offset 0.

    A byte-order mark decides (UTF-8, UTF-16, UTF-32, GB18030). Without one, UTF-8 is tried first
    on the first line that is not plain ASCII; GB18030 (a superset of GBK) if that line is not
    UTF-8. Workbooks, UTF-16 without a mark and other binary files are refused, named. Later
    lines are checked while reading.
    """
    head = handle.read(4096)
    if not head:
        raise ImportFileError("the file is empty (0 bytes): nothing to import; export it again")
    marked = byte_order_mark(head)
    if marked is not None:
        codec, length = marked
        return codec, 0 if codec in WIDE else length
    kind = binary_kind(head)
    if kind is not None:
        raise ImportFileError(f"not a CSV text file: it looks like {kind}; {SAVE_AS_UTF8}")
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
            raise ImportFileError(
                f"unknown encoding: line {number} is neither UTF-8 nor GBK/GB18030 ({_ACCEPTED});"
                f" {SAVE_AS_UTF8}"
            ) from None
        return GB18030, 0
    return UTF8, 0


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
            self._skip = skip
            self._start(",")
            self.header_line, self.header = self._first_record()
            if len(self.header) == 1 and "\t" in self.header[0]:
                # Excel's "Unicode Text" (UTF-16, tab-separated): read it with tabs.
                self._handle.seek(skip)
                self._start("\t")
                self.header_line, self.header = self._first_record()
        except OSError as exc:
            self.close()
            raise ImportFileError(f"cannot read {path}: {exc.strerror or exc}") from None
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        self._handle.close()

    def _start(self, delimiter: str) -> None:
        self.bytes_done = self._skip
        self.lines_read = 0
        self.delimiter = delimiter
        self._reader = csv.reader(self._decoded_lines(), delimiter=delimiter, strict=False)

    def _decoded_lines(self) -> Iterator[str]:
        codec = self._codec
        yield from self._decoded_file_lines(codec)
        # After the last line, a line no file can hold (files with NUL bytes are refused): if
        # a quote is still open the reader closes it with this line's '"', and the field ends
        # with _END; otherwise it is a record of its own, which _next_record drops.
        yield _END_LINE

    def _decoded_file_lines(self, codec: str) -> Iterator[str]:
        if codec in WIDE:
            yield from self._wide_lines(codec)
            return
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

    def _wide_lines(self, codec: str) -> Iterator[str]:
        """Lines of a UTF-16/32 file (the codec reads the byte-order mark), decoded in chunks."""
        decoder = codecs.getincrementaldecoder(codec)()
        pending = ""
        while True:
            chunk = self._handle.read(CHUNK_BYTES)
            self.bytes_done += len(chunk)
            try:
                pending += decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError:
                raise ImportFileError(
                    f"invalid {codec.upper()} bytes after line {self.lines_read}: the file is"
                    f" corrupt or cut short; {SAVE_AS_UTF8}"
                ) from None
            *lines, pending = pending.split("\n")
            if len(pending) > MAX_LINE_BYTES:
                raise ImportFileError("a line is longer than 1 MB: not a CSV file?")
            for line in lines:
                yield self._checked(line + "\n")
            if not chunk:
                break
        if pending:
            yield self._checked(pending)

    def _checked(self, line: str) -> str:
        self.lines_read += 1
        if "\x00" in line:
            raise ImportFileError(f"binary data (NUL character) on line {self.lines_read}")
        return line

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
