"""Resolving content gaps (questions managers sent because no approved answer existed), by a
compliance officer in /review:

- `link`: the gap's question becomes an approved similar question (相似问) of a document in
  force (`CurationService.add_question`: indexed, served everywhere within seconds), and the gap
  is answered;
- `await_draft` + `answered_by_approval`: a new document is drafted for it; the gap is answered
  when that draft is approved (its question then joins the document's questions too);
- `dismiss`: closed with a reason.

Every resolution records who, when and how on the gap row and is journaled; the caller tells
the manager who asked (a resolution names her).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from audit import Journal
from knowledge_base.curation import CurationService
from knowledge_base.errors import KnowledgeBaseError, NotAuthorizedError, NotFoundError, UsageError
from storage.clock import Clock, utc_now
from storage.kb_rows import QUESTION_MAX_CHARS, ContentGapRow, KbVersionRow
from storage.rows import StaffRow
from storage.uow import UnitOfWork, UnitOfWorkFactory

REASON_LIMIT = 500


class GapClosedError(UsageError):
    """The gap was already answered or dismissed (by someone else, or by an earlier press)."""

    def __init__(self, gap_id: int, status: str) -> None:
        super().__init__(f"gap #{gap_id} is {status}")
        self.gap_id = gap_id
        self.status = status


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


@dataclass(frozen=True)
class GapResolution:
    """What happened to a gap: answered (by `doc_id`), dismissed, or awaiting a draft."""

    gap_id: int
    question: str
    asked_by: str | None
    status: str  # answered | dismissed | open (a draft of doc_id is awaited)
    doc_id: str | None = None
    title: str | None = None
    version: int | None = None


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
    async def _officer(uow: UnitOfWork, staff_id: str) -> None:
        row = await uow.session.get(StaffRow, staff_id)
        if row is None or not row.active or row.role != "compliance":
            raise NotAuthorizedError(f"{staff_id} is not an active compliance officer")

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
            await self._officer(uow, by)
            gap = await self._open_gap(uow, gap_id)
            question = gap.question
            current = await self._in_force(uow, doc_id)
            if current is None:
                raise NotInForceError(doc_id)
            title, version = current.title, current.version
        if len(question) > QUESTION_MAX_CHARS:
            raise GapQuestionTooLongError(limit=QUESTION_MAX_CHARS, length=len(question))
        await self._curation.add_question(doc_id, question, by=by, source="gap")
        resolved = await self._close(
            gap_id, by, status="answered", resolution="linked", doc_id=doc_id
        )
        return GapResolution(
            resolved.gap_id,
            resolved.question,
            resolved.asked_by,
            "answered",
            doc_id,
            title,
            version,
        )

    async def dismiss(self, gap_id: int, *, by: str, reason: str) -> GapResolution:
        """Close the gap without an answer, saying why."""
        reason = " ".join(reason.split())[:REASON_LIMIT]
        if not reason:
            raise UsageError("say why the gap is dismissed")
        async with self._uow() as uow:
            await self._officer(uow, by)
        return await self._close(gap_id, by, status="dismissed", resolution=reason, doc_id=None)

    async def await_draft(self, gap_id: int, doc_id: str, *, by: str) -> GapResolution:
        """A draft of doc_id answers the gap: it stays open until that draft is approved."""
        async with self._uow() as uow:
            await self._officer(uow, by)
            gap = await self._open_gap(uow, gap_id)
            gap.doc_id = doc_id
            gap.resolution = "draft"
            await self._journal.append(
                by, "kb.gap_drafting", f"gap:{gap_id}", {"doc_id": doc_id}, session=uow.session
            )
            await uow.commit()
            return GapResolution(gap_id, gap.question, gap.asked_by, "open", doc_id)

    async def answered_by_approval(self, doc_id: str, *, by: str) -> list[GapResolution]:
        """After doc_id's draft was approved: the gaps awaiting it are answered (their questions
        join the document's questions where short enough)."""
        async with self._uow() as uow:
            gaps = (
                await uow.session.scalars(
                    select(ContentGapRow).where(
                        ContentGapRow.doc_id == doc_id, ContentGapRow.status == "open"
                    )
                )
            ).all()
            waiting = [(g.id, g.question) for g in gaps]
            current = await self._in_force(uow, doc_id)
            if not waiting or current is None:
                return []
            title, version = current.title, current.version
        done: list[GapResolution] = []
        for gap_id, question in waiting:
            if len(question) <= QUESTION_MAX_CHARS:
                await self._curation.add_question(doc_id, question, by=by, source="gap")
            try:
                resolved = await self._close(
                    gap_id, by, status="answered", resolution="drafted", doc_id=doc_id
                )
            except KnowledgeBaseError:
                continue  # closed meanwhile by someone else
            done.append(
                GapResolution(
                    gap_id, resolved.question, resolved.asked_by, "answered", doc_id, title, version
                )
            )
        return done

    async def _close(
        self, gap_id: int, by: str, *, status: str, resolution: str, doc_id: str | None
    ) -> GapResolution:
        now = self._clock()
        async with self._uow() as uow:
            # Write first: two officers closing one gap at once close it once.
            done = await uow.session.execute(
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
            if getattr(done, "rowcount", 0) != 1:
                row = await uow.session.get(ContentGapRow, gap_id)
                if row is None:
                    raise NotFoundError(f"gap #{gap_id}")
                raise GapClosedError(gap_id, row.status)
            row = await uow.session.get(ContentGapRow, gap_id)
            assert row is not None
            await self._journal.append(
                by,
                f"kb.gap_{status}",
                f"gap:{gap_id}",
                {"resolution": resolution, "doc_id": doc_id, "asked_by": row.asked_by},
                session=uow.session,
            )
            await uow.commit()
            return GapResolution(gap_id, row.question, row.asked_by, status, doc_id)
