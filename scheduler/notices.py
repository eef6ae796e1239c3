"""The notices sweep: what curation acts owe staff (a gap answered, a draft rejected), queued by
the domain service in the act's transaction from any process — `ambot kb approve|reject` cannot
send Telegram messages — and delivered here by the running bot (handlers/notices.py)."""

from __future__ import annotations

from handlers.context import AppContext
from handlers.notices import deliver_notices

NOTICES_JOB = "notices:sweep"
NOTICES_SWEEP_SECONDS = 10.0


async def deliver_pending_notices(context: AppContext) -> None:
    """Repeating job: every notice still owed goes out on the outbox, once."""
    await deliver_notices(context.application)
