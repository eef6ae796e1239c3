"""Delivering notices owed to staff (knowledge_base/notices.py) on the one outgoing path, in
the recipient's language, once each (ledger kind `ntc:<id>`, on the day the notice was written).

The scheduler's notices sweep delivers every pending notice (so an act through `ambot kb`, in a
process without Telegram, reaches its recipient from the running bot); a chat act delivers its
own notices at once. A notice is marked sent once its ledger row is settled; a recipient without
Telegram keeps hers pending for a week (knowledge_base/notices.KEEP_TRYING)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from crm.errors import NotFoundError as StaffNotFoundError
from handlers.context import AmbotApplication, OnSettled
from handlers.render.notices import notice_view
from knowledge_base.notices import Notice
from runtime.ledger import Settled

log = logging.getLogger(__name__)


async def deliver_notices(
    app: AmbotApplication, ids: Iterable[int] | None = None, *, wait: bool = False
) -> int:
    """Queue the pending notices (only `ids` when given); how many were queued now.
    wait=True (a chat act): return once they are out."""
    state = app.bot_data.scheduler
    if state is None:
        return 0  # no outbox in this process: the running bot's sweep delivers them
    services = app.bot_data.services
    queue = services.curation.notices
    queued = 0
    for notice in await queue.pending(ids):
        try:
            member = await services.staff.get(notice.staff_id)
        except StaffNotFoundError:
            await queue.mark_sent(notice.id)
            continue
        day = notice.created_at.date()
        done = await services.deliveries.get(member.staff_id, day, notice.ledger_kind)
        if done is not None and done.status != "pending":
            await queue.mark_sent(notice.id)  # settled before its mark was written
            continue
        view = notice_view(notice, member.language)
        if view is None:
            log.warning("notice %s of unknown kind %s left pending", notice.id, notice.kind)
            continue
        if await state.outbox.deliver(
            member,
            day,
            notice.ledger_kind,
            view,
            urgent=True,
            wait=wait,
            on_settled=_mark_sent(app, notice),
        ):
            queued += 1
    return queued


def _mark_sent(app: AmbotApplication, notice: Notice) -> OnSettled:
    async def settled(_outcome: Settled) -> None:
        await app.bot_data.services.curation.notices.mark_sent(notice.id)

    return settled
