"""Closing one content gap inside the caller's transaction: the row (written first, so two
officers closing one gap close it once), its journal entry and, when answered, the notice owed to
the manager who asked. Shared by GapService (link, dismiss) and CurationService.approve (the gaps
that awaited the approved draft), so every door closes and notifies the same way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from audit import Journal
from knowledge_base.errors import NotFoundError, UsageError
from knowledge_base.notices import queue_notice
from storage.kb_rows import ContentGapRow


class GapClosedError(UsageError):
    """The gap was already answered or dismissed (by someone else, or by an earlier press)."""

    def __init__(self, gap_id: int, status: str) -> None:
        super().__init__(f"gap #{gap_id} is {status}")
        self.gap_id = gap_id
        self.status = status


@dataclass(frozen=True)
class GapResolution:
    """What happened to a gap: answered (by `doc_id`), dismissed, or awaiting a draft.
    `notice_id`: the message owed to the manager who asked (answered gaps)."""

    gap_id: int
    question: str
    asked_by: str | None
    status: str  # answered | dismissed | open (a draft of doc_id is awaited)
    doc_id: str | None = None
    title: str | None = None
    version: int | None = None
    notice_id: int | None = None


async def close_gap(
    session: AsyncSession,
    journal: Journal,
    gap_id: int,
    *,
    by: str,
    now: datetime,
    status: str,
    resolution: str,
    doc_id: str | None = None,
    title: str | None = None,
    version: int | None = None,
) -> GapResolution:
    """Answer or dismiss an open gap; GapClosedError when it is closed already."""
    done = await session.execute(
        update(ContentGapRow)
        .where(ContentGapRow.id == gap_id, ContentGapRow.status == "open")
        .values(
            status=status,
            resolved_by=by,
            resolved_at=now,
            resolution=resolution,
            doc_id=doc_id if doc_id is not None else ContentGapRow.doc_id,
        )
    )
    row = await session.get(ContentGapRow, gap_id, populate_existing=True)
    if row is None:
        raise NotFoundError(f"gap #{gap_id}")
    if getattr(done, "rowcount", 0) != 1:
        raise GapClosedError(gap_id, row.status)
    notice_id = None
    if status == "answered" and row.asked_by is not None:
        body = {
            "gap_id": gap_id,
            "question": row.question,
            "doc_id": doc_id,
            "title": title,
            "version": version,
        }
        notice_id = await queue_notice(session, row.asked_by, "gap_answered", body, now)
    await journal.append(
        by,
        f"kb.gap_{status}",
        f"gap:{gap_id}",
        {"resolution": resolution, "doc_id": doc_id, "asked_by": row.asked_by},
        session=session,
    )
    return GapResolution(
        gap_id, row.question, row.asked_by, status, doc_id, title, version, notice_id
    )
