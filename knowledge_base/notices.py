"""Messages owed to staff about curation acts: her content gap answered, her draft rejected.

A notice is written in the transaction of the act (`queue_notice`), by the domain service that
does it, whichever door the act came through: a button in /review, or `ambot kb approve|reject`
in a process that cannot send Telegram messages. The running bot delivers it (the notices sweep,
and at once after an act in chat) on the outbox, once per notice (ledger kind `ntc:<id>`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.clock import Clock, utc_now
from storage.kb_rows import KbNoticeRow
from storage.uow import UnitOfWorkFactory

KEEP_TRYING = timedelta(days=7)  # an undelivered notice (no Telegram account yet) is given up after
BATCH = 200


@dataclass(frozen=True)
class Notice:
    id: int
    staff_id: str
    kind: str  # gap_answered | draft_rejected
    body: dict[str, Any]
    created_at: datetime

    @property
    def ledger_kind(self) -> str:
        return f"ntc:{self.id}"


async def queue_notice(
    session: AsyncSession, staff_id: str, kind: str, body: dict[str, Any], at: datetime
) -> int:
    """Owe staff_id a message, in the caller's transaction; returns the notice's id."""
    row = KbNoticeRow(
        staff_id=staff_id,
        kind=kind,
        body=json.dumps(body, ensure_ascii=False, sort_keys=True),
        created_at=at,
    )
    session.add(row)
    await session.flush()
    return row.id


def _notice(row: KbNoticeRow) -> Notice:
    return Notice(row.id, row.staff_id, row.kind, json.loads(row.body), row.created_at)


class NoticeQueue:
    """Read the notices still owed and mark them delivered."""

    def __init__(self, uow: UnitOfWorkFactory, *, clock: Clock = utc_now) -> None:
        self._uow = uow
        self._clock = clock

    async def pending(self, ids: Iterable[int] | None = None) -> list[Notice]:
        """Undelivered notices of the last week, oldest first (only `ids` when given)."""
        query = (
            select(KbNoticeRow)
            .where(
                KbNoticeRow.sent_at.is_(None),
                KbNoticeRow.created_at >= self._clock() - KEEP_TRYING,
            )
            .order_by(KbNoticeRow.id)
            .limit(BATCH)
        )
        if ids is not None:
            wanted = list(ids)
            if not wanted:
                return []
            query = query.where(KbNoticeRow.id.in_(wanted))
        async with self._uow() as uow:
            return [_notice(r) for r in await uow.session.scalars(query)]

    async def mark_sent(self, notice_id: int) -> None:
        """The notice's message went out (or failed for good): do not read it again."""
        async with self._uow() as uow:
            await uow.session.execute(
                update(KbNoticeRow)
                .where(KbNoticeRow.id == notice_id, KbNoticeRow.sent_at.is_(None))
                .values(sent_at=self._clock())
            )
            await uow.commit()
