"""The draft's hashed character n-grams: read normalised, stable across processes."""

from __future__ import annotations

import math
import os
import subprocess
import sys

from knowledge_base.compliance.ngrams import BUCKETS, ngram_counts, ngram_vector


def test_disguised_spellings_read_as_the_plain_wording() -> None:
    plain = ngram_vector("这只基金稳稳的 Guaranteed")
    for disguised in ("這只基金穩穩的 guaranteed", "这只基金稳稳的　ＧＵＡＲＡＮＴＥＥＤ"):
        assert ngram_vector(disguised) == plain


def test_the_vector_has_unit_length_and_counts_repeats() -> None:
    vector = ngram_vector("稳稳的稳稳的")
    assert math.isclose(sum(v * v for v in vector.values()), 1.0)
    counts = ngram_counts("稳稳")
    # in " 稳稳 ": 稳 twice; " 稳", 稳稳, "稳 "; " 稳稳", "稳稳 " (a lone space is no n-gram)
    assert sum(counts.values()) == 7
    assert all(0 <= b < BUCKETS for b in counts)
    assert ngram_vector("") == {} and ngram_vector("   ") == {}


def test_buckets_do_not_depend_on_the_process() -> None:
    """The shipped weights are indexed by bucket: another process (another hash seed) must
    put every n-gram in the same bucket."""
    code = (
        "from knowledge_base.compliance.ngrams import ngram_vector;"
        "print(sorted(ngram_vector('亏了我补给你 we cover losses').items()))"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1
    assert outputs == {str(sorted(ngram_vector("亏了我补给你 we cover losses").items())) + "\n"}
