"""A supervisor's team KPIs (/team, the morning digest): per manager, over the last 7 and 30 days.

Each figure is read for the whole team at once (one query per figure, never a query per
manager), over rolling windows ending now:
- notes: notes written (not deleted); contacts: contacts logged (calls, notes, meetings, ✅);
- P1 acknowledgement: for P1 alerts raised in the window and owned by the manager, the median
  of (acknowledged − raised) over those acknowledged, and the worst, where one still open counts
  with the time it has waited so far (an unanswered P1 is the worst case, not a missing one);
- SLA breaches: first-response and resolution clocks of her tickets (DESIGN §8) that ran out in
  the window without the response or resolution;
- overdue follow-ups: follow-ups due in the window and not done by their due time (done late,
  or still open);
- silent HNW not contacted: her high-net-worth clients (latest snapshot > 5,000,000) with no
  trade for `digest_hnw_silent_days`, whom nobody contacted in the window.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from statistics import median
from typing import Any

from sqlalchemy import Select, and_, case, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.errors import NotAuthorizedError, NotFoundError
from crm.proactive import ProactiveConfig
from crm.staff import StaffMember, staff_member
from crm.tickets import breached_clocks
from storage.activity_rows import ContactRow, FollowUpRow, NoteRow
from storage.alert_rows import AlertRow
from storage.clock import Clock, utc_now
from storage.rows import ClientRow, SnapshotRow, StaffRow, TicketRow, TradeRow
from storage.uow import UnitOfWorkFactory

WINDOWS = (7, 30)  # days
HNW_ABOVE = Decimal(5_000_000)


@dataclass(frozen=True)
class Figures:
    """One manager's figures over one window."""

    notes: int = 0
    contacts: int = 0
    p1: int = 0  # P1 alerts raised
    p1_median_minutes: float | None = None  # over the acknowledged ones
    p1_worst_minutes: float | None = None  # an open one counts with its wait so far
    p1_open: int = 0  # not acknowledged yet
    sla_breaches: int = 0
    overdue: int = 0
    silent_hnw: int = 0  # silent HNW clients nobody contacted in the window


@dataclass(frozen=True)
class ManagerKpis:
    manager: StaffMember
    windows: Mapping[int, Figures]  # days → figures


@dataclass(frozen=True)
class TeamKpis:
    """The KPIs of one team (supervisor set) or of every manager (supervisor None)."""

    supervisor: StaffMember | None
    at: datetime
    managers: tuple[ManagerKpis, ...]
    windows: tuple[int, ...] = WINDOWS
    totals: Mapping[int, Figures] = field(default_factory=dict)


@dataclass(frozen=True)
class Team:
    supervisor: StaffMember
    size: int


