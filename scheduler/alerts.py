"""Delivering new alerts after each rules evaluation: a sweep of undelivered P1 and P2 alerts.

P1: at once to the manager with 确认 / 稍后 / 升级, and the supervisor is pinged (level 1). P2:
each manager's new event tasks batched into ONE message with the research links and the
approved talking points. P3/P4 are not pushed: they wait for the next briefing. The ledger kind
`alert:<id>` (per recipient) makes each delivery exactly-once; `esc:<id>:<level>` the pings.

Talking points: the approved, in-effect *scripts* tagged for negative events (「负面事件」 or
「利空」) — a deterministic tag lookup over curation.approved_in_effect rather than a semantic
search, so the sweep never loads the embedding model and only compliance-approved text is shown.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date
from typing import Any

from telegram.ext import ContextTypes

from crm.alerts import AlertView, delivery_kind
from crm.staff import StaffMember
from handlers.render.alerts import escalation_view, event_batch_view, p1_view
from knowledge_base.curation import ApprovedText
from scheduler.outbox import claim, deliver_once, services_of, submit
from scheduler.pacing import SendOutcome

log = logging.getLogger(__name__)
SWEEP_JOB = "alerts:sweep"
EVENT_TAGS = ("负面事件", "利空")
OUTFLOW_TAGS = ("大额转出", "资金流出")


async def approved_script(app: Any, tags: Iterable[str], today: date) -> ApprovedText | None:
    """The first approved, in-effect script carrying one of `tags` (by document id)."""
    wanted = set(tags)
    texts = await services_of(app).curation.approved_in_effect(today)
    for text in texts:
        if text.kind == "script" and wanted & set(text.tags):
            return text
    return None


async def deliver_new_alerts(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Repeating job: deliver what the rules engine raised since the last sweep."""
    await sweep(context.application)


async def sweep(app: Any) -> dict[str, int]:
    """Queue every undelivered P1 and P2 alert; returns counts (for logs and tests)."""
    services = services_of(app)
    alerts = services.alerts
    pending = await alerts.undelivered()
    counts = {"p1": 0, "p2": 0, "pings": 0}
    if not pending:
        return counts
    today = alerts.today()
    members: dict[str, StaffMember | None] = {}

    async def member(staff_id: str) -> StaffMember | None:
        if staff_id not in members:
            members[staff_id] = await alerts.staff(staff_id)
        return members[staff_id]

    outflow_script = None
    if any(a.priority == "P1" for a in pending):
        outflow_script = await approved_script(app, OUTFLOW_TAGS, today)
    batches: dict[str, list[AlertView]] = {}
    for alert in pending:
        owner = await member(alert.manager_id)
        if owner is None:
            continue
        if alert.priority == "P2":
            batches.setdefault(owner.staff_id, []).append(alert)
            continue
        view = p1_view(alert, owner.language, today, script=outflow_script)
        if await deliver_once(
            app,
            owner,
            alert.as_of,
            delivery_kind(alert.id),
            view,
            unbound="fail",
            on_sent=_recorder(app, alert.id, owner.staff_id),
        ):
            counts["p1"] += 1
        counts["pings"] += await ping_supervisor(app, alert)
    if batches:
        points = await approved_script(app, EVENT_TAGS, today)
        for staff_id, group in batches.items():
            owner = await member(staff_id)
            if owner is None:
                continue
            counts["p2"] += await _deliver_batch(app, owner, group, today, points)
    return counts


async def _deliver_batch(
    app: Any, owner: StaffMember, group: list[AlertView], today: date, points: ApprovedText | None
) -> int:
    by_kind = {delivery_kind(a.id): a for a in group}
    claimed = await claim(  # each alert keeps its own ledger row (on its own as_of)
        app,
        owner,
        today,
        [delivery_kind(a.id) for a in group],
        unbound="fail",
        days=[a.as_of for a in group],
    )
    if not claimed:
        return 0
    chosen = [by_kind[d.kind] for d in claimed]
    view = event_batch_view(chosen, owner.language, today, points)
    alerts = services_of(app).alerts

    async def recorded(outcome: SendOutcome) -> None:
        for alert in chosen:
            await alerts.record_delivery(alert.id, owner.staff_id)

    submit(app, owner, claimed, view, on_sent=recorded)
    return len(chosen)


async def ping_supervisor(app: Any, alert: AlertView) -> int:
    """Level 1 of a P1: the supervisor (or admins) pinged with acknowledge / reassign."""
    alerts = services_of(app).alerts
    if alert.escalation_level > 1:
        return 0
    escalation = await alerts.ping_targets(alert.id)
    minutes = services_of(app).briefings.config.escalation_minutes
    sent = 0
    for target in escalation.targets:
        view = escalation_view(
            escalation,
            target.language,
            alerts.today(),
            minutes=minutes,
            with_reassign=target.role == "supervisor",
        )
        if await deliver_once(
            app,
            target,
            alert.as_of,
            f"esc:{alert.id}:1",
            view,
            on_sent=_pinged(app, alert.id, 1, target.staff_id),
        ):
            sent += 1
    return sent


def _recorder(app: Any, alert_id: int, staff_id: str) -> Any:
    async def record(outcome: SendOutcome) -> None:
        await services_of(app).alerts.record_delivery(alert_id, staff_id)

    return record


def _pinged(app: Any, alert_id: int, level: int, staff_id: str) -> Any:
    async def record(outcome: SendOutcome) -> None:
        await services_of(app).alerts.record_ping(alert_id, level, staff_id)

    return record
