"""Compliance lexicon (banned phrases as curated data) and the checker for draft messages."""

from knowledge_base.compliance.checker import (
    CheckResult,
    ComplianceChecker,
    Violation,
    to_utf16_offset,
)
from knowledge_base.compliance.lexicon import (
    Category,
    Lexicon,
    LexiconEntry,
    LexiconError,
    MatchType,
    default_lexicon_path,
    load_lexicon,
    parse_lexicon,
)

__all__ = [
    "Category",
    "CheckResult",
    "ComplianceChecker",
    "Lexicon",
    "LexiconEntry",
    "LexiconError",
    "MatchType",
    "Violation",
    "default_lexicon_path",
    "load_lexicon",
    "parse_lexicon",
    "to_utf16_offset",
]
