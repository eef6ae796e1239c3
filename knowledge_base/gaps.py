"""Resolving content gaps (questions managers sent because no approved answer existed), by a
compliance officer in /review:

- `link`: the gap's question becomes an approved similar question (相似问) of a document in
  force (`CurationService.add_question`: indexed, served everywhere within seconds), and the gap
  is answered;
- `await_draft`: a new document is drafted for it; the gap is answered when that draft is
  approved, by whoever approves it and through whichever door (`CurationService.approve`: its
  question then joins the document's questions too);
- `dismiss`: closed with a reason.

Every resolution records who, when and how on the gap row and is journaled; an answer owes the
manager who asked a notice (knowledge_base/notices.py), in the same transaction
(`gap_closing.close_gap`), which the running bot delivers.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select

from audit import Journal
from knowledge_base.curation import CurationService, require_compliance_officer
from knowledge_base.errors import NotFoundError, UsageError
from knowledge_base.gap_closing import GapClosedError, GapResolution, close_gap
from storage.clock import Clock, utc_now
from storage.kb_rows import QUESTION_MAX_CHARS, ContentGapRow, KbVersionRow
from storage.uow import UnitOfWork, UnitOfWorkFactory

__all__ = ["GapClosedError", "GapResolution", "GapService", "NotInForceError"]

REASON_LIMIT = 500


class NotInForceError(NotFoundError):
    """The document has no approved version in effect to link a question to."""

    def __init__(self, doc_id: str) -> None:
        super().__init__(f"{doc_id} has no approved version in effect")
        self.doc_id = doc_id


class GapQuestionTooLongError(UsageError):
    """The gap's question is too long to become a similar question of a document."""

    def __init__(self, *, limit: int, length: int) -> None:
        super().__init__(f"question of {length} characters; a similar question has ≤ {limit}")
        self.limit = limit
        self.length = length


class GapService:
    """Link, draft for, or dismiss content gaps (active compliance officers only)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        curation: CurationService,
        *,
        clock: Clock = utc_now,
        timezone: str = "Asia/Shanghai",
        journal: Journal | None = None,
    ) -> None:
        self._uow = uow
        self._curation = curation
        self._clock = clock
        self._tz = ZoneInfo(timezone)
        self._journal = journal if journal is not None else Journal(uow, clock=clock)

    def today(self) -> date:
        return self._clock().astimezone(self._tz).date()

    @staticmethod
    async def _open_gap(uow: UnitOfWork, gap_id: int) -> ContentGapRow:
        row = await uow.session.get(ContentGapRow, gap_id)
        if row is None:
            raise NotFoundError(f"gap #{gap_id}")
        if row.status != "open":
            raise GapClosedError(gap_id, row.status)
        return row

    async def _in_force(self, uow: UnitOfWork, doc_id: str) -> KbVersionRow | None:
        today = self.today()
        rows = (
            await uow.session.scalars(
                select(KbVersionRow)
                .where(KbVersionRow.doc_id == doc_id, KbVersionRow.status == "approved")
                .order_by(KbVersionRow.version.desc())
            )
        ).all()
        return next(
            (
                r
                for r in rows
                if r.effective_from is not None
                and r.effective_from <= today
                and (r.expires_on is None or today < r.expires_on)
            ),
            None,
        )

    async def link(self, gap_id: int, doc_id: str, *, by: str) -> GapResolution:
        """The gap's question becomes one of doc_id's approved questions; the gap is answered."""
        async with self._uow() as uow:
            await require_compliance_officer(uow, by)
            gap = await self._open_gap(uow, gap_id)
            question = gap.question
            current = await self._in_force(uow, doc_id)
            if current is None:
                raise NotInForceError(doc_id)
            title, version = current.title, current.version
        if len(question) > QUESTION_MAX_CHARS:
            raise GapQuestionTooLongError(limit=QUESTION_MAX_CHARS, length=len(question))
        await self._curation.add_question(doc_id, question, by=by, source="gap")
        return await self._close(
            gap_id,
            by,
            status="answered",
            resolution="linked",
            doc_id=doc_id,
            title=title,
            version=version,
        )

    async def dismiss(self, gap_id: int, *, by: str, reason: str) -> GapResolution:
        """Close the gap without an answer, saying why."""
        reason = " ".join(reason.split())[:REASON_LIMIT]
        if not reason:
            raise UsageError("say why the gap is dismissed")
        async with self._uow() as uow:
            await require_compliance_officer(uow, by)
        return await self._close(gap_id, by, status="dismissed", resolution=reason, doc_id=None)

    async def await_draft(self, gap_id: int, doc_id: str, *, by: str) -> GapResolution:
        """A draft of doc_id answers the gap: it stays open until that draft is approved."""
        async with self._uow() as uow:
            await require_compliance_officer(uow, by)
            gap = await self._open_gap(uow, gap_id)
            gap.doc_id = doc_id
            gap.resolution = "draft"
            await self._journal.append(
                by, "kb.gap_drafting", f"gap:{gap_id}", {"doc_id": doc_id}, session=uow.session
            )
            await uow.commit()
            return GapResolution(gap_id, gap.question, gap.asked_by, "open", doc_id)

    async def _close(
        self,
        gap_id: int,
        by: str,
        *,
        status: str,
        resolution: str,
        doc_id: str | None,
        title: str | None = None,
        version: int | None = None,
    ) -> GapResolution:
        async with self._uow() as uow:
            resolved = await close_gap(
                uow.session,
                self._journal,
                gap_id,
                by=by,
                now=self._clock(),
                status=status,
                resolution=resolution,
                doc_id=doc_id,
                title=title,
                version=version,
            )
            await uow.commit()
            return resolved
