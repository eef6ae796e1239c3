"""The compliance officer's review queue (DESIGN §7): everything waiting for compliance, oldest
first — drafts (with a diff against the version in force), open content gaps, unreviewed
findings (flagged /check drafts and notes), unreviewed 👎 answers and 👍 answers whose question
is not yet an approved question of the cited document (the newest vote per document and
question) — and the acts on them that are not curation itself: uploading a Markdown file as a
draft, marking a finding or a 👎 as reviewed, adopting a 👍 answer's question as a similar
question of its document (through `CurationService.add_question`) or ignoring it (journaled).

Approve, reject and retire are `CurationService`'s; resolving gaps is `knowledge_base.gaps`.
The queue is read by active compliance officers and admins; uploads and marks need compliance
(marks: or an admin).
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update

from audit import Journal
from knowledge_base.curation import CurationService, ImportOutcome, normalize_question
from knowledge_base.documents import DocumentVersion, LoadProblem, parse_document
from knowledge_base.errors import NotAuthorizedError, NotFoundError, UnknownDocumentError
from storage.activity_rows import AnswerFeedbackRow, ComplianceFindingRow
from storage.clock import Clock, utc_now
from storage.kb_rows import ContentGapRow, KbQuestionRow, KbVersionRow
from storage.rows import StaffRow
from storage.text_files import utf8_text_problem
from storage.uow import UnitOfWork, UnitOfWorkFactory

ItemKind = Literal["draft", "gap", "finding", "feedback", "liked"]
KINDS: tuple[ItemKind, ...] = ("draft", "gap", "finding", "feedback", "liked")
REVIEWERS = ("compliance", "admin")
UPLOAD_LIMIT = 256 * 1024  # bytes of one uploaded Markdown file
NOTE_LIMIT = 500  # characters of a review note or reason
DIFF_CONTEXT = 2  # unchanged lines around each change


@dataclass(frozen=True)
class QueueItem:
    """One thing waiting for compliance; `ref` is its row id (the buttons carry it)."""

    kind: ItemKind
    ref: int
    at: datetime
    who: str | None  # author, asker, flagged staff member or voter
    who_name: str | None
    summary: str  # title, question, flagged text
    label: str | None = None  # "KB-X v2" for drafts and 👎, the source for findings


@dataclass(frozen=True)
class InForce:
    """The approved, in-effect version of a document."""

    version_id: int
    version: int
    title: str
    approved_by: str | None
    effective_from: date | None


@dataclass(frozen=True)
class VersionDetail:
    """A version (a draft, or the one in force) and the version in force beside it."""

    version_id: int
    doc_id: str
    version: int
    title: str
    kind: str
    status: str
    author: str | None
    author_name: str | None
    imported_at: datetime
    body: str
    in_force: InForce | None
    diff: tuple[str, ...]  # unified diff against in_force (empty when this is it, or new)
    gap_ids: tuple[int, ...] = ()  # open gaps awaiting this document

    @property
    def label(self) -> str:
        return f"{self.doc_id} v{self.version}"

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"


@dataclass(frozen=True)
class GapDetail:
    gap_id: int
    question: str
    asked_by: str | None
    asker_name: str | None
    asked_at: datetime
    status: str
    best_doc_id: str | None
    doc_id: str | None  # linked document, or the draft awaited
    resolution: str | None
    resolved_by: str | None


@dataclass(frozen=True)
class FindingDetail:
    finding_id: int
    source: str  # note | draft_check
    staff_id: str
    staff_name: str | None
    text: str
    phrases: tuple[str, ...]
    created_at: datetime
    note_id: int | None
    reviewed_by: str | None
    review_note: str | None


@dataclass(frozen=True)
class FeedbackDetail:
    feedback_id: int
    staff_id: str
    staff_name: str | None
    question: str
    doc_id: str | None
    version: int | None
    at: datetime
    reviewed_by: str | None
    review_note: str | None


@dataclass(frozen=True)
class LikedDetail:
    """A 👍 answer offered as a similar question of the document it cited."""

    feedback_id: int
    staff_id: str
    staff_name: str | None
    question: str
    doc_id: str
    version: int | None
    at: datetime
    reviewed_by: str | None  # who adopted or ignored it (None: still waiting)
    adopted: bool  # the question is an approved question of doc_id now


@dataclass(frozen=True)
class Marked:
    """A finding or 👎 marked reviewed; new=False: someone had already marked it."""

    kind: ItemKind
    ref: int
    new: bool
    reviewed_by: str | None


@dataclass(frozen=True)
class UploadRejected:
    """An uploaded file that is not a valid document; nothing was stored."""

    problems: tuple[LoadProblem, ...]


@dataclass(frozen=True)
class Uploaded:
    """A stored draft (new=False: the same text was already a draft of this version)."""

    version_id: int
    doc_id: str
    version: int
    title: str
    claimed_status: str  # what the front matter said (never what was stored)
    new: bool


def version_lines(row: KbVersionRow | DocumentVersion) -> list[str]:
    """A version as lines to compare: its metadata, then its body."""
    tags = row.tags if isinstance(row, DocumentVersion) else tuple(json.loads(row.tags or "[]"))
    meta = [
        ("title", row.title),
        ("kind", row.kind),
        ("language", row.language),
        ("effective_from", row.effective_from),
        ("expires_on", row.expires_on),
        ("product_risk", row.product_risk),
        ("tags", ", ".join(str(t) for t in tags) if tags else None),
    ]
    lines = [f"{key}: {value}" for key, value in meta if value not in (None, "")]
    return [*lines, "", *row.body.strip().splitlines()]


def diff_lines(old: list[str], new: list[str]) -> tuple[str, ...]:
    """A unified diff (hunks only, no file headers) of two versions' lines."""
    diff = difflib.unified_diff(old, new, lineterm="", n=DIFF_CONTEXT)
    return tuple(line for line in diff if not line.startswith(("---", "+++")))


