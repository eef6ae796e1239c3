"""The one outgoing path of proactive messages: claim the ledger row, queue on the paced sender,
settle the row.

Briefings, digests, alerts, escalation pings (automatic and manual), snooze reminders and
follow-up reminders all go through `Outbox.deliver` (or `claim` + `submit` for a batch that
settles several rows with one message). The same (staff, day, kind) is never queued twice in one
process (the in-flight set) and never sent again once settled (the ledger). How a send settles:
- sent: `on_settled("sent")`;
- uncertain (timed out after it may have arrived, scheduler/pacing.py): settled, not resent,
  not reported (it most likely arrived), `on_settled("uncertain")`;
- failed for good (blocked, chat not found, no Telegram account): settled `failed`, reported to
  the recipient's supervisor (or the admins) once, `on_settled("failed")`;
- failed for now (network trouble after every retry): settled `failed` and reported too, unless
  `retry_later`: then the row stays pending and the next run sends it again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import date
from typing import Literal

from crm.alerts import AlertService
from crm.staff import StaffMember
from handlers.context import OnSettled
from handlers.render import View
from handlers.render.briefing import failed_report_view
from runtime.ledger import Delivery, DeliveryLedger, Settled
from scheduler.pacing import PacedSender, SendOutcome

log = logging.getLogger(__name__)
NO_ACCOUNT = "no Telegram account linked"
Unbound = Literal["skip", "fail"]
Key = tuple[str, date, str]


def _what(kind: str) -> str:
    head = kind.split(":", 1)[0]
    return {"briefing": "briefing", "alert": "alert", "esc": "ping", "snz": "alert"}.get(
        head, "other"
    )


class Outbox:
    """Ledger + paced sender for one process; `pacer` is the queue every message waits in."""

    def __init__(self, pacer: PacedSender, ledger: DeliveryLedger, alerts: AlertService) -> None:
        self.pacer = pacer
        self._ledger = ledger
        self._alerts = alerts  # who hears about failures: the supervisor, else the admins
        self._inflight: set[Key] = set()

    async def claim(
        self, member: StaffMember, keys: Sequence[tuple[date, str]], *, unbound: Unbound = "skip"
    ) -> list[Delivery]:
        """Ledger rows (day, kind) to send now: pending and not in flight. A member without
        Telegram is skipped, or (unbound="fail") her rows are failed and reported once."""
        if member.telegram_user_id is None and unbound == "skip":
            return []
        claimed: list[Delivery] = []
        failed: list[Delivery] = []
        for day, kind in keys:
            if (member.staff_id, day, kind) in self._inflight:
                continue
            delivery = await self._ledger.begin(member.staff_id, day, kind)
            if delivery is None:
                continue
            if member.telegram_user_id is None:
                await self._ledger.fail(delivery.id, NO_ACCOUNT)
                failed.append(delivery)
                continue
            claimed.append(delivery)
        if failed:
            first = failed[0]
            await self.report_failure(member, first.day, first.id, first.kind, NO_ACCOUNT)
        return claimed

    def submit(
        self,
        member: StaffMember,
        deliveries: Sequence[Delivery],
        view: View,
        *,
        on_settled: OnSettled | None = None,
        urgent: bool = False,
        report: bool = True,
        retry_later: bool = False,
    ) -> asyncio.Future[SendOutcome] | None:
        """Queue one message settling all `deliveries` (a batch) when it goes out; the future
        resolves once the rows are settled and `on_settled` has run."""
        chat_id = member.telegram_user_id
        if not deliveries or chat_id is None:
            return None
        keys = [(d.staff_id, d.day, d.kind) for d in deliveries]
        self._inflight.update(keys)

        async def settle(outcome: SendOutcome) -> None:
            try:
                settled = await self._settle(member, deliveries, outcome, report, retry_later)
                if settled is not None and on_settled is not None:
                    await on_settled(settled)
            finally:
                self._inflight.difference_update(keys)

        try:
            return self.pacer.submit(chat_id, view, settle, urgent=urgent)
        except BaseException:
            self._inflight.difference_update(keys)
            raise

    async def _settle(
        self,
        member: StaffMember,
        deliveries: Sequence[Delivery],
        outcome: SendOutcome,
        report: bool,
        retry_later: bool,
    ) -> Settled | None:
        ledger = self._ledger
        first = deliveries[0]
        if outcome.ok:
            for delivery in deliveries:
                await ledger.complete(delivery.id, outcome.message_id)
            return "sent"
        error = outcome.error or "failed"
        if outcome.uncertain:
            log.warning("delivery %s (%s) may not have arrived: %s", first.id, first.kind, error)
            for delivery in deliveries:
                await ledger.uncertain(delivery.id, error)
            return "uncertain"
        if retry_later and not outcome.permanent:
            log.warning("delivery %s (%s) not sent yet, next run: %s", first.id, first.kind, error)
            return None
        for delivery in deliveries:
            await ledger.fail(delivery.id, error)
        if report:
            await self.report_failure(member, first.day, first.id, first.kind, error)
        return "failed"

    async def deliver(
        self,
        member: StaffMember,
        day: date,
        kind: str,
        view: View,
        *,
        urgent: bool = False,
        wait: bool = False,
        on_settled: OnSettled | None = None,
        unbound: Unbound = "skip",
        report: bool = True,
        retry_later: bool = False,
    ) -> bool:
        """Send `view` to member once per (day, kind); True when it was queued now.
        wait=True returns only once it went out and its row is settled (an interactive ping)."""
        claimed = await self.claim(member, [(day, kind)], unbound=unbound)
        queued = self.submit(
            member,
            claimed,
            view,
            on_settled=on_settled,
            urgent=urgent,
            report=report,
            retry_later=retry_later,
        )
        if wait and queued is not None:
            await queued
        return bool(claimed)

    async def claim_all(
        self, members: Sequence[StaffMember], day: date, kind: str
    ) -> list[Delivery]:
        """Ledger rows of one (day, kind) for many bound members, claimed set-based."""
        return await self._ledger.begin_many([m.staff_id for m in members], day, kind)

    async def deliver_all(
        self,
        members: Sequence[StaffMember],
        day: date,
        kind: str,
        view_of: Callable[[StaffMember], View],
        *,
        on_settled_of: Callable[[StaffMember], OnSettled | None] | None = None,
    ) -> int:
        """`deliver` to many members at once (a broadcast): their ledger rows claimed
        set-based (DeliveryLedger.begin_many), then each message queued; members without
        Telegram and rows settled or in flight are skipped. Returns how many were queued."""
        bound = {
            m.staff_id: m
            for m in members
            if m.telegram_user_id is not None and (m.staff_id, day, kind) not in self._inflight
        }
        queued = 0
        for delivery in await self.claim_all(list(bound.values()), day, kind):
            member = bound[delivery.staff_id]
            settled = on_settled_of(member) if on_settled_of is not None else None
            if self.submit(member, [delivery], view_of(member), on_settled=settled) is not None:
                queued += 1
        return queued

    async def report_failure(
        self, member: StaffMember, day: date, delivery_id: int, kind: str, error: str
    ) -> None:
        """Tell the member's supervisor (or the admins) once that a message could not be sent."""
        if kind.startswith("fail:"):
            log.warning("a failure report could not be delivered either (delivery %s)", delivery_id)
        what = "digest" if kind == "briefing" and member.role == "supervisor" else _what(kind)
        for target in await self.report_targets(member):
            view = failed_report_view(member, what, error, target.language)
            await self.deliver(target, day, f"fail:{delivery_id}", view)

    async def report_targets(self, member: StaffMember) -> list[StaffMember]:
        """Who hears about a member's missed or failed messages: her supervisor, else the admins."""
        alerts = self._alerts
        if member.supervisor_id:
            supervisor = await alerts.staff(member.supervisor_id)
            if (
                supervisor is not None
                and supervisor.active
                and supervisor.staff_id != member.staff_id
            ):
                return [supervisor]
        return [a for a in await alerts.admins() if a.staff_id != member.staff_id]
