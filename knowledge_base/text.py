"""The one cleaner of user text (storage/text.py), for adapters that may not import storage."""

from __future__ import annotations

from storage.text import clean_text

__all__ = ["clean_text"]
