"""The one cleaner of user text (storage/text.py), for adapters that may not import storage."""

from __future__ import annotations

from storage.text import clean_text, searchable

__all__ = ["clean_text", "searchable"]
