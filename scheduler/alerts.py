"""Delivering new alerts after each rules evaluation: a sweep of undelivered P1 and P2 alerts.

Thin: AlertDeliveryService (crm/alert_delivery.py) decides who gets what, the level-1 pings and
how P2 event tasks batch per manager, and which approved talking points apply; this job renders
each message and hands it to the outbox. The ledger kind `alert:<id>` (per recipient) keeps
each delivery to one send; `esc:<id>:<level>` the pings.

Before delivering, the sweep turns new silent, event and greeting alerts into follow-ups
(crm/alert_tasks.py: once per alert); a P2 batch names its clients' tasks. Greeting templates,
like talking points, come from approved, in-effect KB documents (kind `template`) by tag.

Talking points are a deterministic tag lookup over curation.approved_in_effect (tags from
crm/proactive.yaml) rather than a semantic search, so the sweep never loads the embedding model
and only compliance-approved text is shown.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from datetime import date

from crm.alert_delivery import AlertDeliveryService, EventBatch, ScriptLookup, UrgentAlert
from crm.alert_tasks import TASK_KINDS, GreetingTemplate, TemplateLookup, TitleWriter
from crm.alerts import delivery_kind
from crm.explain import Reason
from handlers.context import AmbotApplication, AppContext
from handlers.i18n import t
from handlers.render import View
from handlers.render.alerts import event_batch_view, p1_view
from handlers.render.briefing import reason_text
from handlers.render.followups import event_tasks_note
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


# The KB tags that mark each greeting rule's template (the sample documents carry both).
GREETING_TAGS: Mapping[str, tuple[str, ...]] = {
    "birthday": ("birthday greeting", "生日祝福"),
    "anniversary": ("anniversary greeting", "周年问候"),
}


def approved_greetings(curation: CurationService) -> TemplateLookup:
    """The greeting-template lookup AlertTaskService is built with (crm cannot import the KB)."""

    async def first_template(rule: str, today: date) -> GreetingTemplate | None:
        """The first approved, in-effect template tagged for this greeting (by document id)."""
        wanted = set(GREETING_TAGS.get(rule, ()))
        for text in await curation.approved_in_effect(today):
            if text.kind == "template" and wanted & set(text.tags):
                return GreetingTemplate(
                    text.doc_id,
                    text.version,
                    text.title,
                    text.approved_by,
                    text.effective_from,
                    text.body,
                )
        return None

    return first_template


def task_title(today: date) -> TitleWriter:
    """A task's title in its owner's language: what to do and the alert's reason. Dates are
    written out (a stored title must not say 「今天」 tomorrow)."""

    def title(rule: str, reason: Reason, language: str) -> str:
        because = reason_text(reason, language, date.max, html=False)
        title = t(language, f"task_title_{TASK_KINDS[rule]}", reason=because)
        url = reason.research_url  # the event's research note, kept with its task
        return f"{title}\n{t(language, 'task_research', url=url)}" if url else title

    return title


async def deliver_new_alerts(context: AppContext) -> None:
    """Repeating job: deliver what the rules engine raised since the last sweep."""
    await sweep(context.application)


async def sweep(app: AmbotApplication) -> dict[str, int]:
    """Queue every undelivered P1 and P2 alert; returns counts (for logs and tests)."""
    services = app.bot_data.services
    outbox = outbox_of(app)
    policy = services.alert_delivery
    try:
        created = await policy.create_tasks(task_title(policy.today()))
        if created:
            log.info("created %d tasks from alerts", len(created))
    except Exception:  # a task that failed must not hold back a P1: the next sweep retries
        log.exception("tasks from alerts could not be created")
    plan = await policy.new_alerts()
    counts = {"p1": 0, "p2": 0, "pings": 0}
    for urgent in plan.urgent:
        if await _deliver_urgent(outbox, policy, urgent, plan.today, plan.escalation_minutes):
            counts["p1"] += 1
        if urgent.ping is not None:
            counts["pings"] += await send_pings(
                outbox, policy, urgent.ping, plan.today, plan.escalation_minutes
            )
    for batch in plan.events:
        counts["p2"] += await _deliver_batch(outbox, policy, batch, plan.today)
    return counts


async def _deliver_urgent(
    outbox: Outbox,
    policy: Policy,
    urgent: UrgentAlert[ApprovedText],
    today: date,
    minutes: int,
) -> bool:
    owner, alert = urgent.owner, urgent.alert
    view = p1_view(alert, owner.language, today, script=urgent.script, minutes=minutes)
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
    task_ids = await policy.task_ids([a.id for a in chosen])
    note = event_tasks_note([task_ids[a.id] for a in chosen if a.id in task_ids], owner.language)
    if note:
        view = View(f"{view.text}\n\n{note}", view.buttons)
    outbox.submit(
        owner,
        claimed,
        view,
        on_settled=policy.delivery_recorder([a.id for a in chosen], owner.staff_id),
    )
    return len(chosen)
