"""Exactly-once proactive sends: claim the ledger row, queue on the paced sender, settle the row.

Failures are settled as `failed` and reported to the recipient's supervisor (or the admins)
once; the same (staff, day, kind) is never queued twice in one process (in-flight set) and
never sent again once settled (the ledger).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from typing import Any

from crm.staff import StaffMember
from handlers.context import Services
from handlers.render import View
from handlers.render.briefing import failed_report_view
from runtime.ledger import Delivery
from scheduler.pacing import SendOutcome
from scheduler.state import ProactiveState

log = logging.getLogger(__name__)
NO_ACCOUNT = "no Telegram account linked"
OnSent = Callable[[SendOutcome], Awaitable[None]]


def state_of(app: Any) -> ProactiveState:
    state: ProactiveState = app.bot_data.scheduler
    return state


def services_of(app: Any) -> Services:
    services: Services = app.bot_data.services
    return services


async def claim(
    app: Any,
    member: StaffMember,
    day: date,
    kinds: Sequence[str],
    *,
    unbound: str = "skip",
    days: Sequence[date] | None = None,
) -> list[Delivery]:
    """Ledger rows to send now (pending, not in flight). A member without Telegram is skipped,
    or (unbound="fail") her rows are failed and reported once for the whole claim.
    `days` gives each kind its own ledger day (a batch of alerts of different dates)."""
    state = state_of(app)
    ledger = services_of(app).deliveries
    if member.telegram_user_id is None and unbound == "skip":
        return []
    claimed: list[Delivery] = []
    failed: list[Delivery] = []
    for index, kind in enumerate(kinds):
        on = days[index] if days is not None else day
        if (member.staff_id, on, kind) in state.inflight:
            continue
        delivery = await ledger.begin(member.staff_id, on, kind)
        if delivery is None:
            continue
        if member.telegram_user_id is None:
            await ledger.fail(delivery.id, NO_ACCOUNT)
            failed.append(delivery)
            continue
        claimed.append(delivery)
    if failed:
        first = failed[0]
        await report_failure(app, member, first.day, first.id, first.kind, NO_ACCOUNT)
    return claimed


def submit(
    app: Any,
    member: StaffMember,
    deliveries: Sequence[Delivery],
    view: View,
    *,
    on_sent: OnSent | None = None,
) -> None:
    """Queue one message settling all `deliveries` (a batch) when it goes out."""
    if not deliveries or member.telegram_user_id is None:
        return
    state = state_of(app)
    ledger = services_of(app).deliveries
    keys = [(d.staff_id, d.day, d.kind) for d in deliveries]
    state.inflight.update(keys)

    async def settle(outcome: SendOutcome) -> None:
        try:
            for delivery in deliveries:
                if outcome.ok:
                    await ledger.complete(delivery.id, outcome.message_id)
                else:
                    await ledger.fail(delivery.id, outcome.error or "failed")
            if outcome.ok:
                if on_sent is not None:
                    await on_sent(outcome)
            else:
                first = deliveries[0]
                await report_failure(
                    app, member, first.day, first.id, first.kind, outcome.error or "failed"
                )
        finally:
            state.inflight.difference_update(keys)

    state.pacer.submit(member.telegram_user_id, view, settle)


async def deliver_once(
    app: Any,
    member: StaffMember,
    day: date,
    kind: str,
    view: View,
    *,
    unbound: str = "skip",
    on_sent: OnSent | None = None,
) -> bool:
    """Send `view` to member once per (day, kind); True when it was queued now."""
    claimed = await claim(app, member, day, [kind], unbound=unbound)
    submit(app, member, claimed, view, on_sent=on_sent)
    return bool(claimed)


def _what(kind: str) -> str:
    head = kind.split(":", 1)[0]
    return {"briefing": "briefing", "alert": "alert", "esc": "ping", "snz": "alert"}.get(
        head, "other"
    )


async def report_failure(
    app: Any, member: StaffMember, day: date, delivery_id: int, kind: str, error: str
) -> None:
    """Tell the member's supervisor (or the admins) once that a message could not be sent."""
    if kind.startswith("fail:"):
        log.warning("a failure report could not be delivered either (delivery %s)", delivery_id)
    what = "digest" if kind == "briefing" and member.role == "supervisor" else _what(kind)
    for target in await report_targets(app, member):
        view = failed_report_view(member, what, error, target.language)
        await deliver_once(app, target, day, f"fail:{delivery_id}", view)


async def report_targets(app: Any, member: StaffMember) -> list[StaffMember]:
    """Who hears about a member's missed or failed messages: her supervisor, else the admins."""
    alerts = services_of(app).alerts
    if member.supervisor_id:
        supervisor = await alerts.staff(member.supervisor_id)
        if supervisor is not None and supervisor.active and supervisor.staff_id != member.staff_id:
            return [supervisor]
    return [a for a in await alerts.admins() if a.staff_id != member.staff_id]
