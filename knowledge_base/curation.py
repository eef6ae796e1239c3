"""Curation: documents arrive as drafts unless approved by active compliance staff; the newest
approved version of a document supersedes older ones; only approved, in-effect text is served.

Every transition (imported, approved, superseded, retired) is recorded with actor and time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select

from knowledge_base.documents import DocumentVersion, load_directory
from knowledge_base.errors import NotAuthorizedError, NotFoundError, UsageError
from storage.clock import Clock, utc_now
from storage.kb_rows import ContentGapRow, KbCurationEventRow, KbVersionRow
from storage.rows import StaffRow
from storage.uow import UnitOfWork, UnitOfWorkFactory


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


class CurationService:
    """Import, approve, retire and list knowledge-base documents."""

    def __init__(
        self, uow: UnitOfWorkFactory, *, clock: Clock | None = None, timezone: str = "Asia/Shanghai"
    ):
        from zoneinfo import ZoneInfo

        self._uow = uow
        self._clock = clock or utc_now
        self._tz = ZoneInfo(timezone)

    def today(self) -> date:
        return self._clock().astimezone(self._tz).date()

    async def _compliance_officer(self, uow: UnitOfWork, staff_id: str | None) -> StaffRow | None:
        if not staff_id:
            return None
        row = await uow.session.get(StaffRow, staff_id)
        if row is None or not row.active or row.role != "compliance":
            return None
        return row

    async def import_directory(self, directory: Path) -> ImportOutcome:
        """Load every file (strictly) and store new versions; all files or none."""
        versions = load_directory(directory)
        return await self.import_versions(versions)

    async def import_versions(self, versions: Iterable[DocumentVersion]) -> ImportOutcome:
        now = self._clock()
        added = updated = unchanged = 0
        approved: list[str] = []
        drafts: list[str] = []
        retired: list[str] = []
        async with self._uow() as uow:
            session = uow.session
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
            for v in versions:
                label = f"{v.doc_id} v{v.version}"
                row = existing.get((v.doc_id, v.version))
                status, reason = v.status, None
                if (
                    v.status == "approved"
                    and await self._compliance_officer(uow, v.approved_by) is None
                ):
                    status = "draft"
                    reason = f"approver {v.approved_by} is not an active compliance officer"
                if row is not None and row.content_hash == v.content_hash:
                    if status == "retired" and row.status != "retired":
                        row.status = "retired"
                        await self._event(uow, row, "retired", None, now, "retired in source file")
                        retired.append(label)
                    elif status == "approved" and row.status == "draft":
                        self._apply_approval(row, v.approved_by, v.approved_at, now)
                        await self._event(
                            uow, row, "approved", v.approved_by, now, "approved in source file"
                        )
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
                await session.flush()
                await self._event(uow, row, "imported", None, now, v.source)
                if status == "approved":
                    await self._event(
                        uow, row, "approved", v.approved_by, now, "approved in source file"
                    )
                    approved.append(label)
                    touched.add(v.doc_id)
                elif status == "retired":
                    retired.append(label)
                else:
                    drafts.append(f"{label}: {reason or 'draft in source file'}")
            for doc_id in sorted(touched):
                await self._supersede_older(uow, doc_id, now)
            await uow.commit()
        return ImportOutcome(
            added, updated, unchanged, tuple(approved), tuple(drafts), tuple(retired)
        )

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
            if await self._compliance_officer(uow, by) is None:
                raise NotAuthorizedError(f"{by} is not an active compliance officer")
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
            self._apply_approval(row, by, None, now)
            await self._event(uow, row, "approved", by, now, None)
            await uow.session.flush()
            await self._supersede_older(uow, doc_id, now)
            await uow.commit()
            return _summary(row)

    async def retire(self, doc_id: str, *, by: str | None = None) -> list[VersionSummary]:
        """Retire every approved version of doc_id: it is no longer served."""
        now = self._clock()
        async with self._uow() as uow:
            if by is not None and await self._compliance_officer(uow, by) is None:
                raise NotAuthorizedError(f"{by} is not an active compliance officer")
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
                await self._event(uow, row, "retired", by, now, None)
            await uow.commit()
            return [_summary(r) for r in live]

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
            return [t for t in (_approved_text(r) for r in rows) if t.in_effect(day)]

    async def record_gap(
        self,
        question: str,
        *,
        asked_by: str | None,
        best_doc_id: str | None,
        best_score: float | None,
    ) -> int:
        """Queue an unanswered question for compliance; returns its id."""
        async with self._uow() as uow:
            row = ContentGapRow(
                question=question[:2000],
                asked_by=asked_by,
                asked_at=self._clock(),
                best_doc_id=best_doc_id,
                best_score=best_score,
            )
            uow.session.add(row)
            await uow.commit()
            return row.id

    async def open_gaps(self) -> list[tuple[int, str, str | None, datetime]]:
        async with self._uow() as uow:
            rows = await uow.session.scalars(
                select(ContentGapRow)
                .where(ContentGapRow.status == "open")
                .order_by(ContentGapRow.id)
            )
            return [(r.id, r.question, r.asked_by, r.asked_at) for r in rows]
