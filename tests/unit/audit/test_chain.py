"""The journal's hash, canonical form and formula guard, without a database."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest

from audit.journal import (
    Entry,
    canonical_json,
    check_entries,
    entry_hash,
    guard_formula,
    timestamp,
    unguard,
)
from storage.journal_rows import GENESIS_HASH

AT = datetime(2026, 12, 7, 9, 30, tzinfo=timezone(timedelta(hours=8)))


def test_hash_is_sha256_of_prev_hash_and_the_canonical_fields():
    expected_json = (
        '{"actor":"M001","at":"2026-12-07T01:30:00.000000+00:00","body":"电话 ok",'
        '"kind":"note.saved","seq":1,"subject":"client:K001"}'
    )
    expected = hashlib.sha256((GENESIS_HASH + expected_json).encode("utf-8")).hexdigest()
    assert (
        entry_hash(GENESIS_HASH, 1, AT, "M001", "note.saved", "client:K001", "电话 ok") == expected
    )


def test_timestamps_are_utc_with_microseconds_and_naive_ones_refused():
    assert timestamp(AT) == "2026-12-07T01:30:00.000000+00:00"
    with pytest.raises(ValueError):
        timestamp(datetime(2026, 12, 7))
    assert canonical_json({"b": 1, "a": "é"}) == '{"a":"é","b":1}'


def chain(n: int) -> list[Entry]:
    entries, prev = [], GENESIS_HASH
    for seq in range(1, n + 1):
        at = datetime(2026, 12, 1, tzinfo=UTC) + timedelta(seconds=seq)
        digest = entry_hash(prev, seq, at, "M001", "k", "s", f"body {seq}")
        entries.append(Entry(seq, at, "M001", "k", "s", f"body {seq}", prev, digest))
        prev = digest
    return entries


def test_the_check_names_the_first_bad_seq():
    entries = chain(4)
    assert check_entries(entries).count == 4
    altered = [*entries[:2], Entry(**{**entries[2].__dict__, "body": "x"}), entries[3]]
    assert check_entries(altered).bad_seq == 3
    assert check_entries([entries[0], entries[2], entries[3]]).bad_seq == 2
    relinked = [entries[0], Entry(**{**entries[1].__dict__, "prev_hash": "1" * 64})]
    assert check_entries(relinked).bad_seq == 2


@pytest.mark.parametrize("cell", ["=SUM(A1)", "+1", "-1", "@x", "'=x", "'plain", "\tx"])
def test_formula_cells_are_guarded_and_read_back_exactly(cell):
    guarded = guard_formula(cell)
    assert guarded.startswith("'")
    assert unguard(guarded) == cell


def test_plain_cells_are_left_alone():
    assert guard_formula("电话 ok") == "电话 ok"
    assert guard_formula("") == ""
