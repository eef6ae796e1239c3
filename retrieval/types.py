"""Small shared types of the retrieval package."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

DocId = str | int
"""A document (chunk) id as the caller knows it; indexes map it to an int64 label."""

ScoredId = tuple[DocId, float]
"""One search hit of a single index: (id, score), best first in result lists."""


def check_unique(ids: Sequence[DocId]) -> None:
    """Raise ValueError when one batch names the same id twice (which text would win is unclear)."""
    dupes = [str(i) for i, n in Counter(ids).items() if n > 1]
    if dupes:
        raise ValueError(f"duplicate ids in one batch: {', '.join(sorted(dupes)[:5])}")