class TeamService:
    """Team KPIs for supervisors (their team) and admins (any team, or all)."""

    def __init__(
        self, uow: UnitOfWorkFactory, config: ProactiveConfig, *, clock: Clock = utc_now
    ) -> None:
        self._uow = uow
        self._config = config
        self.clock = clock

    async def teams(self, viewer: StaffMember) -> list[Team]:
        """The supervisors with active managers (an admin's choice of team)."""
        async with self._uow() as uow:
            await self._viewer(uow.session, viewer, admin_only=True)
            managers = _managers(None).subquery()
            rows = (
                await uow.session.execute(
                    select(StaffRow, func.count(managers.c.staff_id))
                    .join(managers, managers.c.supervisor_id == StaffRow.staff_id)
                    .where(StaffRow.active.is_(True))
                    .group_by(StaffRow.staff_id)
                    .order_by(StaffRow.staff_id)
                )
            ).all()
            return [Team(staff_member(row), count) for row, count in rows]

    async def kpis(self, viewer: StaffMember, team: str | None = None) -> TeamKpis:
        """Her own team for a supervisor; `team` (a supervisor id) or every manager for an admin."""
        now = self.clock()
        async with self._uow() as uow:
            session = uow.session
            fresh = await self._viewer(session, viewer)
            if fresh.role == "supervisor":
                if team not in (None, fresh.staff_id):
                    raise NotAuthorizedError("team")
                team = fresh.staff_id
            supervisor: StaffMember | None = None
            if team is not None:
                row = await session.get(StaffRow, team)
                if row is None or row.role != "supervisor":
                    raise NotFoundError(f"team {team}")
                supervisor = staff_member(row)
            return await self._kpis(session, supervisor, team, now)

    async def of_team(self, supervisor_id: str) -> TeamKpis:
        """The team's KPIs for its own morning digest (the caller has checked who asks)."""
        now = self.clock()
        async with self._uow() as uow:
            row = await uow.session.get(StaffRow, supervisor_id)
            if row is None:
                raise NotFoundError(f"team {supervisor_id}")
            return await self._kpis(uow.session, staff_member(row), supervisor_id, now)

    async def _kpis(
        self, session: AsyncSession, supervisor: StaffMember | None, team: str | None, now: datetime
    ) -> TeamKpis:
        """The figures of the team's active managers (every manager: team None), with totals."""
        members = [staff_member(r) for r in (await session.scalars(_managers(team))).all()]
        figures = await self.figures(session, team, now)
        managers = tuple(
            ManagerKpis(m, {days: figures.get((m.staff_id, days), Figures()) for days in WINDOWS})
            for m in members
        )
        totals = {days: _total(k.windows[days] for k in managers) for days in WINDOWS}
        return TeamKpis(supervisor, now, managers, WINDOWS, totals)

    async def manager(self, viewer: StaffMember, manager_id: str) -> StaffMember:
        """A manager whose list the viewer may open: her supervisor's, or any for an admin."""
        async with self._uow() as uow:
            fresh = await self._viewer(uow.session, viewer)
            row = await uow.session.get(StaffRow, manager_id)
            if row is None or row.role != "manager":
                raise NotFoundError(f"manager {manager_id}")
            if fresh.role != "admin" and row.supervisor_id != fresh.staff_id:
                raise NotAuthorizedError("team")
            return staff_member(row)

    async def _viewer(
        self, session: AsyncSession, viewer: StaffMember, *, admin_only: bool = False
    ) -> StaffRow:
        fresh = await session.get(StaffRow, viewer.staff_id)
        allowed = ("admin",) if admin_only else ("admin", "supervisor")
        if fresh is None or not fresh.active or fresh.role not in allowed:
            raise NotAuthorizedError("team")
        return fresh

    # ------------------------------------------------------------------ the figures

    async def figures(
        self, session: AsyncSession, team: str | None, now: datetime
    ) -> dict[tuple[str, int], Figures]:
        """(manager id, days) → Figures for the team's active managers (None: every manager)."""
        ids = select(_managers(team).subquery().c.staff_id)
        cuts = {days: now - timedelta(days=days) for days in WINDOWS}
        longest = cuts[max(WINDOWS)]
        values: dict[tuple[str, int], dict[str, Any]] = {}

        def put(manager_id: str, days: int, name: str, value: Any) -> None:
            values.setdefault((manager_id, days), {})[name] = value

        async def counted(name: str, query: Select[Any]) -> None:
            for manager_id, *counts in (await session.execute(query)).all():
                for days, count in zip(WINDOWS, counts, strict=True):
                    put(manager_id, days, name, int(count or 0))

        def per_window(column: Any) -> list[Any]:
            return [func.sum(case((column >= cuts[days], 1), else_=0)) for days in WINDOWS]

        await counted(
            "notes",
            select(NoteRow.author_id, *per_window(NoteRow.created_at))
            .where(
                NoteRow.author_id.in_(ids),
                NoteRow.created_at >= longest,
                NoteRow.deleted_at.is_(None),
            )
            .group_by(NoteRow.author_id),
        )
        await counted(
            "contacts",
            select(ContactRow.staff_id, *per_window(ContactRow.at))
            .where(ContactRow.staff_id.in_(ids), ContactRow.at >= longest)
            .group_by(ContactRow.staff_id),
        )
        late = or_(
            and_(FollowUpRow.status == "open", FollowUpRow.due_at < now),
            and_(FollowUpRow.status == "done", FollowUpRow.done_at > FollowUpRow.due_at),
        )
        await counted(
            "overdue",
            select(FollowUpRow.owner_id, *per_window(FollowUpRow.due_at))
            .where(
                FollowUpRow.owner_id.in_(ids),
                FollowUpRow.due_at >= longest,
                FollowUpRow.due_at < now,
                late,
            )
            .group_by(FollowUpRow.owner_id),
        )
        await self._silent_hnw(session, ids, now, cuts, put)
        p1 = (
            await session.execute(
                select(
                    AlertRow.manager_id,
                    AlertRow.created_at,
                    AlertRow.acknowledged_at,
                    AlertRow.status,
                ).where(
                    AlertRow.manager_id.in_(ids),
                    AlertRow.priority == "P1",
                    AlertRow.created_at >= longest,
                )
            )
        ).all()
        for manager_id, days, figures in _p1_figures(p1, now, cuts):
            for name, value in figures.items():
                put(manager_id, days, name, value)
        for (manager_id, days), count in (await self._breaches(session, ids, now, cuts)).items():
            put(manager_id, days, "sla_breaches", count)
        return {key: Figures(**named) for key, named in values.items()}

    async def _silent_hnw(
        self,
        session: AsyncSession,
        ids: Select[Any],
        now: datetime,
        cuts: Mapping[int, datetime],
        put: Any,
    ) -> None:
        latest = await session.scalar(
            select(func.max(SnapshotRow.date)).where(SnapshotRow.date <= now.date())
        )
        if latest is None:
            return
        silent_since = now - timedelta(days=self._config.digest_hnw_silent_days)
        traded = exists().where(
            TradeRow.client_id == ClientRow.client_id, TradeRow.traded_at >= silent_since
        )

        def contacted(days: int) -> Any:
            return exists().where(
                ContactRow.client_id == ClientRow.client_id, ContactRow.at >= cuts[days]
            )

        query = (
            select(
                ClientRow.manager_id,
                *[func.sum(case((~contacted(days), 1), else_=0)) for days in WINDOWS],
            )
            .join(SnapshotRow, SnapshotRow.client_id == ClientRow.client_id)
            .where(
                ClientRow.manager_id.in_(ids),
                SnapshotRow.date == latest,
                SnapshotRow.total_assets > HNW_ABOVE,
                ~traded,
            )
            .group_by(ClientRow.manager_id)
        )
        for manager_id, *counts in (await session.execute(query)).all():
            for days, count in zip(WINDOWS, counts, strict=True):
                put(manager_id, days, "silent_hnw", int(count or 0))

    async def _breaches(
        self,
        session: AsyncSession,
        ids: Select[Any],
        now: datetime,
        cuts: Mapping[int, datetime],
    ) -> dict[tuple[str, int], int]:
        """Clocks that ran out in each window (crm/tickets.breached_clocks, the clocks the SLA
        sweep raises): the tickets that may have one, read in one query."""
        sla = self._config.ticket_sla
        longest = max((c.first_response + c.resolution for c in sla.values()), default=timedelta())
        earliest = cuts[max(WINDOWS)] - longest
        t = TicketRow
        query = select(
            t.manager_id, t.category, t.opened_at, t.first_response_at, t.closed_at
        ).where(
            t.manager_id.in_(ids),
            or_(t.closed_at.is_(None), t.closed_at >= earliest),
            t.opened_at >= earliest - longest,
        )
        counts: dict[tuple[str, int], int] = {}
        for manager_id, category, opened, responded, closed in (await session.execute(query)).all():
            for _clock, due in breached_clocks(sla, category, opened, responded, closed, now):
                for days in WINDOWS:
                    if cuts[days] <= due <= now:
                        key = (manager_id or "", days)
                        counts[key] = counts.get(key, 0) + 1
        return counts


