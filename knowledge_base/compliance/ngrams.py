"""A draft's wording as hashed character n-grams, the trained signal's second view.

The sentence vectors of the embedding model carry what a draft means; they blur how it is said
(「稳稳的」, 「包」, 「兜底」, "no way you lose"). Character 1–3-grams of the draft read normalised
(normalize.plain: simplified, half-width, spaced-out phrases closed up; lower case), within each
whitespace-separated word padded with a space, counted and scaled to unit length, hashed into
BUCKETS buckets (crc32: stable across processes and Python versions). Leave-one-set-out over six
independently written draft sets, adding them to the model's features lifted recall at
precision 0.95 from 0.73 to 0.90 (docs/benchmarks.md).
"""

from __future__ import annotations

import math
import zlib
from collections import Counter

from knowledge_base.compliance.normalize import plain

BUCKETS = 1 << 16
LONGEST = 3


def ngram_counts(text: str) -> Counter[int]:
    """Bucket → count of the draft's character n-grams."""
    counts: Counter[int] = Counter()
    for word in plain(text).lower().split():
        padded = f" {word} "
        for n in range(1, LONGEST + 1):
            for i in range(len(padded) - n + 1):
                gram = padded[i : i + n]
                if gram != " ":
                    counts[zlib.crc32(gram.encode("utf-8")) % BUCKETS] += 1
    return counts


def ngram_vector(text: str) -> dict[int, float]:
    """The counts scaled to unit length (sparse: bucket → value)."""
    counts = ngram_counts(text)
    norm = math.sqrt(sum(c * c for c in counts.values())) or 1.0
    return {bucket: c / norm for bucket, c in counts.items()}
