"""What staff tell us about the bot's help: 👍/👎 on answers, and draft-check findings for
compliance review.

Feedback is one row per staff member and answer message (bot id, chat id, message id: a new bot
token or console session numbers its messages again and must not meet an old vote): pressing
👍 twice (or Telegram delivering the press twice) records it once; switching to 👎 updates that
row. A draft-check finding is recorded once per /check message (bot id, chat id, message id),
and otherwise once per staff member and identical draft text while it is unreviewed, so a
replayed /check (or checking the same draft again, or an edited /check) does not queue it twice.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from audit import Journal
from storage.activity_rows import AnswerFeedbackRow, ComplianceFindingRow
from storage.clock import Clock, utc_now
from storage.uow import UnitOfWorkFactory

FeedbackStatus = Literal["recorded", "unchanged", "changed"]


@dataclass(frozen=True)
class FeedbackReceipt:
    feedback_id: int
    helpful: bool
    status: FeedbackStatus  # recorded: new row; unchanged: same vote again; changed: vote flipped


@dataclass(frozen=True)
class FindingReceipt:
    finding_id: int
    new: bool


@dataclass(frozen=True)
class Finding:
    finding_id: int
    source: str
    staff_id: str
    text: str
    violations: tuple[Mapping[str, Any], ...]
    created_at: datetime


class FeedbackService:
    """Records answer feedback and draft-check findings; each call is one short transaction."""

    def __init__(
        self, uow: UnitOfWorkFactory, *, clock: Clock = utc_now, journal: Journal | None = None
    ) -> None:
        self._uow = uow
        self._clock = clock
        # Feedback and findings are journaled in the transaction that stores them (DESIGN §9).
        self._journal = journal if journal is not None else Journal(uow, clock=clock)

    async def record_answer_feedback(
        self,
        *,
        staff_id: str,
        chat_id: int,
        message_id: int,
        question: str,
        bot_id: int = 0,
        doc_id: str | None,
        version: int | None,
        helpful: bool,
    ) -> FeedbackReceipt:
        """👍 (helpful) or 👎 on the answer message (bot_id, chat_id, message_id); idempotent per
        staff member and message. bot_id 0 is "no bot" (tools, tests)."""
        # Insert first: a transaction that starts by writing waits for a concurrent writer
        # (SQLite busy timeout) instead of failing on a stale read snapshot. The unique key
        # (bot_id, chat_id, message_id, staff_id) turns a second press into an IntegrityError.
        try:
            async with self._uow() as uow:
                row = AnswerFeedbackRow(
                    staff_id=staff_id,
                    question=question,
                    doc_id=doc_id,
                    version=version,
                    helpful=helpful,
                    bot_id=bot_id,
                    chat_id=chat_id,
                    message_id=message_id,
                    at=self._clock(),
                )
                uow.session.add(row)
                await uow.session.flush()
                await self._feedback_entry(uow.session, row, "recorded")
                await uow.commit()
                return FeedbackReceipt(row.id, helpful, "recorded")
        except IntegrityError:
            pass
        async with self._uow() as uow:
            existing = await uow.session.scalar(
                select(AnswerFeedbackRow).where(
                    AnswerFeedbackRow.staff_id == staff_id,
                    AnswerFeedbackRow.bot_id == bot_id,
                    AnswerFeedbackRow.chat_id == chat_id,
                    AnswerFeedbackRow.message_id == message_id,
                )
            )
            if existing is None:  # pragma: no cover - the conflicting row cannot disappear
                raise RuntimeError("answer feedback vanished")
            if existing.helpful == helpful:
                return FeedbackReceipt(existing.id, helpful, "unchanged")
            existing.helpful = helpful
            existing.at = self._clock()
            await self._feedback_entry(uow.session, existing, "changed")
            await uow.commit()
            return FeedbackReceipt(existing.id, helpful, "changed")

    async def _feedback_entry(
        self, session: AsyncSession, row: AnswerFeedbackRow, outcome: str
    ) -> None:
        await self._journal.append(
            row.staff_id,
            "kb.feedback",
            f"answer:{row.bot_id}:{row.chat_id}:{row.message_id}",
            {"doc": row.doc_id, "version": row.version, "helpful": row.helpful, "outcome": outcome},
            session=session,
        )

    async def feedback_count(self, staff_id: str | None = None) -> int:
        """How many answers have feedback (from one staff member, or from everyone)."""
        async with self._uow() as uow:
            query = select(AnswerFeedbackRow.id)
            if staff_id is not None:
                query = query.where(AnswerFeedbackRow.staff_id == staff_id)
            return len((await uow.session.scalars(query)).all())

    async def record_draft_findings(
        self,
        *,
        staff_id: str,
        text: str,
        violations: Sequence[Mapping[str, Any]],
        key: tuple[int, int, int] | None = None,
    ) -> FindingReceipt:
        """Queue a checked draft's violations (the checker's JSON items) for compliance review.

        key is the /check message (bot_id, chat_id, message_id), unique in the table: two
        deliveries of one /check, even concurrent ones, record one finding."""
        try:
            return await self._record_draft(staff_id, text, violations, key)
        except IntegrityError:  # a concurrent delivery of the same /check stored it first
            if key is None:
                raise
        found = await self._finding_by_key(key)
        if found is None:  # pragma: no cover - the conflicting row cannot disappear
            raise RuntimeError("draft finding vanished")
        return FindingReceipt(found, new=False)

    async def _finding_by_key(self, key: tuple[int, int, int]) -> int | None:
        bot_id, chat_id, message_id = key
        async with self._uow() as uow:
            found: int | None = await uow.session.scalar(
                select(ComplianceFindingRow.id).where(
                    ComplianceFindingRow.bot_id == bot_id,
                    ComplianceFindingRow.chat_id == chat_id,
                    ComplianceFindingRow.message_id == message_id,
                )
            )
            return found

    async def _record_draft(
        self,
        staff_id: str,
        text: str,
        violations: Sequence[Mapping[str, Any]],
        key: tuple[int, int, int] | None,
    ) -> FindingReceipt:
        if key is not None and (found := await self._finding_by_key(key)) is not None:
            return FindingReceipt(found, new=False)
        async with self._uow() as uow:
            existing = await uow.session.scalar(
                select(ComplianceFindingRow.id).where(
                    ComplianceFindingRow.staff_id == staff_id,
                    ComplianceFindingRow.source == "draft_check",
                    ComplianceFindingRow.reviewed_at.is_(None),
                    ComplianceFindingRow.text == text,
                )
            )
            if existing is not None:
                return FindingReceipt(existing, new=False)
            row = ComplianceFindingRow(
                source="draft_check",
                staff_id=staff_id,
                violations=json.dumps([dict(v) for v in violations], ensure_ascii=False),
                text=text,
                created_at=self._clock(),
            )
            if key is not None:
                row.bot_id, row.chat_id, row.message_id = key
            uow.session.add(row)
            await uow.session.flush()
            await self._journal.append(
                staff_id,
                "kb.finding",
                f"finding:{row.id}",
                {"source": "draft_check", "violations": len(violations)},
                session=uow.session,
            )
            await uow.commit()
            return FindingReceipt(row.id, new=True)

    async def findings(self, *, source: str | None = None) -> list[Finding]:
        """Recorded findings, oldest first (for compliance review and tests)."""
        async with self._uow() as uow:
            query = select(ComplianceFindingRow).order_by(ComplianceFindingRow.id)
            if source is not None:
                query = query.where(ComplianceFindingRow.source == source)
            rows = (await uow.session.scalars(query)).all()
            return [
                Finding(
                    r.id,
                    r.source,
                    r.staff_id,
                    r.text,
                    tuple(json.loads(r.violations)),
                    r.created_at,
                )
                for r in rows
            ]