def _managers(team: str | None) -> Select[StaffRow]:
    query = select(StaffRow).where(StaffRow.role == "manager", StaffRow.active.is_(True))
    if team is not None:
        query = query.where(StaffRow.supervisor_id == team)
    return query.order_by(StaffRow.staff_id)


def _minutes(delta: timedelta) -> float:
    return delta.total_seconds() / 60


def _p1_figures(
    rows: Sequence[Any], now: datetime, cuts: Mapping[int, datetime]
) -> Iterable[tuple[str, int, dict[str, Any]]]:
    waits: dict[tuple[str, int], list[float]] = {}
    worst: dict[tuple[str, int], float] = {}
    raised: dict[tuple[str, int], int] = {}
    still_open: dict[tuple[str, int], int] = {}
    for manager_id, created, acknowledged, status in rows:
        for days in WINDOWS:
            if created < cuts[days]:
                continue
            key = (manager_id, days)
            raised[key] = raised.get(key, 0) + 1
            if acknowledged is not None:
                wait = _minutes(acknowledged - created)
                waits.setdefault(key, []).append(wait)
            elif status in ("open", "snoozed"):
                wait = _minutes(now - created)
                still_open[key] = still_open.get(key, 0) + 1
            else:
                continue  # dismissed without an acknowledgement: no wait to measure
            worst[key] = max(worst.get(key, 0.0), wait)
    for key, count in raised.items():
        acknowledged_waits = waits.get(key)
        yield (
            key[0],
            key[1],
            {
                "p1": count,
                "p1_median_minutes": median(acknowledged_waits) if acknowledged_waits else None,
                "p1_worst_minutes": worst.get(key),
                "p1_open": still_open.get(key, 0),
            },
        )


def _total(figures: Iterable[Figures]) -> Figures:
    """The team's sums; the acknowledgement times are the worst manager's worst, no median."""
    listed = list(figures)
    worst = [f.p1_worst_minutes for f in listed if f.p1_worst_minutes is not None]
    return Figures(
        notes=sum(f.notes for f in listed),
        contacts=sum(f.contacts for f in listed),
        p1=sum(f.p1 for f in listed),
        p1_worst_minutes=max(worst) if worst else None,
        p1_open=sum(f.p1_open for f in listed),
        sla_breaches=sum(f.sla_breaches for f in listed),
        overdue=sum(f.overdue for f in listed),
        silent_hnw=sum(f.silent_hnw for f in listed),
    )
