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
    counts them all.
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

    @property
    def ok(self) -> bool:
        return self.error_count == 0


class ErrorCollector:
    """Keeps the first `cap` errors by line and counts every one."""

    def __init__(self, cap: int = MAX_STORED_ERRORS) -> None:
        self.cap = cap
        self.count = 0
        self._errors: list[RowError] = []

    def add(self, line: int, column: str | None, reason: str) -> None:
        self.count += 1
        if len(self._errors) < self.cap:
            self._errors.append(RowError(line, column, reason))

    def extend(self, errors: list[RowError], total: int) -> None:
        """Add up to `cap` errors (lowest lines first) of a check that found `total`."""
        self.count += total
        self._errors.extend(errors[: self.cap])

    def result(self) -> tuple[RowError, ...]:
        ordered = sorted(self._errors, key=lambda e: e.line)
        return tuple(ordered[: self.cap])
