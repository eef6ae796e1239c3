"""Only one process runs the scheduler: it holds the `scheduler_lock` row and renews it.

The row names its owner and an expiry. A holder renews before the expiry; another process takes
over only once the row has expired (the holder crashed), so two pollers on one database never
both send the morning briefings.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from storage.alert_rows import SchedulerLockRow
from storage.clock import Clock, utc_now
from storage.uow import UnitOfWorkFactory

LOCK_NAME = "scheduler"


def process_owner() -> str:
    """host:pid:random — unique per process start, readable in the row and in logs."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class LockState:
    acquired: bool
    owner: str  # the current holder (us when acquired)
    expires_at: datetime


class SchedulerLock:
    """Acquire / renew / release the one scheduler lock for `owner`."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        *,
        owner: str | None = None,
        ttl_seconds: int = 180,
        clock: Clock = utc_now,
        name: str = LOCK_NAME,
    ) -> None:
        self._uow = uow
        self.owner = owner or process_owner()
        self._ttl = timedelta(seconds=ttl_seconds)
        self._clock = clock
        self._name = name

    async def acquire(self) -> LockState:
        """Take the lock if free or expired, renew it if ours; otherwise report the holder."""
        now = self._clock()
        expires = now + self._ttl
        async with self._uow() as uow:
            taken = await uow.session.execute(
                update(SchedulerLockRow)
                .where(
                    SchedulerLockRow.name == self._name,
                    or_(SchedulerLockRow.owner == self.owner, SchedulerLockRow.expires_at < now),
                )
                .values(owner=self.owner, acquired_at=now, expires_at=expires)
            )
            if taken.rowcount == 1:  # type: ignore[attr-defined]
                await uow.commit()
                return LockState(True, self.owner, expires)
            holder = await uow.session.get(SchedulerLockRow, self._name)
            if holder is None:
                uow.session.add(
                    SchedulerLockRow(
                        name=self._name, owner=self.owner, acquired_at=now, expires_at=expires
                    )
                )
                try:
                    await uow.commit()
                    return LockState(True, self.owner, expires)
                except IntegrityError:
                    pass
        async with self._uow() as uow:
            row = await uow.session.scalar(
                select(SchedulerLockRow).where(SchedulerLockRow.name == self._name)
            )
            if row is None:  # released between our two reads: try once more next renewal
                return LockState(False, "", now)
            return LockState(row.owner == self.owner, row.owner, row.expires_at)

    renew = acquire

    async def release(self) -> None:
        """Give the lock up (clean shutdown) so another process may take over at once."""
        async with self._uow() as uow:
            await uow.session.execute(
                delete(SchedulerLockRow).where(
                    SchedulerLockRow.name == self._name, SchedulerLockRow.owner == self.owner
                )
            )
            await uow.commit()
