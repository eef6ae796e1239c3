"""The delivery ledger: one row per (staff, day, kind), written before a proactive send.

A row is written `pending` before the message goes out and settled after: `sent` (with
Telegram's message id), `failed` (permanent: bot blocked, chat not found, no account), `missed`
(past the grace window), or uncertain (the request timed out after it may have reached Telegram:
stored as `sent` without a message id and an error starting with "uncertain:"; never resent
automatically, see scheduler/pacing.py). A restart finds the pending rows and sends them once
more; settled rows are never sent again. Delivery is at-least-once, not exactly-once: a crash
between Telegram accepting a message and the settlement being committed sends that message
again (at-least-once beats losing a P1 alert), and `attempts` > 1 on the row shows it happened.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from storage.alert_rows import DeliveryRow
from storage.clock import Clock, utc_now
from storage.uow import UnitOfWorkFactory

# How a queued send ended, once its row is settled (scheduler/outbox.py reports it to callers).
Settled = Literal["sent", "failed", "uncertain"]
UNCERTAIN = "uncertain: "
CLAIM_CHUNK = 500  # recipients per statement of begin_many


@dataclass(frozen=True)
class Delivery:
    id: int
    staff_id: str
    day: date
    kind: str
    status: str
    attempts: int
    started_at: datetime
    completed_at: datetime | None
    message_id: int | None
    error: str | None

    @property
    def uncertain(self) -> bool:
        """Settled without knowing whether Telegram got it (a timeout after sending)."""
        return self.status == "sent" and (self.error or "").startswith(UNCERTAIN)


def _delivery(row: DeliveryRow) -> Delivery:
    return Delivery(
        id=row.id,
        staff_id=row.staff_id,
        day=row.day,
        kind=row.kind,
        status=row.status,
        attempts=row.attempts,
        started_at=row.started_at,
        completed_at=row.completed_at,
        message_id=row.message_id,
        error=row.error,
    )


class DeliveryLedger:
    """Claims, completes and reports proactive sends."""

    def __init__(self, uow: UnitOfWorkFactory, *, clock: Clock = utc_now) -> None:
        self._uow = uow
        self._clock = clock

    async def begin(self, staff_id: str, day: date, kind: str) -> Delivery | None:
        """Write (or find) the pending row before sending; None when it is already settled."""
        for _ in range(2):  # a concurrent insert of the same key: read it back once
            async with self._uow() as uow:
                row = await uow.session.scalar(
                    select(DeliveryRow).where(
                        DeliveryRow.staff_id == staff_id,
                        DeliveryRow.day == day,
                        DeliveryRow.kind == kind,
                    )
                )
                if row is None:
                    row = DeliveryRow(
                        staff_id=staff_id,
                        day=day,
                        kind=kind,
                        status="pending",
                        started_at=self._clock(),
                        attempts=1,
                    )
                    uow.session.add(row)
                elif row.status != "pending":
                    return None
                else:
                    row.attempts += 1
                try:
                    await uow.commit()
                except IntegrityError:
                    continue
                return _delivery(row)
        return None

    async def begin_many(self, staff_ids: Sequence[str], day: date, kind: str) -> list[Delivery]:
        """`begin` for many recipients of one (day, kind), set-based: one INSERT … ON CONFLICT
        DO NOTHING writes the missing rows, one UPDATE … RETURNING counts the attempt of every
        row still pending; settled rows are left out. Chunked to stay under parameter limits."""
        out: list[Delivery] = []
        now = self._clock()
        for start in range(0, len(staff_ids), CLAIM_CHUNK):
            part = list(dict.fromkeys(staff_ids[start : start + CLAIM_CHUNK]))
            async with self._uow() as uow:
                session = uow.session
                dialect = session.get_bind().dialect.name
                make_insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
                await session.execute(
                    make_insert(DeliveryRow)
                    .values(
                        [
                            {
                                "staff_id": staff_id,
                                "day": day,
                                "kind": kind,
                                "status": "pending",
                                "started_at": now,
                                "attempts": 0,
                            }
                            for staff_id in part
                        ]
                    )
                    .on_conflict_do_nothing(index_elements=["staff_id", "day", "kind"])
                )
                rows = await session.scalars(
                    update(DeliveryRow)
                    .where(
                        DeliveryRow.day == day,
                        DeliveryRow.kind == kind,
                        DeliveryRow.status == "pending",
                        DeliveryRow.staff_id.in_(part),
                    )
                    .values(attempts=DeliveryRow.attempts + 1)
                    .returning(DeliveryRow),
                    execution_options={"populate_existing": True},
                )
                claimed = [_delivery(r) for r in rows.all()]
                await uow.commit()
            order = {staff_id: i for i, staff_id in enumerate(part)}
            out += sorted(claimed, key=lambda d: order[d.staff_id])
        return out

    async def complete(self, delivery_id: int, message_id: int | None) -> None:
        """The message went out: record Telegram's message id."""
        await self._settle(delivery_id, "sent", message_id=message_id)

    async def fail(self, delivery_id: int, error: str) -> None:
        """A permanent failure (blocked, chat not found, no Telegram account): never retried."""
        await self._settle(delivery_id, "failed", error=error[:500])

    async def uncertain(self, delivery_id: int, error: str) -> None:
        """The request timed out after it may have reached Telegram: settled, never resent.

        Kept as `sent` without a message id (the status column allows no fifth value without a
        migration); `Delivery.uncertain` tells it apart."""
        await self._settle(delivery_id, "sent", error=(UNCERTAIN + error)[:500])

    async def _settle(
        self,
        delivery_id: int,
        status: str,
        *,
        message_id: int | None = None,
        error: str | None = None,
    ) -> None:
        async with self._uow() as uow:
            row = await uow.session.get(DeliveryRow, delivery_id)
            if row is None or row.status != "pending":
                return
            row.status = status
            row.completed_at = self._clock()
            row.message_id = message_id
            row.error = error
            await uow.commit()

    async def mark_missed(self, staff_id: str, day: date, kind: str, reason: str) -> bool:
        """Record that a send was not made in time; True only the first time (report once)."""
        async with self._uow() as uow:
            row = await uow.session.scalar(
                select(DeliveryRow).where(
                    DeliveryRow.staff_id == staff_id,
                    DeliveryRow.day == day,
                    DeliveryRow.kind == kind,
                )
            )
            now = self._clock()
            if row is None:
                uow.session.add(
                    DeliveryRow(
                        staff_id=staff_id,
                        day=day,
                        kind=kind,
                        status="missed",
                        started_at=now,
                        completed_at=now,
                        attempts=0,
                        error=reason[:500],
                    )
                )
            elif row.status == "pending":
                row.status = "missed"
                row.completed_at = now
                row.error = reason[:500]
            else:
                return False
            try:
                await uow.commit()
            except IntegrityError:
                return False
            return True

    async def get(self, staff_id: str, day: date, kind: str) -> Delivery | None:
        async with self._uow() as uow:
            row = await uow.session.scalar(
                select(DeliveryRow).where(
                    DeliveryRow.staff_id == staff_id,
                    DeliveryRow.day == day,
                    DeliveryRow.kind == kind,
                )
            )
            return _delivery(row) if row else None

    async def on_day(self, day: date, kinds: Iterable[str] | None = None) -> list[Delivery]:
        """Every ledger row of a day (optionally only some kinds), oldest first."""
        async with self._uow() as uow:
            query = select(DeliveryRow).where(DeliveryRow.day == day)
            if kinds is not None:
                query = query.where(DeliveryRow.kind.in_(list(kinds)))
            rows = await uow.session.scalars(query.order_by(DeliveryRow.id))
            return [_delivery(r) for r in rows]
