"""The ticket sweep: push new tickets to their owners and ping the supervisor about breached
SLA clocks, every `tickets.sweep_seconds` (crm/proactive.yaml).

Thin: TicketService (crm/tickets.py) finds new tickets and raises breached clocks set-based;
this job renders and hands each message to the outbox, paced like alerts. Ledger kinds:
`tk:<id>` (the owner's push, one per owner) and `tkfr<level>:<id>` / `tkrs<level>:<id>` (one
ping per clock, level and recipient). Each target gets at most `MAX_PINGS` pings per sweep,
most overdue first; the rest are summed up in one message pointing to /tickets (a first import of a
backlog must not flood a supervisor's chat). The raised level is the record that the clock
was pinged: a ping lost to a crash is followed by the next level's.
"""

from __future__ import annotations

import logging

from crm.tickets import NewTicket, ledger_kind, ping_kind
from handlers.context import AmbotApplication, AppContext
from handlers.render.tickets import breach_more_view, breach_view, ticket_view
from scheduler.outbox import Outbox
from scheduler.state import outbox_of

log = logging.getLogger(__name__)
TICKETS_JOB = "tickets:sweep"
MAX_PINGS = 10  # per recipient and sweep


async def sweep_tickets(context: AppContext) -> None:
    """Repeating job: new tickets to their owners, breached clocks to the supervisors."""
    await sweep(context.application)


async def sweep(app: AmbotApplication) -> dict[str, int]:
    tickets = app.bot_data.services.tickets
    outbox = outbox_of(app)
    counts = {"pushed": 0, "pings": 0}
    for new in await tickets.new_tickets():
        if await _push(app, outbox, new):
            counts["pushed"] += 1
    result = await tickets.sweep(per_target=MAX_PINGS)
    now = tickets.clock()
    minutes = tickets.config.escalation_minutes
    day = tickets.today()
    for breach in result.breaches:  # one recipient each, most overdue first
        (target,) = breach.targets
        view = breach_view(breach, now, target.language, minutes)
        kind = ping_kind(breach.clock, breach.level, breach.ticket.ticket_id)
        if await outbox.deliver(target, day, kind, view):
            counts["pings"] += 1
    for target, more in result.overflow:
        stamp = now.strftime("%H%M%S")
        await outbox.deliver(
            target, day, f"tkmore:{stamp}", breach_more_view(more, target.language)
        )
    if result.overflow:
        log.info(
            "ticket sweep: %d clocks not pinged one by one", sum(n for _, n in result.overflow)
        )
    return counts


async def _push(app: AmbotApplication, outbox: Outbox, new: NewTicket) -> bool:
    tickets = app.bot_data.services.tickets
    owner, ticket = new.owner, new.ticket
    view = ticket_view(ticket, tickets.clock(), owner.language, owner.timezone, handed=new.handed)

    async def record(settled: str) -> None:
        await tickets.mark_notified(ticket.ticket_id, owner.staff_id)

    queued = await outbox.deliver(
        owner,
        tickets.today(),
        ledger_kind("tk", ticket.ticket_id),
        view,
        unbound="fail",
        on_settled=record,
    )
    if not queued:  # settled before (or failed for good): nothing more to try
        await tickets.mark_notified(ticket.ticket_id, owner.staff_id)
    return queued
