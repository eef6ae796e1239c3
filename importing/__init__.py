"""CSV imports of the bank's data (DESIGN.md §3): streamed, validated, atomic per file."""

from importing.kinds import KINDS
from importing.report import ImportFileError, ImportReport, RowError
from importing.service import ImportService

__all__ = ["KINDS", "ImportFileError", "ImportReport", "ImportService", "RowError"]
