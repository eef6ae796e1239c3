"""CSV imports of the bank's data (DESIGN.md §3): streamed, validated, atomic per file."""

from crm.importing.kinds import KINDS
from crm.importing.report import ImportFileError, ImportReport, RowError
from crm.importing.service import ImportService

__all__ = ["KINDS", "ImportFileError", "ImportReport", "ImportService", "RowError"]
