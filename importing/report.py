"""Plain results of an import: the per-file report, row errors and file-level refusals."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from crm.errors import DomainError

MAX_STORED_ERRORS = 1000


class ImportFileError(DomainError):
    """The file as a whole cannot be imported (unreadable, wrong encoding, bad header, …)."""

    code = "import_file"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class RowError:
    """One bad row: 1-based physical line (header = 1), the column if known, a short reason."""

    line: int
    column: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did. Counts are zero when the file had errors (nothing was changed).

    `errors` holds at most MAX_STORED_ERRORS entries (lowest lines first); `error_count`
    counts them all, and `bad_rows` the rows they are on (a row can have several).
    """

    kind: str
    file: Path
    encoding: str
    rows_read: int
    inserted: int
    updated: int
    unchanged: int
    errors: tuple[RowError, ...]
    error_count: int
    dry_run: bool
    committed: bool
    bad_rows: int = 0

    @property
    def ok(self) -> bool:
        return self.error_count == 0


class LineSet:
    """The distinct line numbers seen, one bit per line: flat memory however many are bad."""

    def __init__(self) -> None:
        self._bits = bytearray()
        self.count = 0

    def add(self, line: int) -> None:
        byte, bit = divmod(line, 8)
        if byte >= len(self._bits):
            self._bits.extend(bytes(max(byte + 1 - len(self._bits), len(self._bits))))
        if not self._bits[byte] & (1 << bit):
            self._bits[byte] |= 1 << bit
            self.count += 1


class ErrorCollector:
    """Keeps the first `cap` errors by line, counts every one and the distinct bad rows."""

    def __init__(self, cap: int = MAX_STORED_ERRORS) -> None:
        self.cap = cap
        self.count = 0
        self.bad_lines = LineSet()
        self._errors: list[RowError] = []

    @property
    def bad_rows(self) -> int:
        return self.bad_lines.count

    def add(self, line: int, column: str | None, reason: str) -> None:
        self.count += 1
        self.bad_lines.add(line)
        if len(self._errors) < self.cap:
            self._errors.append(RowError(line, column, reason))

    def extend(self, errors: list[RowError], total: int) -> None:
        """Add up to `cap` errors (lowest lines first) of a check that found `total`; when
        total > len(errors) the caller marks the remaining lines in `bad_lines` itself."""
        self.count += total
        for error in errors:
            self.bad_lines.add(error.line)
        self._errors.extend(errors[: self.cap])

    def result(self) -> tuple[RowError, ...]:
        ordered = sorted(self._errors, key=lambda e: e.line)
        return tuple(ordered[: self.cap])
