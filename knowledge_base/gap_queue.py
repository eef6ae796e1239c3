"""Queue a content gap once per person and question, whichever process queues it (issue 12 §8).

The database holds one *open* gap per (asked_by, question_key) — a partial unique index
(migration 0017) — so two processes queuing the same question at the same moment get one row:
the insert goes first and the loser of the race reads the winner's gap. An in-process lock could
not see the other process. The key is the question compared loosely: invisible characters
dropped, NFKC (full-width letters, digits and punctuation, the ideographic space), case folded,
runs of spaces made one, closing punctuation ignored; then hashed, so any length fits the index.
Gaps without an asker (tools) are not de-duplicated. A new gap is journaled (`kb.gap_submitted`,
actor the asker) in the transaction that inserts it; a repeat changes nothing and is not.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from audit import Journal
from storage.kb_rows import ContentGapRow
from storage.text import clean_text
from storage.uow import UnitOfWorkFactory

QUESTION_CHARS = 2000  # stored; the key is taken from the same text


@dataclass(frozen=True)
class GapReceipt:
    gap_id: int
    new: bool  # False: the same question from the same person was already waiting


def normalised_question(question: str) -> str:
    """「科创板　开户门槛是多少？？」 → "科创板 开户门槛是多少"."""
    text = unicodedata.normalize("NFKC", clean_text(question)).casefold()
    text = " ".join(text.split())
    while text and unicodedata.category(text[-1]).startswith("P"):
        text = text[:-1].rstrip()
    return text


def gap_key(question: str) -> str:
    """64 hex characters identifying the question among one person's open gaps."""
    return hashlib.sha256(normalised_question(question).encode("utf-8")).hexdigest()


async def queue_gap(
    uow: UnitOfWorkFactory,
    question: str,
    *,
    asked_by: str | None,
    asked_at: datetime,
    best_doc_id: str | None = None,
    best_score: float | None = None,
    journal: Journal | None = None,
) -> GapReceipt:
    """Insert the gap, or return the open one with the same asker and key."""
    text = question[:QUESTION_CHARS]
    key = gap_key(text)
    for attempt in range(2):  # the open gap we collided with may close before we read it
        try:
            async with uow() as work:
                row = ContentGapRow(
                    question=text,
                    asked_by=asked_by,
                    asked_at=asked_at,
                    best_doc_id=best_doc_id,
                    best_score=best_score,
                    question_key=key,
                )
                work.session.add(row)
                await work.session.flush()  # a repeat fails here, before the entry
                if journal is not None:
                    await journal.append(
                        asked_by or "system",
                        "kb.gap_submitted",
                        f"gap:{row.id}",
                        {"best_doc_id": best_doc_id, "chars": len(text)},
                        session=work.session,
                    )
                await work.commit()
                return GapReceipt(row.id, new=True)
        except IntegrityError:
            async with uow() as work:
                existing = await work.session.scalar(
                    select(ContentGapRow.id).where(
                        ContentGapRow.asked_by == asked_by,
                        ContentGapRow.question_key == key,
                        ContentGapRow.status == "open",
                    )
                )
            if existing is not None:
                return GapReceipt(existing, new=False)
            if attempt:  # not our index after all (an unknown asker): as before
                raise
    raise AssertionError("unreachable")  # pragma: no cover
