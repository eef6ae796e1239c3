"""Curation (DESIGN §5): approval is an act of a person, never a claim of a file.

- `import_directory(dir, by=STAFF)` stores every version as a draft authored by STAFF, whatever
  its front matter says; `migrate=True` (content approved in a previous system) keeps the
  files' approval, requires each approver to be an active compliance officer, and is journaled
  with who ran it;
- `approve` needs an active compliance officer other than the draft's author (four eyes);
  `retire` and `reject` need a compliance officer and a reason; all three are journaled;
- approving a draft answers the content gaps that awaited it, and rejecting one tells its
  author why, in the same transaction and whichever door was used (/review or `ambot kb`):
  the messages are queued as notices (knowledge_base/notices.py) that the running bot delivers;
- the newest approved version of a document supersedes older ones; only approved, in-effect
  text is served.

Every transition (imported, approved, migrated, superseded, retired, rejected) is recorded with
actor, time and note. Every change to what is served bumps the one-row generation in the same
transaction; `ServedSet` lets each process notice it within seconds.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from audit import Journal
from knowledge_base.documents import DocumentVersion, load_directory
from knowledge_base.errors import (
    EmptyQuestionError,
    KnowledgeBaseError,
    NotAuthorizedError,
    NotFoundError,
    QuestionTooLongError,
    UnknownDocumentError,
    UsageError,
)
from knowledge_base.gap_closing import GapResolution, close_gap
from knowledge_base.gap_queue import GapReceipt, queue_gap
from knowledge_base.notices import NoticeQueue, queue_notice
from storage.clock import Clock, utc_now
from storage.kb_rows import (
    GENERATION_ID,
    QUESTION_MAX_CHARS,
    QUESTION_SOURCES,
    ContentGapRow,
    KbCurationEventRow,
    KbGenerationRow,
    KbQuestionRow,
    KbVersionRow,
)
from storage.rows import StaffRow
from storage.uow import UnitOfWork, UnitOfWorkFactory

CHECK_EVERY = 3.0  # seconds between two reads of the generation (DESIGN §5: served within 10 s)


@dataclass(frozen=True)
class ApprovedText:
    """An approved, in-effect version: what search indexes and answers cite."""

    doc_id: str
    version: int
    kind: str
    title: str
    language: str
    approved_by: str
    approved_at: date | None
    effective_from: date
    expires_on: date | None
    product_risk: str | None
    tags: tuple[str, ...]
    body: str
    content_hash: str
    # approved similar questions (相似问): this version's front matter, then those linked later
    questions: tuple[str, ...] = ()

    def in_effect(self, today: date) -> bool:
        return self.effective_from <= today and (self.expires_on is None or today < self.expires_on)


@dataclass(frozen=True)
class VersionSummary:
    doc_id: str
    version: int
    kind: str
    title: str
    language: str
    status: str
    approved_by: str | None
    approved_at: date | None
    effective_from: date | None
    expires_on: date | None
    # approve: the gaps the approval answered; approve/reject: the notices it queued
    answered_gaps: tuple[int, ...] = ()
    notices: tuple[int, ...] = ()


@dataclass(frozen=True)
class CurationEvent:
    version: int
    action: str
    actor_id: str | None
    at: datetime
    note: str | None


@dataclass(frozen=True)
class DocumentDetail:
    doc_id: str
    versions: tuple[VersionSummary, ...]
    events: tuple[CurationEvent, ...]
    current_body: str | None


@dataclass(frozen=True)
class ImportOutcome:
    added: int
    updated: int
    unchanged: int
    approved: tuple[str, ...]  # "DOC vN"
    drafts: tuple[str, ...]  # "DOC vN: reason it is a draft"
    retired: tuple[str, ...]


async def bump_generation(session: AsyncSession) -> None:
    """Tell every process that what is served changed: call inside the transaction of the
    change (approve, retire, supersede, migrate, lexicon), so both commit together."""
    await session.execute(
        update(KbGenerationRow)
        .where(KbGenerationRow.id == GENERATION_ID)
        .values(generation=KbGenerationRow.generation + 1)
    )


async def read_generation(session: AsyncSession) -> int:
    value = await session.scalar(
        select(KbGenerationRow.generation).where(KbGenerationRow.id == GENERATION_ID)
    )
    return int(value or 0)


def _summary(row: KbVersionRow) -> VersionSummary:
    return VersionSummary(
        row.doc_id,
        row.version,
        row.kind,
        row.title,
        row.language,
        row.status,
        row.approved_by,
        row.approved_at,
        row.effective_from,
        row.expires_on,
    )


def normalize_question(text: str) -> str:
    """One line, single spaces: the form a similar question is stored and compared in."""
    return " ".join(text.split())


def _question_key(text: str) -> str:
    return normalize_question(text).casefold()


def checked_question(text: str) -> str:
    """The normalized question, or EmptyQuestionError / QuestionTooLongError."""
    question = normalize_question(text)
    if not question:
        raise EmptyQuestionError("a similar question needs some text")
    if len(question) > QUESTION_MAX_CHARS:
        raise QuestionTooLongError(limit=QUESTION_MAX_CHARS, length=len(question))
    return question


async def _with_questions(session: AsyncSession, texts: list[ApprovedText]) -> list[ApprovedText]:
    """Each text with its approved similar questions: its own version's front-matter ones,
    then the ones linked to the document later (in the order they were added, no repeats)."""
    if not texts:
        return texts
    rows = (
        await session.scalars(
            select(KbQuestionRow)
            .where(KbQuestionRow.doc_id.in_({t.doc_id for t in texts}))
            .order_by(KbQuestionRow.id)
        )
    ).all()
    if not rows:
        return texts
    result = []
    for text in texts:
        own = [r for r in rows if r.doc_id == text.doc_id and r.version == text.version]
        later = [r for r in rows if r.doc_id == text.doc_id and r.version is None]
        seen: set[str] = set()
        questions = []
        for row in [*own, *later]:
            if _question_key(row.question) not in seen:
                seen.add(_question_key(row.question))
                questions.append(row.question)
        result.append(replace(text, questions=tuple(questions)) if questions else text)
    return result


def _approved_text(row: KbVersionRow) -> ApprovedText:
    assert row.approved_by is not None and row.effective_from is not None
    return ApprovedText(
        doc_id=row.doc_id,
        version=row.version,
        kind=row.kind,
        title=row.title,
        language=row.language,
        approved_by=row.approved_by,
        approved_at=row.approved_at,
        effective_from=row.effective_from,
        expires_on=row.expires_on,
        product_risk=row.product_risk,
        tags=tuple(json.loads(row.tags)),
        body=row.body,
        content_hash=row.content_hash,
    )


async def compliance_officer(uow: UnitOfWork, staff_id: str | None) -> StaffRow | None:
    """The active compliance officer staff_id names, else None."""
    if not staff_id:
        return None
    row = await uow.session.get(StaffRow, staff_id)
    if row is None or not row.active or row.role != "compliance":
        return None
    return row


async def require_compliance_officer(uow: UnitOfWork, staff_id: str | None) -> StaffRow:
    """The active compliance officer staff_id names; NotAuthorizedError for anyone else."""
    row = await compliance_officer(uow, staff_id)
    if row is None:
        raise NotAuthorizedError(f"{staff_id} is not an active compliance officer")
    return row


class CurationService:
    """Import, approve, retire and list knowledge-base documents."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        *,
        clock: Clock | None = None,
        timezone: str = "Asia/Shanghai",
        journal: Journal | None = None,
        check_every: float = CHECK_EVERY,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        from zoneinfo import ZoneInfo

        self._uow = uow
        self._clock = clock or utc_now
        self._tz = ZoneInfo(timezone)
        self._journal = journal if journal is not None else Journal(uow, clock=self._clock)
        # what curation acts owe staff (gap answered, draft rejected), for the bot to deliver
        self.notices = NoticeQueue(uow, clock=lambda: self._clock())
        self.check_every = check_every
        self.monotonic = monotonic

    def served_set(self) -> ServedSet:
        """A tracker of what this process may serve, polling the generation every
        `check_every` seconds (of `monotonic`, injectable for tests)."""
        return ServedSet(self)

    def today(self) -> date:
        return self._clock().astimezone(self._tz).date()

    async def _compliance_officer(self, uow: UnitOfWork, staff_id: str | None) -> StaffRow | None:
        return await compliance_officer(uow, staff_id)

    async def _active_staff(self, uow: UnitOfWork, staff_id: str | None) -> StaffRow | None:
        if not staff_id:
            return None
        row = await uow.session.get(StaffRow, staff_id)
        return row if row is not None and row.active else None

    async def import_directory(
        self, directory: Path, *, by: str, migrate: bool = False
    ) -> ImportOutcome:
        """Load every file (strictly) and store new versions; all files or none.

        Without `migrate`, every version becomes a draft authored by `by`, whatever its front
        matter claims (approval is an act of a person, DESIGN §5). With `migrate` (content
        approved in a previous system) the files' approval is kept; see `import_versions`."""
        versions = load_directory(directory)
        return await self.import_versions(versions, by=by, migrate=migrate, origin=str(directory))

    async def import_versions(
        self,
        versions: Iterable[DocumentVersion],
        *,
        by: str,
        migrate: bool = False,
        origin: str = "",
    ) -> ImportOutcome:
        """Store the versions as drafts authored by `by` (an active staff member).

        `migrate`: keep each file's status; every `approved_by` must be an active compliance
        officer (else nothing is imported), `by` must be an active admin or compliance officer,
        and the migration is journaled with who ran it."""
        versions = list(versions)
        now = self._clock()
        added = updated = unchanged = 0
        approved: list[str] = []
        drafts: list[str] = []
        retired: list[str] = []
        async with self._uow() as uow:
            session = uow.session
            runner = await self._active_staff(uow, by)
            if runner is None:
                raise NotAuthorizedError(f"{by} is not an active staff member")
            if migrate:
                if runner.role not in ("admin", "compliance"):
                    raise NotAuthorizedError(
                        f"{by} may not migrate approved content (admin or compliance only)"
                    )
                unapproved = [
                    f"{v.source}: approved_by {v.approved_by} is not an active compliance officer"
                    for v in versions
                    if v.status == "approved"
                    and await self._compliance_officer(uow, v.approved_by) is None
                ]
                if unapproved:
                    raise NotAuthorizedError("\n".join([*unapproved, "nothing was imported"]))
            existing = {
                (r.doc_id, r.version): r
                for r in (await session.scalars(select(KbVersionRow))).all()
            }
            conflicts = [
                f"{v.source}: {v.doc_id} v{v.version} is already {existing[(v.doc_id, v.version)].status} "
                "with different text; publish the change as a new version"
                for v in versions
                if (v.doc_id, v.version) in existing
                and existing[(v.doc_id, v.version)].status != "draft"
                and existing[(v.doc_id, v.version)].content_hash != v.content_hash
            ]
            if conflicts:
                raise UsageError("\n".join(conflicts))
            touched: set[str] = set()
            served_changed = False
            for v in versions:
                label = f"{v.doc_id} v{v.version}"
                row = existing.get((v.doc_id, v.version))
                status = v.status if migrate else "draft"
                if row is not None and row.content_hash == v.content_hash:
                    if status == "retired" and row.status not in ("retired", "rejected"):
                        served_changed |= row.status == "approved"
                        row.status = "retired"
                        await self._event(
                            uow, row, "retired", by, now, "retired in the previous system"
                        )
                        retired.append(label)
                    elif status == "approved" and row.status == "draft":
                        self._apply_approval(row, v.approved_by, v.approved_at, now)
                        await self._migrated(uow, row, by, v.approved_by, now)
                        approved.append(label)
                        touched.add(v.doc_id)
                    else:
                        unchanged += 1
                    continue
                if row is None:
                    row = KbVersionRow(doc_id=v.doc_id, version=v.version, imported_at=now)
                    session.add(row)
                    added += 1
                else:
                    updated += 1
                self._fill(row, v, status)
                row.authored_by = by
                await session.flush()
                await self._event(uow, row, "imported", by, now, v.source)
                await self._store_front_matter_questions(uow, v, by, now)
                if status == "approved":
                    await self._migrated(uow, row, by, v.approved_by, now)
                    approved.append(label)
                    touched.add(v.doc_id)
                elif status == "retired":
                    retired.append(label)
                elif migrate:
                    drafts.append(f"{label}: draft in the previous system, authored by {by}")
                else:
                    drafts.append(
                        f"{label}: draft authored by {by}; another compliance officer approves it"
                    )
            for doc_id in sorted(touched):
                await self._supersede_older(uow, doc_id, now)
            if touched or served_changed:
                await bump_generation(session)
            if migrate:
                await self._journal.append(
                    by,
                    "kb.migrated",
                    f"kb:{origin}"[:200],
                    {"approved": approved, "drafts": drafts, "retired": retired},
                    session=session,
                )
            await uow.commit()
        return ImportOutcome(
            added, updated, unchanged, tuple(approved), tuple(drafts), tuple(retired)
        )

    @staticmethod
    async def _store_front_matter_questions(
        uow: UnitOfWork, v: DocumentVersion, by: str, now: datetime
    ) -> None:
        """The version's `questions:` replace what an earlier import of it stored."""
        await uow.session.execute(
            delete(KbQuestionRow).where(
                KbQuestionRow.doc_id == v.doc_id,
                KbQuestionRow.version == v.version,
                KbQuestionRow.source == "front_matter",
            )
        )
        uow.session.add_all(
            KbQuestionRow(
                doc_id=v.doc_id,
                version=v.version,
                question=q,
                source="front_matter",
                added_by=by,
                added_at=now,
            )
            for q in v.questions
        )

    async def _migrated(
        self, uow: UnitOfWork, row: KbVersionRow, by: str, approver: str | None, now: datetime
    ) -> None:
        await self._event(uow, row, "approved", approver, now, "approved in a previous system")
        await self._event(uow, row, "migrated", by, now, f"approval by {approver} kept")

    @staticmethod
    def _fill(row: KbVersionRow, v: DocumentVersion, status: str) -> None:
        row.kind, row.title, row.language, row.status = v.kind, v.title, v.language, status
        row.approved_by = v.approved_by if status == "approved" else None
        row.approved_at = v.approved_at if status == "approved" else None
        row.effective_from, row.expires_on = v.effective_from, v.expires_on
        row.product_risk, row.tags = v.product_risk, json.dumps(list(v.tags), ensure_ascii=False)
        row.body, row.content_hash, row.source = v.body, v.content_hash, v.source

    def _apply_approval(
        self, row: KbVersionRow, by: str | None, on: date | None, now: datetime
    ) -> None:
        row.status = "approved"
        row.approved_by = by
        row.approved_at = on or now.astimezone(self._tz).date()
        if row.effective_from is None:
            row.effective_from = row.approved_at

    async def _event(
        self,
        uow: UnitOfWork,
        row: KbVersionRow,
        action: str,
        actor: str | None,
        at: datetime,
        note: str | None,
    ) -> None:
        uow.session.add(
            KbCurationEventRow(version_id=row.id, action=action, actor_id=actor, at=at, note=note)
        )

    async def _supersede_older(self, uow: UnitOfWork, doc_id: str, now: datetime) -> None:
        rows = (
            await uow.session.scalars(
                select(KbVersionRow)
                .where(KbVersionRow.doc_id == doc_id, KbVersionRow.status == "approved")
                .order_by(KbVersionRow.version.desc())
            )
        ).all()
        for older in rows[1:]:
            older.status = "superseded"
            await self._event(
                uow, older, "superseded", None, now, f"superseded by v{rows[0].version}"
            )

    async def approve(self, doc_id: str, *, by: str, version: int | None = None) -> VersionSummary:
        """Approve the newest draft (or the given version) of doc_id; compliance staff only."""
        now = self._clock()
        async with self._uow() as uow:
            await require_compliance_officer(uow, by)
            query = select(KbVersionRow).where(KbVersionRow.doc_id == doc_id)
            rows = (await uow.session.scalars(query.order_by(KbVersionRow.version.desc()))).all()
            if not rows:
                raise NotFoundError(doc_id)
            if version is None:
                candidates = [r for r in rows if r.status == "draft"]
                if not candidates:
                    raise UsageError(f"{doc_id} has no draft version to approve")
                row = candidates[0]
            else:
                matching = [r for r in rows if r.version == version]
                if not matching:
                    raise NotFoundError(f"{doc_id} v{version}")
                row = matching[0]
                if row.status != "draft":
                    raise UsageError(f"{doc_id} v{version} is {row.status}, not a draft")
            if any(
                r.status in ("approved", "superseded", "retired") and r.version > row.version
                for r in rows
            ):
                raise UsageError(
                    f"{doc_id} v{row.version} is older than an already published version"
                )
            if row.authored_by == by:
                raise NotAuthorizedError(
                    f"{by} authored {doc_id} v{row.version}; another compliance officer must "
                    "approve it (four eyes)"
                )
            self._apply_approval(row, by, None, now)
            await self._event(uow, row, "approved", by, now, None)
            await uow.session.flush()
            await self._supersede_older(uow, doc_id, now)
            await bump_generation(uow.session)
            await self._journal.append(
                by,
                "kb.approved",
                f"kb:{doc_id}",
                {"version": row.version, "author": row.authored_by},
                session=uow.session,
            )
            answered = await self._answer_awaiting_gaps(uow, row, by, now)
            await uow.commit()
            return replace(
                _summary(row),
                answered_gaps=tuple(a.gap_id for a in answered),
                notices=tuple(a.notice_id for a in answered if a.notice_id is not None),
            )

    async def _answer_awaiting_gaps(
        self, uow: UnitOfWork, row: KbVersionRow, by: str, now: datetime
    ) -> list[GapResolution]:
        """The open gaps a draft of this document was awaited for are answered by its approval
        once it is in effect: each question joins the document's questions (when short enough),
        the gap is closed and journaled, and the manager who asked is owed a notice."""
        if not _approved_text(row).in_effect(now.astimezone(self._tz).date()):
            return []
        waiting = (
            await uow.session.scalars(
                select(ContentGapRow)
                .where(ContentGapRow.doc_id == row.doc_id, ContentGapRow.status == "open")
                .order_by(ContentGapRow.id)
            )
        ).all()
        answered = []
        for gap_id, question in [(g.id, g.question) for g in waiting]:
            try:
                resolved = await close_gap(
                    uow.session,
                    self._journal,
                    gap_id,
                    by=by,
                    now=now,
                    status="answered",
                    resolution="drafted",
                    doc_id=row.doc_id,
                    title=row.title,
                    version=row.version,
                )
            except KnowledgeBaseError:
                continue  # closed meanwhile by someone else
            if len(normalize_question(question)) <= QUESTION_MAX_CHARS:
                await self._link_question(uow, row.doc_id, question, by=by, source="gap", now=now)
            answered.append(resolved)
        return answered

    async def retire(self, doc_id: str, *, by: str, reason: str) -> list[VersionSummary]:
        """Retire every approved version of doc_id: it is no longer served. A compliance
        officer, with a reason; both are recorded and journaled."""
        reason = " ".join(reason.split())
        if not reason:
            raise UsageError("say why the document is retired (--reason)")
        now = self._clock()
        async with self._uow() as uow:
            await require_compliance_officer(uow, by)
            rows = (
                await uow.session.scalars(select(KbVersionRow).where(KbVersionRow.doc_id == doc_id))
            ).all()
            if not rows:
                raise NotFoundError(doc_id)
            live = [r for r in rows if r.status == "approved"]
            if not live:
                raise UsageError(f"{doc_id} has no approved version to retire")
            for row in live:
                row.status = "retired"
                await self._event(uow, row, "retired", by, now, reason)
            await bump_generation(uow.session)
            await self._journal.append(
                by,
                "kb.retired",
                f"kb:{doc_id}",
                {"versions": [r.version for r in live], "reason": reason},
                session=uow.session,
            )
            await uow.commit()
            return [_summary(r) for r in live]

    async def reject(
        self, doc_id: str, *, by: str, reason: str, version: int | None = None
    ) -> VersionSummary:
        """Reject the newest draft (or the given version) of doc_id: a compliance officer, with
        a reason; recorded and journaled. A rejected draft is never served nor approved."""
        reason = " ".join(reason.split())
        if not reason:
            raise UsageError("say why the draft is rejected (--reason)")
        now = self._clock()
        async with self._uow() as uow:
            await require_compliance_officer(uow, by)
            query = select(KbVersionRow).where(
                KbVersionRow.doc_id == doc_id, KbVersionRow.status == "draft"
            )
            if version is not None:
                query = query.where(KbVersionRow.version == version)
            row = (await uow.session.scalars(query.order_by(KbVersionRow.version.desc()))).first()
            if row is None:
                label = doc_id if version is None else f"{doc_id} v{version}"
                raise UsageError(f"{label}: no draft to reject")
            row.status = "rejected"
            await self._event(uow, row, "rejected", by, now, reason)
            notices: tuple[int, ...] = ()
            author = row.authored_by
            if author is not None and author != by:
                rejecter = await uow.session.get(StaffRow, by)
                body = {
                    "doc_id": row.doc_id,
                    "version": row.version,
                    "title": row.title,
                    "reason": reason,
                    "by": by,
                    "by_name": rejecter.name if rejecter is not None else by,
                }
                notices = (await queue_notice(uow.session, author, "draft_rejected", body, now),)
            await self._journal.append(
                by,
                "kb.rejected",
                f"kb:{doc_id}",
                {"version": row.version, "reason": reason, "author": author},
                session=uow.session,
            )
            await uow.commit()
            return replace(_summary(row), notices=notices)

    async def generation(self) -> int:
        """The database's knowledge-base generation (one indexed row: cheap to poll)."""
        async with self._uow() as uow:
            return await read_generation(uow.session)

    async def served(self, today: date | None = None) -> tuple[int, list[ApprovedText]]:
        """The generation and the approved, in-effect text, read in that order (the text is
        at least as new as the generation it is labelled with)."""
        day = today or self.today()
        async with self._uow() as uow:
            generation = await read_generation(uow.session)
            rows = await uow.session.scalars(
                select(KbVersionRow)
                .where(KbVersionRow.status == "approved")
                .order_by(KbVersionRow.doc_id, KbVersionRow.version)
            )
            texts = [t for t in (_approved_text(r) for r in rows) if t.in_effect(day)]
            texts = await _with_questions(uow.session, texts)
        return generation, texts

    async def list_versions(self) -> list[VersionSummary]:
        async with self._uow() as uow:
            rows = await uow.session.scalars(
                select(KbVersionRow).order_by(KbVersionRow.doc_id, KbVersionRow.version)
            )
            return [_summary(r) for r in rows]

    async def show(self, doc_id: str) -> DocumentDetail:
        async with self._uow() as uow:
            rows = (
                await uow.session.scalars(
                    select(KbVersionRow)
                    .where(KbVersionRow.doc_id == doc_id)
                    .order_by(KbVersionRow.version)
                )
            ).all()
            if not rows:
                raise NotFoundError(doc_id)
            by_id = {r.id: r.version for r in rows}
            events = (
                await uow.session.scalars(
                    select(KbCurationEventRow)
                    .where(KbCurationEventRow.version_id.in_(by_id))
                    .order_by(KbCurationEventRow.at, KbCurationEventRow.id)
                )
            ).all()
            today = self.today()
            current = next(
                (
                    r.body
                    for r in reversed(rows)
                    if r.status == "approved" and _approved_text(r).in_effect(today)
                ),
                None,
            )
            return DocumentDetail(
                doc_id,
                tuple(_summary(r) for r in rows),
                tuple(
                    CurationEvent(by_id[e.version_id], e.action, e.actor_id, e.at, e.note)
                    for e in events
                ),
                current,
            )

    async def approved_in_effect(self, today: date | None = None) -> list[ApprovedText]:
        """The text managers may see today: approved versions with effective_from ≤ today < expires_on."""
        day = today or self.today()
        async with self._uow() as uow:
            rows = await uow.session.scalars(
                select(KbVersionRow)
                .where(KbVersionRow.status == "approved")
                .order_by(KbVersionRow.doc_id, KbVersionRow.version)
            )
            texts = [t for t in (_approved_text(r) for r in rows) if t.in_effect(day)]
            return await _with_questions(uow.session, texts)

    async def add_question(self, doc_id: str, question: str, *, by: str, source: str) -> None:
        """Link an approved similar question (相似问) to doc_id: an active compliance officer
        approves it, from a content gap (`source="gap"`) or a confirmed answer ("feedback").
        It holds across the document's versions, is journaled, and every process re-indexes
        within seconds (the generation is bumped). The same question twice is a no-op.

        UnknownDocumentError if no version of doc_id exists; EmptyQuestionError /
        QuestionTooLongError for its text; UsageError for another source."""
        checked_question(question)
        if source not in QUESTION_SOURCES or source == "front_matter":
            raise UsageError(f"unknown source {source!r} for a similar question (gap or feedback)")
        now = self._clock()
        async with self._uow() as uow:
            await require_compliance_officer(uow, by)
            if await self._link_question(uow, doc_id, question, by=by, source=source, now=now):
                await uow.commit()

    async def _link_question(
        self, uow: UnitOfWork, doc_id: str, question: str, *, by: str, source: str, now: datetime
    ) -> bool:
        """add_question inside the caller's transaction; False when it was there already."""
        text = checked_question(question)
        newest = await uow.session.scalar(
            select(func.max(KbVersionRow.version)).where(KbVersionRow.doc_id == doc_id)
        )
        if newest is None:
            raise UnknownDocumentError(doc_id)
        # already linked, or listed by the newest version's front matter
        existing = await uow.session.scalars(
            select(KbQuestionRow.question).where(
                KbQuestionRow.doc_id == doc_id,
                or_(KbQuestionRow.version.is_(None), KbQuestionRow.version == newest),
            )
        )
        if _question_key(text) in {_question_key(q) for q in existing}:
            return False
        uow.session.add(
            KbQuestionRow(
                doc_id=doc_id,
                version=None,
                question=text,
                source=source,
                added_by=by,
                added_at=now,
            )
        )
        await bump_generation(uow.session)
        await self._journal.append(
            by,
            "kb.question_added",
            f"kb:{doc_id}",
            {"question": text, "source": source},
            session=uow.session,
        )
        return True

    async def questions(self, doc_id: str) -> list[tuple[str, int | None, str]]:
        """(question, version or None, source) of every similar question stored for doc_id."""
        async with self._uow() as uow:
            rows = await uow.session.scalars(
                select(KbQuestionRow)
                .where(KbQuestionRow.doc_id == doc_id)
                .order_by(KbQuestionRow.id)
            )
            return [(r.question, r.version, r.source) for r in rows]

    async def record_gap(
        self,
        question: str,
        *,
        asked_by: str | None,
        best_doc_id: str | None,
        best_score: float | None,
    ) -> int:
        """Queue an unanswered question for compliance; returns its id (the open gap's, if the
        same person's same question is already waiting: knowledge_base/gap_queue.py)."""
        receipt = await self.queue_gap(
            question, asked_by=asked_by, best_doc_id=best_doc_id, best_score=best_score
        )
        return receipt.gap_id

    async def queue_gap(
        self,
        question: str,
        *,
        asked_by: str | None,
        best_doc_id: str | None = None,
        best_score: float | None = None,
        asked_at: datetime | None = None,
    ) -> GapReceipt:
        """Queue a question once per asker while open; a new gap is journaled with it."""
        return await queue_gap(
            self._uow,
            question,
            asked_by=asked_by,
            asked_at=asked_at or self._clock(),
            best_doc_id=best_doc_id,
            best_score=best_score,
            journal=self._journal,
        )

    async def open_gaps(self) -> list[tuple[int, str, str | None, datetime]]:
        async with self._uow() as uow:
            rows = await uow.session.scalars(
                select(ContentGapRow)
                .where(ContentGapRow.status == "open")
                .order_by(ContentGapRow.id)
            )
            return [(r.id, r.question, r.asked_by, r.asked_at) for r in rows]


