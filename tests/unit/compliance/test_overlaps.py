"""Overlapping matches are resolved so the user sees each offending phrase once, whole."""

import pytest


@pytest.mark.parametrize(
    ("draft", "flagged"),
    [
        ("保证年化8%，稳赚不赔", ["保证年化8%", "稳赚不赔"]),
        ("稳赚不赔", ["稳赚不赔"]),
        ("年化8%稳赚", ["年化8%稳赚"]),
        ("这个产品保本，稳赚不赔", ["保本", "稳赚不赔"]),
    ],
)
def test_overlaps_keep_the_phrases_that_cover_most(checker, draft, flagged):
    result = checker.check(draft)
    assert [draft[v.start : v.end] for v in result.violations] == flagged
