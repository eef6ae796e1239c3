"""Who is sent which alert, and when: the delivery policy the alert jobs carry out.

- P1: at once to the owning manager, with the approved script for urgent alerts, and her
  supervisor (or the admins) pinged at level 1, which starts the escalation clock.
- P2: each manager's new event tasks batched into ONE message with the approved talking points.
- P3/P4 are not pushed: they wait for the next briefing.
- Unacknowledged P1s escalate (supervisor again, then the admins); a snoozed alert comes back
  to its owner when the snooze ends.

Talking points are approved, in-effect KB scripts found by tag; the tags per priority are
configuration (`alerts.talking_points` in crm/proactive.yaml). crm does not import the knowledge
base: the lookup is passed in (`ScriptLookup`), and the script type stays the caller's.
The jobs in scheduler/ render these plans and hand them to the one outgoing path.

Tasks from alerts (crm/alert_tasks.py, issue 14) are created before each delivery run
(`create_tasks`), so a P2 batch can name the follow-ups of its event tasks.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

from crm.alert_tasks import AlertTask, AlertTaskService, TitleWriter
from crm.alerts import AlertService, AlertView, Escalation
from crm.proactive import ProactiveConfig
from crm.staff import StaffMember

Script = TypeVar("Script")
# The first approved, in-effect script carrying one of the tags on that day, or None.
ScriptLookup = Callable[[Collection[str], date], Awaitable[Script | None]]


@dataclass(frozen=True)
class UrgentAlert(Generic[Script]):
    """A P1 for its owner, the script shown with it and the level-1 ping (None past level 1)."""

    owner: StaffMember
    alert: AlertView
    script: Script | None
    ping: Escalation | None


@dataclass(frozen=True)
class EventBatch(Generic[Script]):
    """One manager's new P2 event tasks, sent as one message with the talking points."""

    owner: StaffMember
    alerts: tuple[AlertView, ...]
    points: Script | None


@dataclass(frozen=True)
class NewAlerts(Generic[Script]):
    """Everything to deliver after a rules run, in sending order (P1s first)."""

    today: date
    urgent: tuple[UrgentAlert[Script], ...]
    events: tuple[EventBatch[Script], ...]
    escalation_minutes: int


@dataclass(frozen=True)
class SnoozeEnded:
    owner: StaffMember
    alert: AlertView


@dataclass(frozen=True)
class DueFollowUps:
    """Pings of escalations due now (or recorded but never sent) and snoozes that ended."""

    today: date
    pings: tuple[Escalation, ...]
    snoozes: tuple[SnoozeEnded, ...]
    escalation_minutes: int


class AlertDeliveryService(Generic[Script]):
    """Plans alert deliveries over AlertService; sending and rendering are the caller's."""

    def __init__(
        self,
        alerts: AlertService,
        config: ProactiveConfig,
        scripts: ScriptLookup[Script],
        *,
        tasks: AlertTaskService | None = None,
    ) -> None:
        self._alerts = alerts
        self._config = config
        self._scripts = scripts
        self.tasks = tasks  # None: no tasks from alerts (tools and tests that need none)

    def today(self) -> date:
        return self._alerts.today()

    async def create_tasks(self, title: TitleWriter) -> list[AlertTask]:
        """The follow-ups of new silent, event and greeting alerts (once per alert)."""
        return await self.tasks.create_tasks(title) if self.tasks is not None else []

    async def task_ids(self, alert_ids: Collection[int]) -> dict[int, int]:
        """alert id → its task's follow-up id, for the alerts that have one."""
        return await self.tasks.task_ids(alert_ids) if self.tasks is not None else {}

    def tags(self, priority: str) -> tuple[str, ...]:
        """The KB tags of the talking points shown with alerts of this priority."""
        return self._config.talking_point_tags.get(priority, ())

    async def talking_points(self, priority: str, day: date) -> Script | None:
        tags = self.tags(priority)
        return await self._scripts(tags, day) if tags else None

    async def new_alerts(self) -> NewAlerts[Script]:
        """Undelivered P1/P2 alerts (open, raised in the last day, not settled for the owner).

        Planning a P1 pings its supervisor at level 1 (starting the escalation clock once)."""
        alerts = self._alerts
        pending = await alerts.undelivered()
        today = alerts.today()
        minutes = self._config.escalation_minutes
        if not pending:
            return NewAlerts(today, (), (), minutes)
        members: dict[str, StaffMember | None] = {}

        async def member(staff_id: str) -> StaffMember | None:
            if staff_id not in members:
                members[staff_id] = await alerts.staff(staff_id)
            return members[staff_id]

        script = None
        if any(a.priority == "P1" for a in pending):
            script = await self.talking_points("P1", today)
        urgent: list[UrgentAlert[Script]] = []
        batches: dict[str, list[AlertView]] = {}
        for alert in pending:
            owner = await member(alert.manager_id)
            if owner is None:
                continue
            if alert.priority == "P2":
                batches.setdefault(owner.staff_id, []).append(alert)
                continue
            ping = await alerts.ping_targets(alert.id) if alert.escalation_level <= 1 else None
            urgent.append(UrgentAlert(owner, alert, script, ping))
        events: list[EventBatch[Script]] = []
        if batches:
            points = await self.talking_points("P2", today)
            for staff_id, group in batches.items():
                owner = await member(staff_id)
                if owner is not None:
                    events.append(EventBatch(owner, tuple(group), points))
        return NewAlerts(today, tuple(urgent), tuple(events), minutes)

    async def due_follow_ups(self) -> DueFollowUps:
        """Escalations to ping now and ended snoozes to remind of (both advanced in the database).

        Escalations recorded but never sent (the process stopped between raising the level and
        sending) come first; the ledger keeps each ping to at most one delivery per level."""
        alerts = self._alerts
        today = alerts.today()
        unsent = await alerts.unsent_escalations()  # before raising more: those are sent too
        pings = (*unsent, *await alerts.due_escalations())
        snoozes: list[SnoozeEnded] = []
        for alert in await alerts.due_snoozes():
            owner = await alerts.staff(alert.manager_id)
            if owner is not None and alert.snoozed_until is not None:
                snoozes.append(SnoozeEnded(owner, alert))
        return DueFollowUps(today, pings, tuple(snoozes), self._config.escalation_minutes)

    def ping_recorder(
        self, alert_id: int, level: int, staff_id: str
    ) -> Callable[[str], Awaitable[None]]:
        """What to run once a ping's ledger row settled: the "pinged" event, if it was sent."""

        async def record(settled: str) -> None:
            if settled == "sent":
                await self._alerts.record_ping(alert_id, level, staff_id)

        return record

    def delivery_recorder(
        self, alert_ids: Collection[int], staff_id: str
    ) -> Callable[[str], Awaitable[None]]:
        """What to run once an alert message settled: a "delivered" event per alert, if sent."""

        async def record(settled: str) -> None:
            if settled == "sent":
                for alert_id in alert_ids:
                    await self._alerts.record_delivery(alert_id, staff_id)

        return record


def escalation_kind(alert_id: int, level: int) -> str:
    """The ledger kind of the ping of one escalation level (one per target and level)."""
    return f"esc:{alert_id}:{level}"


def snooze_kind(alert: AlertView) -> str:
    """The ledger kind of the reminder at the end of one snooze."""
    stamp = int(alert.snoozed_until.timestamp()) if alert.snoozed_until else 0
    return f"snz:{alert.id}:{stamp}"