def _in_effect(row: KbVersionRow, today: date) -> bool:
    return (
        row.status == "approved"
        and row.effective_from is not None
        and row.effective_from <= today
        and (row.expires_on is None or today < row.expires_on)
    )


def _in_force(row: KbVersionRow) -> InForce:
    return InForce(row.id, row.version, row.title, row.approved_by, row.effective_from)


def _question_key(text: str) -> str:
    """A question compared as `CurationService` compares similar questions."""
    return normalize_question(text).casefold()


async def _approved_keys(uow: UnitOfWork, doc_ids: set[str]) -> dict[str, set[str]]:
    """Per document, the keys of its approved similar questions: those linked later and those
    listed by its newest version's front matter (what `add_question` would find there)."""
    if not doc_ids:
        return {}
    newest: dict[str, int] = {
        doc_id: version
        for doc_id, version in await uow.session.execute(
            select(KbVersionRow.doc_id, func.max(KbVersionRow.version))
            .where(KbVersionRow.doc_id.in_(doc_ids))
            .group_by(KbVersionRow.doc_id)
        )
    }
    rows = await uow.session.execute(
        select(KbQuestionRow.doc_id, KbQuestionRow.version, KbQuestionRow.question).where(
            KbQuestionRow.doc_id.in_(doc_ids)
        )
    )
    keys: dict[str, set[str]] = {doc_id: set() for doc_id in doc_ids}
    for doc_id, version, question in rows:
        if version is None or version == newest.get(doc_id):
            keys[doc_id].add(_question_key(question))
    return keys


async def _liked_waiting(uow: UnitOfWork) -> list[AnswerFeedbackRow]:
    """👍 answers compliance has not handled whose question is not yet an approved question of
    the cited document: the newest vote per document and question, oldest first."""
    rows = (
        await uow.session.scalars(
            select(AnswerFeedbackRow)
            .where(
                AnswerFeedbackRow.helpful.is_(True),
                AnswerFeedbackRow.reviewed_at.is_(None),
                AnswerFeedbackRow.doc_id.is_not(None),
            )
            .order_by(AnswerFeedbackRow.at, AnswerFeedbackRow.id)
        )
    ).all()
    newest: dict[tuple[str, str], AnswerFeedbackRow] = {}
    for row in rows:
        assert row.doc_id is not None
        key = (row.doc_id, _question_key(row.question))
        if key[1]:
            newest[key] = row  # ordered by time: the last one is the newest
    approved = await _approved_keys(uow, {doc_id for doc_id, _ in newest})
    return [row for (doc_id, key), row in newest.items() if key not in approved[doc_id]]


