"""Delivering new alerts after each rules evaluation: a sweep of undelivered P1 and P2 alerts.

Thin: AlertDeliveryService (crm/alert_delivery.py) decides who gets what, the level-1 pings and
how P2 event tasks batch per manager, and which approved talking points apply; this job renders
each message and hands it to the outbox. The ledger kind `alert:<id>` (per recipient) keeps
each delivery to one send; `esc:<id>:<level>` the pings.

Talking points are a deterministic tag lookup over curation.approved_in_effect (tags from
crm/proactive.yaml) rather than a semantic search, so the sweep never loads the embedding model
and only compliance-approved text is shown.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import date

from crm.alert_delivery import AlertDeliveryService, EventBatch, ScriptLookup, UrgentAlert
from crm.alerts import delivery_kind
from handlers.context import AmbotApplication, AppContext
from handlers.render.alerts import event_batch_view, p1_view
from knowledge_base.curation import ApprovedText, CurationService
from scheduler.escalations import send_pings
from scheduler.outbox import Outbox
from scheduler.state import outbox_of

log = logging.getLogger(__name__)
SWEEP_JOB = "alerts:sweep"
Policy = AlertDeliveryService[ApprovedText]


def approved_scripts(curation: CurationService) -> ScriptLookup[ApprovedText]:
    """The talking-point lookup AlertDeliveryService is built with (crm cannot import the KB)."""

    async def first_script(tags: Collection[str], today: date) -> ApprovedText | None:
        """The first approved, in-effect script carrying one of `tags` (by document id)."""
        wanted = set(tags)
        for text in await curation.approved_in_effect(today):
            if text.kind == "script" and wanted & set(text.tags):
                return text
        return None

    return first_script


async def deliver_new_alerts(context: AppContext) -> None:
    """Repeating job: deliver what the rules engine raised since the last sweep."""
    await sweep(context.application)


async def sweep(app: AmbotApplication) -> dict[str, int]:
    """Queue every undelivered P1 and P2 alert; returns counts (for logs and tests)."""
    services = app.bot_data.services
    outbox = outbox_of(app)
    plan = await services.alert_delivery.new_alerts()
    counts = {"p1": 0, "p2": 0, "pings": 0}
    policy = services.alert_delivery
    for urgent in plan.urgent:
        if await _deliver_urgent(outbox, policy, urgent, plan.today):
            counts["p1"] += 1
        if urgent.ping is not None:
            counts["pings"] += await send_pings(
                outbox, policy, urgent.ping, plan.today, plan.escalation_minutes
            )
    for batch in plan.events:
        counts["p2"] += await _deliver_batch(outbox, policy, batch, plan.today)
    return counts


async def _deliver_urgent(
    outbox: Outbox, policy: Policy, urgent: UrgentAlert[ApprovedText], today: date
) -> bool:
    owner, alert = urgent.owner, urgent.alert
    view = p1_view(alert, owner.language, today, script=urgent.script)
    return await outbox.deliver(
        owner,
        alert.as_of,
        delivery_kind(alert.id),
        view,
        unbound="fail",
        on_settled=policy.delivery_recorder([alert.id], owner.staff_id),
    )


async def _deliver_batch(
    outbox: Outbox, policy: Policy, batch: EventBatch[ApprovedText], today: date
) -> int:
    owner = batch.owner
    by_kind = {delivery_kind(a.id): a for a in batch.alerts}
    claimed = await outbox.claim(  # each alert keeps its own ledger row (on its own as_of)
        owner, [(a.as_of, delivery_kind(a.id)) for a in batch.alerts], unbound="fail"
    )
    if not claimed:
        return 0
    chosen = [by_kind[d.kind] for d in claimed]
    view = event_batch_view(chosen, owner.language, today, batch.points)
    outbox.submit(
        owner,
        claimed,
        view,
        on_settled=policy.delivery_recorder([a.id for a in chosen], owner.staff_id),
    )
    return len(chosen)
