"""Cleaning of free text typed by users before it is searched or stored."""

from __future__ import annotations

import unicodedata


def clean_text(text: str) -> str:
    """Drop invisible format characters (zero-width, bidi overrides) and control characters,
    keep line breaks, and strip surrounding white space."""
    kept = [
        ch
        for ch in text
        if ch in "\n\t" or unicodedata.category(ch) not in ("Cf", "Cc", "Cs", "Co")
    ]
    return "".join(kept).strip()
