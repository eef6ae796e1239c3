"""What answering a manager's question needs beyond the ranking (knowledge_base/answering.py):

- `section(doc_id, version, key)`: one section of an approved version, re-fetched when an
  "alternative" button is pressed — only while that version is still approved and in effect;
- `disclosure_for(risk)`: the approved risk disclosure for an R level (suitability warnings);
- `citation_for(doc_id)`: the current approved version of a script a lexicon entry suggests;
- `submit_gap(question, asked_by)`: the manager's confirmed 「提交给合规」, queued once.

A section is addressed by a short key derived from its heading path, not by chunk position, so
the key survives re-tuning the search chunk size (buttons keep working across re-indexing).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select

from knowledge_base.answering import Citation, RankedResult
from knowledge_base.curation import CurationService
from knowledge_base.gap_queue import GapReceipt
from knowledge_base.text import clean_text
from retrieval import chunk_markdown
from storage.clock import Clock, utc_now
from storage.kb_rows import KbVersionRow
from storage.uow import UnitOfWorkFactory

KEY_LENGTH = 6


def section_key(section: str) -> str:
    """A short, stable key for a section heading path (hex; fits packed callback data)."""
    return hashlib.sha1(section.encode("utf-8"), usedforsecurity=False).hexdigest()[:KEY_LENGTH]


@dataclass(frozen=True)
class ApprovedSection:
    """Approved text to show a manager, with everything its citation needs."""

    doc_id: str
    version: int
    title: str
    section: str
    text: str
    kind: str
    product_risk: str | None
    approved_by: str
    effective_from: date

    @property
    def citation(self) -> Citation:
        return Citation(
            self.doc_id, self.version, self.title, self.approved_by, self.effective_from
        )

    @property
    def key(self) -> str:
        return section_key(self.section)

    @classmethod
    def from_result(cls, result: RankedResult) -> ApprovedSection:
        return cls(
            result.doc_id,
            result.version,
            result.title,
            result.section,
            result.text,
            result.kind,
            result.product_risk,
            result.approved_by,
            result.effective_from,
        )


def _in_effect(row: KbVersionRow, today: date) -> bool:
    return (
        row.effective_from is not None
        and row.effective_from <= today
        and (row.expires_on is None or today < row.expires_on)
    )


def _whole(row: KbVersionRow) -> ApprovedSection:
    """The whole version as one "section" (read inside the unit of work)."""
    assert row.approved_by is not None and row.effective_from is not None
    return ApprovedSection(
        row.doc_id,
        row.version,
        row.title,
        "",
        row.body,
        row.kind,
        row.product_risk,
        row.approved_by,
        row.effective_from,
    )


class AskingService:
    """Re-fetches approved sections and disclosures, and queues confirmed content gaps."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        curation: CurationService,
        *,
        clock: Clock | None = None,
        timezone: str = "Asia/Shanghai",
    ) -> None:
        self._uow = uow
        self._curation = curation
        self._clock = clock or utc_now
        self._tz = ZoneInfo(timezone)

    def today(self) -> date:
        return self._clock().astimezone(self._tz).date()

    async def _approved(self, doc_id: str, version: int | None = None) -> ApprovedSection | None:
        """The approved version (the given one, or the newest) of doc_id in effect today."""
        query = select(KbVersionRow).where(
            KbVersionRow.doc_id == doc_id, KbVersionRow.status == "approved"
        )
        if version is not None:
            query = query.where(KbVersionRow.version == version)
        today = self.today()
        async with self._uow() as uow:
            rows = (await uow.session.scalars(query.order_by(KbVersionRow.version.desc()))).all()
            return next((_whole(r) for r in rows if _in_effect(r, today)), None)

    async def section(self, doc_id: str, version: int, key: str) -> ApprovedSection | None:
        """That section of doc_id vN, or None if the version is no longer served (or no such key)."""
        whole = await self._approved(doc_id, version)
        if whole is None:
            return None
        chunks = [c for c in chunk_markdown(whole.text) if section_key(c.section) == key]
        if not chunks:
            return None
        text = whole.text[chunks[0].start : chunks[-1].end].strip()
        return ApprovedSection(
            whole.doc_id,
            whole.version,
            whole.title,
            chunks[0].section,
            text,
            whole.kind,
            whole.product_risk,
            whole.approved_by,
            whole.effective_from,
        )

    async def disclosure_for(self, product_risk: str) -> ApprovedSection | None:
        """The whole approved risk disclosure (kind "disclosure") for that R level, if any."""
        today = self.today()
        async with self._uow() as uow:
            rows = (
                await uow.session.scalars(
                    select(KbVersionRow)
                    .where(
                        KbVersionRow.kind == "disclosure",
                        KbVersionRow.product_risk == product_risk,
                        KbVersionRow.status == "approved",
                    )
                    .order_by(KbVersionRow.effective_from.desc(), KbVersionRow.version.desc())
                )
            ).all()
            whole = next((_whole(r) for r in rows if _in_effect(r, today)), None)
        return replace(whole, text=whole.text.strip()) if whole is not None else None

    async def citation_for(self, doc_id: str) -> Citation | None:
        """The citation of doc_id's approved version in effect today, if it has one."""
        whole = await self._approved(doc_id)
        return whole.citation if whole is not None else None

    async def submit_gap(self, question: str, *, asked_by: str) -> GapReceipt:
        """Queue the question for compliance once: while it is open, the same question from
        the same person (a double press, a replayed update, another process) is not queued
        again — the database decides (knowledge_base/gap_queue.py)."""
        cleaned = clean_text(question)
        if not cleaned:
            raise ValueError("empty question")
        return await self._curation.queue_gap(cleaned, asked_by=asked_by, asked_at=self._clock())
