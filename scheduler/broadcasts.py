"""Broadcasts (issue 14), the timed half: the sweep that shows pending tallies and sends the
reports of who has not acknowledged (to the sender, and to each of their supervisors), the
resumption of fan-outs cut short, and the document lookup BroadcastService is built with (crm
does not import the knowledge base). The fan-out itself is handlers/broadcast.py's, on the same
paced outbox: /broadcast starts it in the background."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from crm.broadcasts import BroadcastRefusedError, DocumentLookup, TalkingPoints, report_kind
from handlers.broadcast import edit_tally, fan_out
from handlers.context import AmbotApplication, AppContext
from handlers.render.broadcast import report_view, supervisor_ping_view
from knowledge_base.curation import CurationService
from scheduler.state import outbox_of

log = logging.getLogger(__name__)
SWEEP_JOB = "broadcasts:sweep"
# How long the process that started a fan-out has before the sweep resumes it (2,000 managers
# at 25 messages a second take 80 s).
RESUME_AFTER = timedelta(minutes=5)


def broadcast_documents(curation: CurationService) -> DocumentLookup:
    """The approved, in-effect version of a document, or why it may not be broadcast."""

    async def lookup(doc_id: str, today: date) -> TalkingPoints:
        wanted = doc_id.strip().upper()
        for text in await curation.approved_in_effect(today):
            if text.doc_id.upper() == wanted:
                return TalkingPoints(
                    text.doc_id,
                    text.version,
                    text.title,
                    text.approved_by,
                    text.effective_from,
                    text.body,
                )
        versions = [v for v in await curation.list_versions() if v.doc_id.upper() == wanted]
        if not versions:
            raise BroadcastRefusedError("unknown", doc_id)
        if any(v.status == "approved" for v in versions):
            raise BroadcastRefusedError("not_in_effect", versions[0].doc_id)
        raise BroadcastRefusedError("not_approved", versions[0].doc_id)

    return lookup


async def sweep_broadcasts(context: AppContext) -> None:
    """Repeating job: pending tallies shown, due reports sent."""
    await sweep(context.application)


async def sweep(app: AmbotApplication) -> dict[str, int]:
    services = app.bot_data.services
    broadcasts = services.broadcasts
    counts = {"tallies": 0, "reports": 0, "pings": 0, "resumed": 0}
    for tally in await broadcasts.due_tallies():
        await edit_tally(app.bot, tally)
        counts["tallies"] += 1
    outbox = outbox_of(app)
    # A fan-out cut short (a restart, a crash) resumes from the receipts: only messages not
    # gone out yet, none twice (the ledger). Left to the process that started it for a while.
    for broadcast_id in await broadcasts.resumable(RESUME_AFTER):
        counts["resumed"] += await fan_out(outbox, broadcasts, broadcast_id)
    for report in await broadcasts.due_reports():
        sender = report.sender
        kind = report_kind(report.broadcast.id)
        view = report_view(report, sender.language)
        if await outbox.deliver(sender, report.broadcast.day, kind, view):
            counts["reports"] += 1
        for supervisor, missing in report.supervisors:
            view = supervisor_ping_view(report.broadcast, missing, supervisor.language)
            if await outbox.deliver(supervisor, report.broadcast.day, kind, view):
                counts["pings"] += 1
    return counts
