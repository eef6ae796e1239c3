"""The journal on SQLite and PostgreSQL: appends chain, verify finds tampering done with SQL,
concurrent writers never fork the chain, export round-trips."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from itertools import pairwise

from sqlalchemy import text

from audit import Journal
from audit.journal import Entry, check_entries, entry_hash, read_csv_export
from storage.engine import session_factory
from storage.journal_rows import GENESIS_HASH
from storage.uow import UnitOfWorkFactory
from tests.integration.audit.conftest import START, StepClock


async def append_five(journal: Journal) -> list[Entry]:
    return [
        await journal.append("M001", "note.saved", f"client:K00{i}", {"note": i, "text": "电话"})
        for i in range(1, 6)
    ]


async def execute(engine, sql: str, **params) -> None:
    async with engine.begin() as conn:
        await conn.execute(text(sql), params)


async def test_appends_chain_and_verify_counts_them(journal):
    entries = await append_five(journal)
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in pairwise(entries))
    assert entries[0].body == '{"note":1,"text":"电话"}'
    result = await journal.verify()
    assert (result.ok, result.count, result.head_hash) == (True, 5, entries[-1].hash)
    # Read in batches smaller than the journal: the same answer.
    assert (await journal.verify(batch_size=2)).count == 5


async def test_empty_journal_verifies_with_zero_entries(journal):
    result = await journal.verify()
    assert (result.ok, result.count) == (True, 0)


async def test_an_altered_row_is_named_by_its_seq(journal, engine):
    await append_five(journal)
    await execute(engine, "UPDATE journal SET body = :b WHERE seq = 3", b='{"note":3,"text":"改"}')
    result = await journal.verify()
    assert (result.ok, result.bad_seq, result.count) == (False, 3, 2)
    assert "altered" in result.reason


async def test_a_deleted_row_is_named_by_its_missing_seq(journal, engine):
    await append_five(journal)
    await execute(engine, "DELETE FROM journal WHERE seq = 3")
    result = await journal.verify()
    assert (result.ok, result.bad_seq) == (False, 3)
    assert "missing" in result.reason


async def test_a_deleted_last_row_is_found_through_the_head(journal, engine):
    await append_five(journal)
    await execute(engine, "DELETE FROM journal WHERE seq = 5")
    result = await journal.verify()
    assert (result.ok, result.bad_seq) == (False, 5)


async def test_an_inserted_row_is_named_even_with_a_correct_hash(journal, engine):
    entries = await append_five(journal)
    at = START + timedelta(hours=1)
    forged = entry_hash(entries[-1].hash, 6, at, "M001", "note.saved", "client:K001", "{}")
    await execute(
        engine,
        "INSERT INTO journal (seq, at, actor, kind, subject, body, prev_hash, hash) "
        "VALUES (6, :at, 'M001', 'note.saved', 'client:K001', '{}', :prev, :hash)",
        at=at if engine.dialect.name == "postgresql" else at.replace(tzinfo=None),
        prev=entries[-1].hash,
        hash=forged,
    )
    result = await journal.verify()
    assert (result.ok, result.bad_seq) == (False, 6)
    assert "not appended through the journal" in result.reason


async def test_an_inserted_row_with_a_made_up_hash_is_named(journal, engine):
    entries = await append_five(journal)
    await execute(
        engine,
        "INSERT INTO journal (seq, at, actor, kind, subject, body, prev_hash, hash) "
        "VALUES (6, :at, 'X', 'note.saved', 'client:K001', '{}', :prev, :hash)",
        at=entries[0].at
        if engine.dialect.name == "postgresql"
        else entries[0].at.replace(tzinfo=None),
        prev=entries[-1].hash,
        hash="f" * 64,
    )
    result = await journal.verify()
    assert (result.ok, result.bad_seq) == (False, 6)


async def test_an_append_joined_to_a_unit_of_work_rolls_back_with_it(journal, uow):
    async with uow() as work:
        await journal.append("M001", "note.saved", "client:K001", "x", session=work.session)
        # leaving without commit rolls back the entry and the head
    async with uow() as work:
        entry = await journal.append("M001", "note.saved", "client:K001", "y", session=work.session)
        await work.commit()
    assert (entry.seq, entry.prev_hash) == (1, GENESIS_HASH)
    assert (await journal.verify()).count == 1


async def test_twenty_concurrent_writers_never_fork_the_chain(test_database, engine):
    writers, each = 20, 5
    engines = [test_database.engine() for _ in range(writers)]
    try:

        async def write(n: int) -> None:
            uow = UnitOfWorkFactory(session_factory(engines[n]))
            journal = Journal(uow, clock=StepClock())
            for i in range(each):
                if (n + i) % 2:
                    await journal.append(f"W{n:02d}", "test", f"writer:{n}", str(i))
                else:  # joined to a unit of work that writes nothing else
                    async with uow() as work:
                        await journal.append(
                            f"W{n:02d}", "test", f"writer:{n}", str(i), session=work.session
                        )
                        await work.commit()

        await asyncio.gather(*(write(n) for n in range(writers)))
    finally:
        for other in engines:
            await other.dispose()
    journal = Journal(UnitOfWorkFactory(session_factory(engine)))
    result = await journal.verify()
    assert (result.ok, result.count) == (True, writers * each)
    async with engine.connect() as conn:
        rows, links, last = (
            await conn.execute(
                text("SELECT count(*), count(DISTINCT prev_hash), max(seq) FROM journal")
            )
        ).one()
    assert (rows, links, last) == (writers * each, writers * each, writers * each)


async def test_export_round_trips_as_json_lines_and_csv(journal):
    bodies = ["=1+2", "'quoted", "-5", "@here", "多行\n第二行, 带逗号", "plain"]
    entries = [await journal.append("M001", "message.in", "chat:1", body) for body in bodies]
    since, until = START - timedelta(days=1), START + timedelta(days=1)

    jsonl = "".join([line async for line in journal.export(since, until, "jsonl")])
    back = [Entry.from_json(json.loads(line)) for line in jsonl.splitlines()]
    assert back == entries
    assert check_entries(back).count == len(entries)

    csv_text = "".join([line async for line in journal.export(since, until, "csv")])
    assert "'=1+2" in csv_text and "'@here" in csv_text and "'-5" in csv_text
    assert read_csv_export(csv_text) == entries


async def test_export_keeps_the_range_and_the_range_checks_on_its_own(journal):
    entries = await append_five(journal)  # one second apart
    part = [e async for e in journal.entries(entries[1].at, entries[3].at)]
    assert [e.seq for e in part] == [2, 3]
    check = check_entries(part, first_seq=2, prev_hash=None)
    assert (check.bad_seq, check.count) == (None, 2)


async def test_concurrent_appends_of_one_process_are_written_together_in_order(journal):
    entries = await asyncio.gather(
        *(journal.append(f"M{n:03d}", "message.in", f"chat:{n}:1", str(n)) for n in range(50))
    )
    assert sorted(e.seq for e in entries) == list(range(1, 51))
    by_seq = sorted(entries, key=lambda e: e.seq)
    assert all(b.prev_hash == a.hash for a, b in pairwise(by_seq))
    result = await journal.verify()
    assert (result.ok, result.count) == (True, 50)


async def test_recorded_entries_are_written_by_the_next_flush_in_order(journal):
    for n in range(3):
        journal.record("bot", "message.out", f"chat:1:{n}", {"text": str(n)})
    await journal.append("M001", "message.in", "chat:1:9", "after")  # writes the queue too
    await journal.flush()
    found = [e async for e in journal.entries(START - timedelta(days=1))]
    assert [e.subject for e in found] == ["chat:1:0", "chat:1:1", "chat:1:2", "chat:1:9"]
    assert (await journal.verify()).count == 4


async def test_a_burst_of_recorded_entries_waits_for_one_write(uow):
    journal = Journal(uow, clock=StepClock(), record_delay=3600)
    for n in range(3):
        journal.record("bot", "message.out", f"chat:1:{n}", {"text": str(n)})
    # Nothing is written while the burst may still grow…
    assert (await journal.verify()).count == 0
    # …and a flush (as at shutdown) writes all of it, in order, at once.
    await journal.flush()
    found = [e async for e in journal.entries(START - timedelta(days=1))]
    assert [e.subject for e in found] == ["chat:1:0", "chat:1:1", "chat:1:2"]


async def test_an_entry_recorded_during_a_write_is_written_after_it(uow):
    journal = Journal(uow, clock=StepClock(), record_delay=0)
    journal.record("bot", "message.out", "chat:1:1", "first")
    writing = journal._flusher
    await asyncio.sleep(0)  # the writer starts and takes the queue
    journal.record("bot", "message.out", "chat:1:2", "second")
    assert writing is not None
    await writing
    assert journal._flusher is not writing  # a new writer was started for the second entry
    await journal._flusher
    result = await journal.verify()
    assert (result.ok, result.count) == (True, 2)
