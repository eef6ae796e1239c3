"""Alert lifecycle after the rules engine raised it: delivery, acknowledge, snooze, escalate,
reassign — every transition recorded in alert_events.

Escalation of a P1 (DESIGN §4): delivered to the manager and the supervisor is pinged (level 1);
unacknowledged after `escalation_minutes` the supervisor is pinged again (level 2), then the
admins (level 3, the last). Snoozing reminds the manager later and holds the clock for the
snooze (issue 14): no escalation fires while the alert is snoozed; one that fell due meanwhile
fires when the snooze ends. Only an acknowledgement stops the clock. Every action re-checks that
the presser may take it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import String, and_, cast, exists, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from audit import Journal
from crm.errors import AlreadyClosedError, NotAuthorizedError, NotFoundError, TopLevelError
from crm.explain import AlertKey, Reason, explain_alerts
from crm.proactive import ProactiveConfig
from crm.staff import StaffMember, staff_member
from storage.alert_rows import AlertEventRow, AlertRow, DeliveryRow
from storage.clock import Clock, utc_now
from storage.rows import ClientRow, SnapshotRow, StaffRow
from storage.uow import UnitOfWorkFactory

OPEN_STATUSES = ("open", "snoozed")
LAST_LEVEL = 3


@dataclass(frozen=True)
class AlertView:
    id: int
    rule: str
    priority: str
    client_id: str
    client_name: str
    manager_id: str
    manager_name: str
    as_of: date
    status: str
    escalation_level: int
    created_at: datetime
    acknowledged_by: str | None
    snoozed_until: datetime | None
    next_escalation_at: datetime | None
    total_assets: Decimal
    reason: Reason

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass(frozen=True)
class Escalation:
    """Who is pinged about an alert at which level."""

    alert: AlertView
    level: int
    targets: tuple[StaffMember, ...]
    by: str | None = None  # staff id of a manual escalation


def delivery_kind(alert_id: int) -> str:
    return f"alert:{alert_id}"


class AlertService:
    """What happens to alerts once raised; the rules engine (crm/rules) raises them."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        config: ProactiveConfig,
        *,
        clock: Clock = utc_now,
        timezone: str = "Asia/Shanghai",
        journal: Journal | None = None,
    ) -> None:
        self._uow = uow
        self._config = config
        self.clock = clock
        self._tz = ZoneInfo(timezone)
        # Every alert event (acknowledged, snoozed, done, escalated, reassigned, delivered, …)
        # is journaled in the transaction that records it (DESIGN §9).
        self._journal = journal if journal is not None else Journal(uow, clock=clock)

    def today(self) -> date:
        return self.clock().astimezone(self._tz).date()

    # ------------------------------------------------------------------ reading

    async def _views(self, session: AsyncSession, rows: Sequence[AlertRow]) -> list[AlertView]:
        if not rows:
            return []
        client_ids = sorted({r.client_id for r in rows})
        manager_ids = sorted({r.manager_id for r in rows})
        names = dict(
            (
                await session.execute(
                    select(ClientRow.client_id, ClientRow.name).where(
                        ClientRow.client_id.in_(client_ids)
                    )
                )
            ).all()
        )
        managers = dict(
            (
                await session.execute(
                    select(StaffRow.staff_id, StaffRow.name).where(
                        StaffRow.staff_id.in_(manager_ids)
                    )
                )
            ).all()
        )
        latest = await session.scalar(select(func.max(SnapshotRow.date)))
        assets: dict[str, Decimal] = {}
        if latest is not None:
            assets = dict(
                (
                    await session.execute(
                        select(SnapshotRow.client_id, SnapshotRow.total_assets).where(
                            SnapshotRow.date == latest, SnapshotRow.client_id.in_(client_ids)
                        )
                    )
                ).all()
            )
        reasons = await explain_alerts(
            session, [AlertKey(r.id, r.rule, r.client_id, r.as_of) for r in rows], self.today()
        )
        return [
            AlertView(
                id=r.id,
                rule=r.rule,
                priority=r.priority,
                client_id=r.client_id,
                client_name=names.get(r.client_id, r.client_id),
                manager_id=r.manager_id,
                manager_name=managers.get(r.manager_id, r.manager_id),
                as_of=r.as_of,
                status=r.status,
                escalation_level=r.escalation_level,
                created_at=r.created_at,
                acknowledged_by=r.acknowledged_by,
                snoozed_until=r.snoozed_until,
                next_escalation_at=r.next_escalation_at,
                total_assets=assets.get(r.client_id, Decimal(0)),
                reason=reasons[r.id],
            )
            for r in rows
        ]

    async def get(self, alert_id: int, viewer: StaffMember) -> AlertView:
        """One alert, if the viewer may see it (owner, her supervisor, an admin)."""
        async with self._uow() as uow:
            row = await self._authorised(uow.session, alert_id, viewer, "view")
            return (await self._views(uow.session, [row]))[0]

    async def _authorised(
        self, session: AsyncSession, alert_id: int, actor: StaffMember, action: str
    ) -> AlertRow:
        row = await session.get(AlertRow, alert_id)
        if row is None:
            raise NotFoundError(f"alert {alert_id}")
        fresh = await session.get(StaffRow, actor.staff_id)
        if fresh is None or not fresh.active:
            raise NotAuthorizedError(action)
        owner = row.manager_id == fresh.staff_id
        owner_row = await session.get(StaffRow, row.manager_id)
        supervises = owner_row is not None and owner_row.supervisor_id == fresh.staff_id
        admin = fresh.role == "admin"
        allowed = {
            "view": owner or supervises or admin,
            "acknowledge": owner or supervises or admin,
            "snooze": owner,
            "escalate": owner or supervises,
            "reassign": supervises or admin,
        }[action]
        if not allowed:
            raise NotAuthorizedError(action)
        return row

    # ------------------------------------------------------------------ what staff do

    async def _event(
        self,
        session: AsyncSession,
        alert_id: int,
        action: str,
        actor: str | None,
        target: str | None = None,
        detail: str | None = None,
    ) -> None:
        await self._journal.append(
            actor or "system",
            f"alert.{action}",
            f"alert:{alert_id}",
            {"target": target, "detail": detail},
            session=session,
        )
        session.add(
            AlertEventRow(
                alert_id=alert_id,
                action=action,
                actor_id=actor,
                target_id=target,
                at=self.clock(),
                detail=detail,
            )
        )

    async def acknowledge(self, alert_id: int, actor: StaffMember) -> AlertView:
        """确认: stops the escalation clock. Acknowledging twice is harmless."""
        async with self._uow() as uow:
            row = await self._authorised(uow.session, alert_id, actor, "acknowledge")
            if row.status in OPEN_STATUSES:
                row.status = "acknowledged"
                row.acknowledged_by = actor.staff_id
                row.acknowledged_at = self.clock()
                row.snoozed_until = None
                row.next_escalation_at = None
                await self._event(uow.session, row.id, "acknowledged", actor.staff_id)
                await uow.commit()
            return (await self._views(uow.session, [row]))[0]

    async def snooze(self, alert_id: int, actor: StaffMember) -> AlertView:
        """稍后: remind the owner in snooze_minutes; no escalation before the snooze ends."""
        async with self._uow() as uow:
            row = await self._authorised(uow.session, alert_id, actor, "snooze")
            if row.status not in OPEN_STATUSES:
                raise AlreadyClosedError("alert closed")
            until = self.clock() + timedelta(minutes=self._config.snooze_minutes)
            row.status = "snoozed"
            row.snoozed_until = until
            if row.next_escalation_at is not None and row.next_escalation_at < until:
                row.next_escalation_at = until  # the supervisor is not pinged during the snooze
            await self._event(
                uow.session, row.id, "snoozed", actor.staff_id, detail=until.isoformat()
            )
            await uow.commit()
            return (await self._views(uow.session, [row]))[0]

    async def mark_done(self, alert_id: int, actor: StaffMember) -> AlertView:
        """The task behind the alert is done (from the briefing)."""
        async with self._uow() as uow:
            row = await self._authorised(uow.session, alert_id, actor, "acknowledge")
            if row.status != "done":
                if row.acknowledged_by is None:
                    row.acknowledged_by = actor.staff_id
                    row.acknowledged_at = self.clock()
                row.status = "done"
                row.snoozed_until = None
                row.next_escalation_at = None
                await self._event(uow.session, row.id, "done", actor.staff_id)
                await uow.commit()
            return (await self._views(uow.session, [row]))[0]

    async def escalate(self, alert_id: int, actor: StaffMember) -> Escalation:
        """升级 pressed: escalate to the next level now (supervisor, then admins)."""
        async with self._uow() as uow:
            row = await self._authorised(uow.session, alert_id, actor, "escalate")
            if row.status not in OPEN_STATUSES:
                raise AlreadyClosedError("alert closed")
            if row.escalation_level >= LAST_LEVEL:
                raise TopLevelError("alert at the top level")
            level = max(row.escalation_level + 1, 2 if actor.role == "supervisor" else 1)
            targets = await self._targets(uow.session, row, level)
            self._escalated(row, level)
            for target in targets:
                await self._event(
                    uow.session,
                    row.id,
                    "escalated",
                    actor.staff_id,
                    target.staff_id,
                    f"level {level}",
                )
            await uow.commit()
            view = (await self._views(uow.session, [row]))[0]
            return Escalation(view, level, tuple(targets), by=actor.staff_id)

    def _escalated(self, row: AlertRow, level: int) -> None:
        row.escalation_level = level
        row.next_escalation_at = (
            self.clock() + timedelta(minutes=self._config.escalation_minutes)
            if level < LAST_LEVEL
            else None
        )

    async def _targets(self, session: AsyncSession, row: AlertRow, level: int) -> list[StaffMember]:
        """Level 1–2: the owner's supervisor (admins when she has none); level 3: the admins."""
        if level < LAST_LEVEL:
            owner = await session.get(StaffRow, row.manager_id)
            if owner is not None and owner.supervisor_id:
                supervisor = await session.get(StaffRow, owner.supervisor_id)
                if supervisor is not None and supervisor.active:
                    return [staff_member(supervisor)]
        admins = await session.scalars(
            select(StaffRow)
            .where(StaffRow.role == "admin", StaffRow.active.is_(True))
            .order_by(StaffRow.staff_id)
        )
        return [staff_member(a) for a in admins]

    async def teammates(
        self, alert_id: int, actor: StaffMember
    ) -> tuple[AlertView, list[StaffMember]]:
        """Managers the alert may be reassigned to: the owner's active teammates."""
        async with self._uow() as uow:
            row = await self._authorised(uow.session, alert_id, actor, "reassign")
            owner = await uow.session.get(StaffRow, row.manager_id)
            supervisor_id = owner.supervisor_id if owner else None
            rows = await uow.session.scalars(
                select(StaffRow)
                .where(
                    StaffRow.role == "manager",
                    StaffRow.active.is_(True),
                    StaffRow.supervisor_id == supervisor_id,
                    StaffRow.staff_id != row.manager_id,
                )
                .order_by(StaffRow.staff_id)
            )
            view = (await self._views(uow.session, [row]))[0]
            return view, [staff_member(r) for r in rows]

    async def reassign(self, alert_id: int, actor: StaffMember, to_staff_id: str) -> AlertView:
        """Hand the alert to a teammate; she gets it delivered (the sweep) like a new one."""
        async with self._uow() as uow:
            row = await self._authorised(uow.session, alert_id, actor, "reassign")
            if row.status not in OPEN_STATUSES:
                raise AlreadyClosedError("alert closed")
            owner = await uow.session.get(StaffRow, row.manager_id)
            target = await uow.session.get(StaffRow, to_staff_id)
            if (
                target is None
                or not target.active
                or target.role != "manager"
                or owner is None
                or target.supervisor_id != owner.supervisor_id
                or target.staff_id == row.manager_id
            ):
                raise NotAuthorizedError("reassign")
            previous = row.manager_id
            row.manager_id = target.staff_id
            row.status = "open"
            row.snoozed_until = None
            row.next_escalation_at = self.clock() + timedelta(
                minutes=self._config.escalation_minutes
            )
            await self._event(
                uow.session,
                row.id,
                "reassigned",
                actor.staff_id,
                target.staff_id,
                f"from {previous}",
            )
            await uow.commit()
            return (await self._views(uow.session, [row]))[0]

    # ------------------------------------------------------------------ what the scheduler does

    async def undelivered(self, *, max_age_hours: int = 24) -> list[AlertView]:
        """Open P1/P2 alerts raised recently whose owner has not been sent them yet."""
        now = self.clock()
        settled = exists().where(
            and_(
                DeliveryRow.staff_id == AlertRow.manager_id,
                DeliveryRow.kind == literal("alert:", String) + cast(AlertRow.id, String),
                DeliveryRow.status != "pending",
            )
        )
        async with self._uow() as uow:
            rows = (
                await uow.session.scalars(
                    select(AlertRow)
                    .where(
                        AlertRow.priority.in_(("P1", "P2")),
                        AlertRow.status.in_(OPEN_STATUSES),
                        AlertRow.created_at >= now - timedelta(hours=max_age_hours),
                        ~settled,
                    )
                    .order_by(AlertRow.priority, AlertRow.id)
                )
            ).all()
            return await self._views(uow.session, rows)

    async def ping_targets(self, alert_id: int) -> Escalation:
        """Level 1, on delivery of a P1: the supervisor; starts the escalation clock once."""
        async with self._uow() as uow:
            row = await uow.session.get(AlertRow, alert_id)
            if row is None:
                raise NotFoundError(f"alert {alert_id}")
            targets = await self._targets(uow.session, row, 1)
            if row.escalation_level == 0 and row.status in OPEN_STATUSES:
                self._escalated(row, 1)
                await uow.commit()
            view = (await self._views(uow.session, [row]))[0]
            return Escalation(view, 1, tuple(targets))

    async def record_delivery(self, alert_id: int, to_staff_id: str) -> None:
        async with self._uow() as uow:
            await self._event(uow.session, alert_id, "delivered", None, to_staff_id)
            await uow.commit()

    async def record_ping(self, alert_id: int, level: int, target_id: str) -> None:
        async with self._uow() as uow:
            await self._event(uow.session, alert_id, "pinged", None, target_id, f"level {level}")
            await uow.commit()

    async def due_escalations(self) -> list[Escalation]:
        """P1s still unacknowledged at their next escalation time: bump the level and say to whom.

        The level is advanced in the same transaction, so a second sweep does not repeat it;
        the ledger (kind esc:<id>:<level>) makes the pings themselves exactly-once.
        """
        now = self.clock()
        out: list[Escalation] = []
        async with self._uow() as uow:
            rows = (
                await uow.session.scalars(
                    select(AlertRow)
                    .where(
                        AlertRow.priority == "P1",
                        AlertRow.status.in_(OPEN_STATUSES),
                        AlertRow.next_escalation_at.is_not(None),
                        AlertRow.next_escalation_at <= now,
                        AlertRow.escalation_level < LAST_LEVEL,
                        # Snoozed: held until the snooze ends (rows snoozed before this rule).
                        or_(
                            AlertRow.status != "snoozed",
                            AlertRow.snoozed_until.is_(None),
                            AlertRow.snoozed_until <= now,
                        ),
                    )
                    .order_by(AlertRow.id)
                )
            ).all()
            plans: list[tuple[AlertRow, int, list[StaffMember]]] = []
            for row in rows:
                level = row.escalation_level + 1
                targets = await self._targets(uow.session, row, level)
                self._escalated(row, level)
                for target in targets:
                    await self._event(
                        uow.session, row.id, "escalated", None, target.staff_id, f"level {level}"
                    )
                plans.append((row, level, targets))
            await uow.commit()
            views = {v.id: v for v in await self._views(uow.session, rows)}
            for row, level, targets in plans:
                out.append(Escalation(views[row.id], level, tuple(targets)))
        return out

    async def unsent_escalations(self) -> list[Escalation]:
        """Escalations recorded (level raised, "escalated" events written) whose pings have no
        settled ledger row: the process stopped between raising the level and sending.

        Only each open P1's current level counts: a later level supersedes a lost earlier ping.
        """
        e, a, d = AlertEventRow, AlertRow, DeliveryRow
        kind = (
            literal("esc:", String)
            + cast(a.id, String)
            + literal(":", String)
            + cast(a.escalation_level, String)
        )
        settled = exists().where(d.staff_id == e.target_id, d.kind == kind, d.status != "pending")
        async with self._uow() as uow:
            found = (
                await uow.session.execute(
                    select(a, e.target_id)
                    .join(e, e.alert_id == a.id)
                    .where(
                        a.priority == "P1",
                        a.status.in_(OPEN_STATUSES),
                        a.escalation_level > 1,
                        e.action == "escalated",
                        e.target_id.is_not(None),
                        e.detail == literal("level ", String) + cast(a.escalation_level, String),
                        ~settled,
                    )
                    .order_by(a.id, e.id)
                )
            ).all()
            if not found:
                return []
            rows = list({row.id: row for row, _ in found}.values())
            views = {v.id: v for v in await self._views(uow.session, rows)}
            targets: dict[int, list[StaffMember]] = {}
            for row, target_id in found:
                member = await uow.session.get(StaffRow, target_id)
                if member is not None and member.active:
                    targets.setdefault(row.id, []).append(staff_member(member))
            return [
                Escalation(views[row.id], row.escalation_level, tuple(targets[row.id]))
                for row in rows
                if row.id in targets
            ]

    async def due_snoozes(self) -> list[AlertView]:
        """Snoozed alerts whose time has come: reopened (a reminder goes to the owner)."""
        now = self.clock()
        async with self._uow() as uow:
            rows = (
                await uow.session.scalars(
                    select(AlertRow)
                    .where(
                        AlertRow.status == "snoozed",
                        AlertRow.snoozed_until.is_not(None),
                        AlertRow.snoozed_until <= now,
                    )
                    .order_by(AlertRow.id)
                )
            ).all()
            views = await self._views(uow.session, rows)
            for row in rows:
                row.status = "open"
                row.snoozed_until = None
                await self._event(uow.session, row.id, "reminded", None, row.manager_id)
            await uow.commit()
            return views

    async def events(self, alert_id: int) -> list[tuple[str, str | None, str | None]]:
        """(action, actor, target) of an alert, oldest first (tests, audits)."""
        async with self._uow() as uow:
            rows = await uow.session.scalars(
                select(AlertEventRow)
                .where(AlertEventRow.alert_id == alert_id)
                .order_by(AlertEventRow.id)
            )
            return [(r.action, r.actor_id, r.target_id) for r in rows]

    async def admins(self) -> list[StaffMember]:
        async with self._uow() as uow:
            rows = await uow.session.scalars(
                select(StaffRow)
                .where(StaffRow.role == "admin", StaffRow.active.is_(True))
                .order_by(StaffRow.staff_id)
            )
            return [staff_member(r) for r in rows]

    async def staff(self, staff_id: str) -> StaffMember | None:
        async with self._uow() as uow:
            row = await uow.session.get(StaffRow, staff_id)
            return staff_member(row) if row else None