def _short(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class ReviewService:
    """Reads the review queue and its items; uploads drafts; marks findings and 👎 reviewed."""

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
    async def _staff(uow: UnitOfWork, staff_id: str, roles: tuple[str, ...]) -> StaffRow:
        row = await uow.session.get(StaffRow, staff_id)
        if row is None or not row.active or row.role not in roles:
            raise NotAuthorizedError(f"{staff_id} may not review ({'/'.join(roles)} only)")
        return row

    @staticmethod
    async def _names(uow: UnitOfWork, ids: set[str | None]) -> dict[str, str]:
        wanted = {i for i in ids if i}
        if not wanted:
            return {}
        rows = await uow.session.scalars(select(StaffRow).where(StaffRow.staff_id.in_(wanted)))
        return {r.staff_id: r.name for r in rows}

    # ------------------------------------------------------------------ the queue

    async def queue(self, viewer: str) -> list[QueueItem]:
        """Everything waiting for compliance, oldest first."""
        async with self._uow() as uow:
            await self._staff(uow, viewer, REVIEWERS)
            session = uow.session
            drafts = (
                await session.scalars(select(KbVersionRow).where(KbVersionRow.status == "draft"))
            ).all()
            gaps = (
                await session.scalars(select(ContentGapRow).where(ContentGapRow.status == "open"))
            ).all()
            findings = (
                await session.scalars(
                    select(ComplianceFindingRow).where(ComplianceFindingRow.reviewed_at.is_(None))
                )
            ).all()
            votes = (
                await session.scalars(
                    select(AnswerFeedbackRow).where(
                        AnswerFeedbackRow.helpful.is_(False),
                        AnswerFeedbackRow.reviewed_at.is_(None),
                    )
                )
            ).all()
            liked = await _liked_waiting(uow)
            names = await self._names(
                uow,
                {d.authored_by for d in drafts}
                | {g.asked_by for g in gaps}
                | {f.staff_id for f in findings}
                | {v.staff_id for v in votes}
                | {v.staff_id for v in liked},
            )
            items = [
                QueueItem(
                    "draft",
                    d.id,
                    d.imported_at,
                    d.authored_by,
                    names.get(d.authored_by or ""),
                    d.title,
                    f"{d.doc_id} v{d.version}",
                )
                for d in drafts
            ]
            items += [
                QueueItem(
                    "gap",
                    g.id,
                    g.asked_at,
                    g.asked_by,
                    names.get(g.asked_by or ""),
                    _short(g.question),
                    g.doc_id,
                )
                for g in gaps
            ]
            items += [
                QueueItem(
                    "finding",
                    f.id,
                    f.created_at,
                    f.staff_id,
                    names.get(f.staff_id),
                    _short(f.text),
                    f.source,
                )
                for f in findings
            ]
            items += [
                QueueItem(
                    "feedback",
                    v.id,
                    v.at,
                    v.staff_id,
                    names.get(v.staff_id),
                    _short(v.question),
                    f"{v.doc_id} v{v.version}" if v.doc_id else None,
                )
                for v in votes
            ]
            items += [
                QueueItem(
                    "liked",
                    v.id,
                    v.at,
                    v.staff_id,
                    names.get(v.staff_id),
                    _short(v.question),
                    f"{v.doc_id} v{v.version}" if v.version is not None else v.doc_id,
                )
                for v in liked
            ]
        order = {kind: index for index, kind in enumerate(KINDS)}
        return sorted(items, key=lambda i: (i.at, order[i.kind], i.ref))

    # ------------------------------------------------------------------ items

    async def version(self, version_id: int, viewer: str) -> VersionDetail:
        """A version (usually a draft) with the version in force and the diff between them."""
        async with self._uow() as uow:
            await self._staff(uow, viewer, REVIEWERS)
            row = await uow.session.get(KbVersionRow, version_id)
            if row is None:
                raise NotFoundError(f"version #{version_id}")
            return await self._detail(uow, row)

    async def document(self, doc_id: str, viewer: str) -> VersionDetail:
        """`/review DOC`: its newest draft if it has one, else the version in force."""
        async with self._uow() as uow:
            await self._staff(uow, viewer, REVIEWERS)
            rows = (
                await uow.session.scalars(
                    select(KbVersionRow)
                    .where(KbVersionRow.doc_id == doc_id)
                    .order_by(KbVersionRow.version.desc())
                )
            ).all()
            today = self.today()
            chosen = next((r for r in rows if r.status == "draft"), None) or next(
                (r for r in rows if _in_effect(r, today)), None
            )
            if chosen is None:
                raise UnknownDocumentError(doc_id)
            return await self._detail(uow, chosen)

    async def in_force(self, doc_ids: list[str]) -> dict[str, InForce]:
        """The version in force of each document that has one, in the order asked."""
        if not doc_ids:
            return {}
        today = self.today()
        async with self._uow() as uow:
            rows = (
                await uow.session.scalars(
                    select(KbVersionRow)
                    .where(KbVersionRow.doc_id.in_(doc_ids), KbVersionRow.status == "approved")
                    .order_by(KbVersionRow.version.desc())
                )
            ).all()
            found: dict[str, InForce] = {}
            for row in rows:
                if row.doc_id not in found and _in_effect(row, today):
                    found[row.doc_id] = _in_force(row)
        return {doc_id: found[doc_id] for doc_id in doc_ids if doc_id in found}

    async def _detail(self, uow: UnitOfWork, row: KbVersionRow) -> VersionDetail:
        today = self.today()
        current = (
            await uow.session.scalars(
                select(KbVersionRow)
                .where(KbVersionRow.doc_id == row.doc_id, KbVersionRow.status == "approved")
                .order_by(KbVersionRow.version.desc())
            )
        ).all()
        in_force = next((r for r in current if _in_effect(r, today)), None)
        diff: tuple[str, ...] = ()
        if in_force is not None and in_force.id != row.id:
            diff = diff_lines(version_lines(in_force), version_lines(row))
        gaps = (
            await uow.session.scalars(
                select(ContentGapRow.id).where(
                    ContentGapRow.doc_id == row.doc_id, ContentGapRow.status == "open"
                )
            )
        ).all()
        names = await self._names(uow, {row.authored_by})
        return VersionDetail(
            version_id=row.id,
            doc_id=row.doc_id,
            version=row.version,
            title=row.title,
            kind=row.kind,
            status=row.status,
            author=row.authored_by,
            author_name=names.get(row.authored_by or ""),
            imported_at=row.imported_at,
            body=row.body,
            in_force=_in_force(in_force) if in_force is not None else None,
            diff=diff,
            gap_ids=tuple(gaps),
        )

    async def gap(self, gap_id: int, viewer: str) -> GapDetail:
        async with self._uow() as uow:
            await self._staff(uow, viewer, REVIEWERS)
            row = await uow.session.get(ContentGapRow, gap_id)
            if row is None:
                raise NotFoundError(f"gap #{gap_id}")
            names = await self._names(uow, {row.asked_by})
            return GapDetail(
                row.id,
                row.question,
                row.asked_by,
                names.get(row.asked_by or ""),
                row.asked_at,
                row.status,
                row.best_doc_id,
                row.doc_id,
                row.resolution,
                row.resolved_by,
            )

    async def finding(self, finding_id: int, viewer: str) -> FindingDetail:
        async with self._uow() as uow:
            await self._staff(uow, viewer, REVIEWERS)
            row = await uow.session.get(ComplianceFindingRow, finding_id)
            if row is None:
                raise NotFoundError(f"finding #{finding_id}")
            names = await self._names(uow, {row.staff_id})
            violations = json.loads(row.violations or "[]")
            phrases = tuple(
                dict.fromkeys(
                    str(v.get("phrase") or v.get("matched") or v.get("text") or "")
                    for v in violations
                    if isinstance(v, dict)
                )
            )
            return FindingDetail(
                row.id,
                row.source,
                row.staff_id,
                names.get(row.staff_id),
                row.text,
                tuple(p for p in phrases if p),
                row.created_at,
                row.note_id,
                row.reviewed_by,
                row.review_note,
            )

    async def feedback(self, feedback_id: int, viewer: str) -> FeedbackDetail:
        async with self._uow() as uow:
            await self._staff(uow, viewer, REVIEWERS)
            row = await uow.session.get(AnswerFeedbackRow, feedback_id)
            if row is None or row.helpful:
                raise NotFoundError(f"feedback #{feedback_id}")
            names = await self._names(uow, {row.staff_id})
            return FeedbackDetail(
                row.id,
                row.staff_id,
                names.get(row.staff_id),
                row.question,
                row.doc_id,
                row.version,
                row.at,
                row.reviewed_by,
                row.review_note,
            )

    async def liked(self, feedback_id: int, viewer: str) -> LikedDetail:
        """A 👍 answer as a candidate similar question of the document it cited."""
        async with self._uow() as uow:
            await self._staff(uow, viewer, REVIEWERS)
            row = await self._liked_row(uow, feedback_id)
            assert row.doc_id is not None
            approved = await _approved_keys(uow, {row.doc_id})
            names = await self._names(uow, {row.staff_id})
            return LikedDetail(
                row.id,
                row.staff_id,
                names.get(row.staff_id),
                row.question,
                row.doc_id,
                row.version,
                row.at,
                row.reviewed_by,
                _question_key(row.question) in approved[row.doc_id],
            )

    @staticmethod
    async def _liked_row(uow: UnitOfWork, feedback_id: int) -> AnswerFeedbackRow:
        row = await uow.session.get(AnswerFeedbackRow, feedback_id)
        if row is None or not row.helpful or row.doc_id is None:
            raise NotFoundError(f"liked answer #{feedback_id}")
        return row

    async def adopt_liked(self, feedback_id: int, *, by: str) -> Marked:
        """加为相似问: the 👍 answer's question becomes an approved similar question of the
        cited document (`CurationService.add_question`, source "feedback": journaled there,
        re-indexed everywhere), and every waiting 👍 vote of that document and question
        leaves the queue. new=False: someone had handled it already (nothing changes)."""
        async with self._uow() as uow:
            await self._staff(uow, by, ("compliance",))
            row = await self._liked_row(uow, feedback_id)
            if row.reviewed_at is not None:
                return Marked("liked", feedback_id, False, row.reviewed_by)
            doc_id, question = row.doc_id, row.question
        assert doc_id is not None
        await self._curation.add_question(doc_id, question, by=by, source="feedback")
        return await self._settle_liked(feedback_id, by, journal=False)

    async def ignore_liked(self, feedback_id: int, *, by: str) -> Marked:
        """忽略: the 👍 answer (and the other waiting votes of its document and question) is
        marked reviewed without adding anything (journaled)."""
        async with self._uow() as uow:
            await self._staff(uow, by, REVIEWERS)
            await self._liked_row(uow, feedback_id)
        return await self._settle_liked(feedback_id, by, journal=True)

    async def _settle_liked(self, feedback_id: int, by: str, *, journal: bool) -> Marked:
        """Mark the vote and the waiting votes of its pair reviewed, once (the write first,
        so two presses settle it once)."""
        now = self._clock()
        async with self._uow() as uow:
            done = await uow.session.execute(
                update(AnswerFeedbackRow)
                .where(AnswerFeedbackRow.id == feedback_id, AnswerFeedbackRow.reviewed_at.is_(None))
                .values(reviewed_by=by, reviewed_at=now)
            )
            row = await self._liked_row(uow, feedback_id)
            if getattr(done, "rowcount", 0) != 1:
                return Marked("liked", feedback_id, False, row.reviewed_by)
            key = _question_key(row.question)
            twins = await uow.session.scalars(
                select(AnswerFeedbackRow).where(
                    AnswerFeedbackRow.doc_id == row.doc_id,
                    AnswerFeedbackRow.helpful.is_(True),
                    AnswerFeedbackRow.reviewed_at.is_(None),
                )
            )
            for twin in twins:
                if _question_key(twin.question) == key:
                    twin.reviewed_by, twin.reviewed_at = by, now
            if journal:
                await self._journal.append(
                    by, "review.liked", f"feedback:{feedback_id}", {}, session=uow.session
                )
            await uow.commit()
            return Marked("liked", feedback_id, True, by)

    async def doc_of(self, version_id: int) -> tuple[str, int]:
        """(doc id, version) of a version row (a button carries the row id)."""
        async with self._uow() as uow:
            row = await uow.session.get(KbVersionRow, version_id)
            if row is None:
                raise NotFoundError(f"version #{version_id}")
            return row.doc_id, row.version

    # ------------------------------------------------------------------ marks

    async def mark_finding(self, finding_id: int, *, by: str, note: str | None = None) -> Marked:
        """A flagged draft or note read by compliance (once: a second mark changes nothing)."""
        return await self._mark("finding", ComplianceFindingRow, finding_id, by, note)

    async def mark_feedback(self, feedback_id: int, *, by: str, note: str | None = None) -> Marked:
        """A 👎 answer read by compliance (once)."""
        return await self._mark("feedback", AnswerFeedbackRow, feedback_id, by, note)

    async def _mark(
        self,
        kind: ItemKind,
        table: type[ComplianceFindingRow] | type[AnswerFeedbackRow],
        ref: int,
        by: str,
        note: str | None,
    ) -> Marked:
        note = " ".join((note or "").split())[:NOTE_LIMIT] or None
        now = self._clock()
        async with self._uow() as uow:
            await self._staff(uow, by, REVIEWERS)
            # Write first (the row lock / SQLite's write lock), so two presses mark once.
            done = await uow.session.execute(
                update(table)
                .where(table.id == ref, table.reviewed_at.is_(None))
                .values(reviewed_by=by, reviewed_at=now, review_note=note)
            )
            if getattr(done, "rowcount", 0) != 1:
                earlier: str | None = await uow.session.scalar(
                    select(table.reviewed_by).where(table.id == ref)
                )
                if earlier is None:
                    raise NotFoundError(f"{kind} #{ref}")
                return Marked(kind, ref, False, earlier)
            await self._journal.append(
                by,
                f"review.{kind}",
                f"{kind}:{ref}",
                {"note": note} if note else {},
                session=uow.session,
            )
            await uow.commit()
            return Marked(kind, ref, True, by)

    # ------------------------------------------------------------------ uploads

    async def upload(self, data: bytes, file_name: str, *, by: str) -> Uploaded | UploadRejected:
        """A Markdown file sent by a compliance officer becomes a draft authored by her,
        validated as `kb import` validates (errors by line); never approved by its front
        matter. Refused when its version is already published or older than the one in force."""
        async with self._uow() as uow:
            await self._staff(uow, by, ("compliance",))
        source = file_name[:200]
        if len(data) > UPLOAD_LIMIT:
            return UploadRejected(
                (LoadProblem(source, 0, f"file larger than {UPLOAD_LIMIT // 1024} KB"),)
            )
        unreadable = utf8_text_problem(data)  # empty, GBK, UTF-16, a workbook, binary: named
        if unreadable is not None:
            return UploadRejected((LoadProblem(source, 0, unreadable),))
        text = data.decode("utf-8-sig")
        parsed, problems = parse_document(text, source)
        if parsed is None:
            return UploadRejected(tuple(problems))
        clash = await self._version_clash(parsed)
        if clash is not None:
            return UploadRejected((clash,))
        outcome: ImportOutcome = await self._curation.import_versions(
            [parsed], by=by, origin=f"chat:{source}"
        )
        async with self._uow() as uow:
            row = await uow.session.scalar(
                select(KbVersionRow).where(
                    KbVersionRow.doc_id == parsed.doc_id, KbVersionRow.version == parsed.version
                )
            )
            assert row is not None
            return Uploaded(
                row.id,
                row.doc_id,
                row.version,
                row.title,
                parsed.status,
                new=outcome.unchanged == 0,
            )

    async def _version_clash(self, parsed: DocumentVersion) -> LoadProblem | None:
        async with self._uow() as uow:
            rows = (
                await uow.session.scalars(
                    select(KbVersionRow).where(KbVersionRow.doc_id == parsed.doc_id)
                )
            ).all()
            versions = {r.version: r.status for r in rows}
        published = [v for v, status in versions.items() if status != "draft"]
        same = versions.get(parsed.version)
        if same is not None and same != "draft":
            return LoadProblem(
                parsed.source,
                1,
                f"version {parsed.version} of {parsed.doc_id} is already {same}; "
                "give the new text a higher version",
            )
        newest = max((v for v in published if versions[v] != "rejected"), default=0)
        if same is None and parsed.version < newest:
            return LoadProblem(
                parsed.source,
                1,
                f"version {parsed.version} is older than published version {newest} of "
                f"{parsed.doc_id}",
            )
        return None
