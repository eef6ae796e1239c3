"""Each update is handled by one process, even when several serve one bot on one database.

Several `ambot run --webhook` processes behind one address share the updates; Telegram sends a
copy again when an answer came late, and that copy may reach another process. Before anything
else (group −120, ahead of the journal and the guard) the process claims the update's id on the
database: a row `update:<bot id>:<update id>` in the lease table the scheduler lock uses, taken
by insert-first (the primary key decides between two processes). A copy whose id is already
claimed is dropped, so it is neither answered nor journaled twice. The claim is made after PTB
has acknowledged the update to Telegram, so a process that dies while handling it was never going
to see it again anyway. Claims expire after a day (Telegram keeps an update no longer); each
process deletes the expired ones at its first update and then every 1,000th.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from sqlalchemy import delete
from telegram import Update
from telegram.ext import ApplicationHandlerStop, TypeHandler

from handlers.context import AmbotApplication, AppContext
from runtime.lock import SchedulerLock, process_owner
from storage.alert_rows import SchedulerLockRow
from storage.clock import utc_now
from storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

CLAIM_GROUP = -120  # before the journal (−110) and the guard (−100)
CLAIM_SECONDS = 24 * 3600
PREFIX = "update:"
CLEANUP_EVERY = 1000  # updates between two deletions of expired claims


def claim_name(bot_id: str, update_id: int) -> str:
    return f"{PREFIX}{bot_id}:{update_id}"


def install(app: AmbotApplication, uow: UnitOfWorkFactory) -> None:
    """Drop an update another process (or this one) has already claimed."""
    owner = process_owner()
    bot_id = app.bot.token.split(":", 1)[0]
    claimed = [0]  # updates seen by this process

    async def claim(update: Update, context: AppContext) -> None:
        lease = SchedulerLock(
            uow,
            owner=f"{owner}:{uuid.uuid4().hex[:8]}",  # a copy to this same process is refused too
            ttl_seconds=CLAIM_SECONDS,
            name=claim_name(bot_id, update.update_id),
        )
        claimed[0] += 1
        if claimed[0] % CLEANUP_EVERY == 1:  # the first update, then every CLEANUP_EVERY
            await delete_expired(uow)
        if not (await lease.acquire()).acquired:
            log.info("update %s is handled by another process: dropped", update.update_id)
            raise ApplicationHandlerStop

    app.add_handler(TypeHandler(Update, claim), group=CLAIM_GROUP)


async def delete_expired(uow: UnitOfWorkFactory, *, grace: timedelta = timedelta(0)) -> int:
    """Delete update claims past their expiry; returns how many."""
    async with uow() as work:
        result = await work.session.execute(
            delete(SchedulerLockRow).where(
                SchedulerLockRow.name.startswith(PREFIX),
                SchedulerLockRow.expires_at < utc_now() - grace,
            )
        )
        await work.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