class ServedSet:
    """What this process may serve: the (doc id, version) keys of the approved, in-effect set
    of the newest generation it has seen. `refresh` reads the one-row generation at most every
    `check_every` seconds; when it moved, the keys are re-read at once (callers filter results
    by them immediately; rebuilding the search index may follow in the background)."""

    def __init__(self, curation: CurationService) -> None:
        self._curation = curation
        self.generation = -1
        self.keys: frozenset[tuple[str, int]] | None = None
        self._checked_at: float | None = None
        self._lock = asyncio.Lock()

    def adopt(self, generation: int, texts: Iterable[ApprovedText]) -> None:
        """Take a set read at `generation` unless a newer one is already held."""
        if generation >= self.generation:
            self.generation = generation
            self.keys = frozenset((t.doc_id, t.version) for t in texts)

    def _due(self) -> bool:
        return (
            self._checked_at is None
            or self._curation.monotonic() - self._checked_at >= self._curation.check_every
        )

    async def refresh(self) -> bool:
        """True when the generation moved since the set held was read (keys are then new)."""
        if not self._due():
            return False
        async with self._lock:
            if not self._due():
                return False
            self._checked_at = self._curation.monotonic()
            if await self._curation.generation() == self.generation:
                return False
            generation, texts = await self._curation.served()
            self.adopt(generation, texts)
            return True
