"""The morning briefing of a manager and the supervisor digest, composed from the book.

Ranking (issue 5): open P1 alerts, overdue follow-ups, tickets due today (the running SLA clock
of crm/tickets.py ends today or has ended), P2 event tasks,
follow-ups due today, silent clients (P3), greetings (P4); within each group by total assets,
largest first. Composition is set-based: `compose_many` reads the whole team or firm in a fixed
number of queries, so 1,000 briefings cost about what one does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from audit import Journal
from crm.alerts import OPEN_STATUSES, AlertService
from crm.errors import NotAuthorizedError, NotFoundError, UsageError
from crm.explain import (
    AlertKey,
    FollowUpFacts,
    Reason,
    SilentFacts,
    TicketFacts,
    chunks,
    day_bounds,
    explain_alerts,
)
from crm.proactive import ProactiveConfig
from crm.staff import StaffMember, staff_member
from crm.team import TeamKpis, TeamService
from crm.tickets import running_clock
from crm.trading_days import TradingCalendar
from storage.activity_rows import FollowUpRow
from storage.alert_rows import AlertRow
from storage.clock import Clock, utc_now
from storage.rows import ClientRow, SnapshotRow, StaffRow, TicketRow, TradeRow
from storage.uow import UnitOfWorkFactory

GROUPS = ("p1", "overdue", "ticket", "event", "due_today", "silent", "greeting")
GROUP_OF_PRIORITY = {"P1": "p1", "P2": "event", "P3": "silent", "P4": "greeting"}
HNW_ABOVE = Decimal(5_000_000)
P2_DAYS = 7  # an unhandled event task stays on the list this long
P4_DAYS = 3  # a greeting is stale after this


@dataclass(frozen=True)
class BriefingTask:
    """The follow-up created from an item's alert (crm/alert_tasks.py): shown on the alert's
    line, so the briefing names the alert and its task once."""

    follow_up_id: int
    state: str  # due_today | overdue | later (snoozed past today) | done | cancelled
    due: str  # local 'MM-DD HH:MM'
    time: str  # local 'HH:MM'


@dataclass(frozen=True)
class BriefingItem:
    group: str
    client_id: str | None
    client_name: str
    total_assets: Decimal
    reason: Reason
    ref_kind: str  # alert | followup | ticket
    ref_id: str
    manager_id: str = ""
    manager_name: str = ""
    task: BriefingTask | None = None  # an alert item's task, if the alert made one


@dataclass(frozen=True)
class Briefing:
    staff: StaffMember
    day: date
    trading_day: bool
    data_date: date | None
    items: tuple[BriefingItem, ...]

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(GROUPS, 0)
        for item in self.items:
            counts[item.group] += 1
        return counts

    def page(self, number: int, size: int) -> tuple[BriefingItem, ...]:
        return self.items[number * size : (number + 1) * size]

    def pages(self, size: int) -> int:
        return max(1, -(-len(self.items) // size))


@dataclass(frozen=True)
class Digest:
    supervisor: StaffMember
    day: date
    team: tuple[StaffMember, ...]
    open_p1: tuple[BriefingItem, ...]
    escalations: tuple[BriefingItem, ...]
    overdue: tuple[BriefingItem, ...]
    silent_hnw: tuple[BriefingItem, ...]
    overdue_by_manager: dict[str, int] = field(default_factory=dict)
    kpis: TeamKpis | None = None  # the team's figures over 7 and 30 days (issue 14)

    @property
    def empty(self) -> bool:
        return not (self.open_p1 or self.escalations or self.overdue or self.silent_hnw)


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def is_time_zone(name: str) -> bool:
    """An IANA zone name the system knows (Asia/Shanghai, Europe/London, UTC)."""
    return name in _zones()


class BriefingService:
    """Composes briefings and digests; marks briefing items done."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        config: ProactiveConfig,
        alerts: AlertService,
        *,
        clock: Clock = utc_now,
        timezone: str = "Asia/Shanghai",
        staff_changed: Callable[[], None] | None = None,
        journal: Journal | None = None,
    ) -> None:
        self._uow = uow
        self._staff_changed = staff_changed  # clears StaffService's lookup cache
        # /settings changes are journaled in their transaction (DESIGN §9).
        self._journal = journal if journal is not None else Journal(uow, clock=lambda: self.clock())
        self.config = config
        self.calendar: TradingCalendar = config.calendar()
        self._alerts = alerts
        self.clock = clock
        self.timezone = timezone

    def today(self, tz: str | None = None) -> date:
        return self.clock().astimezone(ZoneInfo(tz or self.timezone)).date()

    def due_at(self, member: StaffMember, day: date) -> datetime:
        """When the briefing of `day` is due for this member (her time and zone), in UTC."""
        local = datetime.combine(day, member.briefing_time, tzinfo=ZoneInfo(member.timezone))
        return local.astimezone(UTC)

    # ------------------------------------------------------------------ staff

    async def member(self, staff_id: str) -> StaffMember:
        async with self._uow() as uow:
            row = await uow.session.get(StaffRow, staff_id)
            if row is None:
                raise NotFoundError(staff_id)
            return staff_member(row)

    async def recipients(self) -> list[StaffMember]:
        """Active managers and supervisors: who gets a briefing or digest job."""
        async with self._uow() as uow:
            rows = await uow.session.scalars(
                select(StaffRow)
                .where(StaffRow.active.is_(True), StaffRow.role.in_(("manager", "supervisor")))
                .order_by(StaffRow.staff_id)
            )
            return [staff_member(r) for r in rows]

    async def set_preferences(
        self,
        staff_id: str,
        *,
        briefing_time: time | None = None,
        language: str | None = None,
        timezone: str | None = None,
    ) -> StaffMember:
        """/settings: change her briefing time (HH:MM), language and/or time zone (an IANA
        name). What she chooses is marked as hers, so a staff CSV import keeps it."""
        if language is not None and language not in ("zh", "en"):
            raise UsageError("language")
        if timezone is not None and not is_time_zone(timezone):
            raise UsageError("timezone")
        async with self._uow() as uow:
            row = await uow.session.get(StaffRow, staff_id)
            if row is None:
                raise NotFoundError(staff_id)
            if briefing_time is not None:
                row.briefing_time = briefing_time.replace(second=0, microsecond=0, tzinfo=None)
                row.briefing_time_chosen = True
            if language is not None:
                row.language = language
                row.language_chosen = True
            if timezone is not None:
                row.timezone = timezone
                row.timezone_chosen = True
            changed = {
                "briefing_time": briefing_time.strftime("%H:%M") if briefing_time else None,
                "language": language,
                "timezone": timezone,
            }
            await self._journal.append(
                staff_id,
                "staff.settings",
                f"staff:{staff_id}",
                {k: v for k, v in changed.items() if v is not None},
                session=uow.session,
            )
            await uow.commit()
            if self._staff_changed is not None:
                self._staff_changed()
            return staff_member(row)

    # ------------------------------------------------------------------ composing

    async def compose(self, staff_id: str, day: date | None = None) -> Briefing:
        """The briefing of one manager for `day` (default: today in her zone)."""
        member = await self.member(staff_id)
        day = day or self.today(member.timezone)
        return (await self.compose_many([member], day))[0]

    async def compose_many(self, members: Sequence[StaffMember], day: date) -> list[Briefing]:
        """Briefings of many managers for one day, in a fixed number of queries."""
        if not members:
            return []
        by_id = {m.staff_id: m for m in members}
        ids = list(by_id)
        now = self.clock()
        trading = self.calendar.is_trading_day(day)
        items: dict[str, list[BriefingItem]] = {m: [] for m in ids}
        async with self._uow() as uow:
            session = uow.session
            data_date = await session.scalar(
                select(func.max(SnapshotRow.date)).where(SnapshotRow.date <= day)
            )
            for part in chunks(ids):
                alerts = await self._open_alerts(session, list(part), day)
                tasks = await self._alert_tasks(session, alerts, day, by_id)
                follow_ups = [  # an alert's task is shown on the alert's line, not twice
                    (f, group)
                    for f, group in await self._follow_ups(session, list(part), day, by_id)
                    if f.alert_id is None or f.alert_id not in tasks
                ]
                tickets = await self._tickets(session, list(part), day, now, by_id)
                reasons = await explain_alerts(
                    session, [AlertKey(a.id, a.rule, a.client_id, a.as_of) for a in alerts], day
                )
                client_ids = sorted(
                    {a.client_id for a in alerts}
                    | {f.client_id for f, _ in follow_ups if f.client_id}
                    | {t.client_id for t, _, _, _ in tickets}
                )
                names, assets = await self._clients(session, client_ids, data_date)
                for a in alerts:
                    items[a.manager_id].append(
                        BriefingItem(
                            GROUP_OF_PRIORITY[a.priority],
                            a.client_id,
                            names.get(a.client_id, a.client_id),
                            assets.get(a.client_id, Decimal(0)),
                            reasons[a.id],
                            "alert",
                            str(a.id),
                            a.manager_id,
                            task=tasks.get(a.id),
                        )
                    )
                for f, group in follow_ups:
                    due_local = f.due_at.astimezone(ZoneInfo(by_id[f.owner_id].timezone))
                    items[f.owner_id].append(
                        BriefingItem(
                            group,
                            f.client_id,
                            names.get(f.client_id or "", ""),
                            assets.get(f.client_id or "", Decimal(0)),
                            Reason(
                                "followup_overdue" if group == "overdue" else "followup_today",
                                FollowUpFacts(
                                    title=f.title,
                                    due=due_local.strftime("%m-%d %H:%M"),
                                    time=due_local.strftime("%H:%M"),
                                ),
                            ),
                            "followup",
                            str(f.id),
                            f.owner_id,
                        )
                    )
                for ticket, manager_id, clock, minutes_left in tickets:
                    items[manager_id].append(
                        BriefingItem(
                            "ticket",
                            ticket.client_id,
                            names.get(ticket.client_id, ticket.client_id),
                            assets.get(ticket.client_id, Decimal(0)),
                            Reason(
                                "ticket_sla",
                                TicketFacts(
                                    category=ticket.category,
                                    summary=ticket.summary,
                                    minutes_left=minutes_left,
                                    ticket_id=ticket.ticket_id,
                                    clock=clock,
                                ),
                            ),
                            "ticket",
                            ticket.ticket_id,
                            manager_id,
                        )
                    )
        order = {g: i for i, g in enumerate(GROUPS)}
        return [
            Briefing(
                staff=by_id[m],
                day=day,
                trading_day=trading,
                data_date=data_date,
                items=tuple(
                    sorted(
                        items[m],
                        key=lambda i: (order[i.group], -i.total_assets, i.client_name, i.ref_id),
                    )
                ),
            )
            for m in ids
        ]

    async def _open_alerts(
        self, session: AsyncSession, manager_ids: list[str], day: date
    ) -> list[AlertRow]:
        rows = await session.scalars(
            select(AlertRow)
            .where(AlertRow.manager_id.in_(manager_ids), AlertRow.status.in_(OPEN_STATUSES))
            .where(AlertRow.as_of <= day)
            .order_by(AlertRow.id)
        )
        fresh_p2 = day - timedelta(days=P2_DAYS)
        fresh_p4 = day - timedelta(days=P4_DAYS)
        return [
            r
            for r in rows
            if not (r.priority == "P2" and r.as_of < fresh_p2)
            and not (r.priority == "P4" and r.as_of < fresh_p4)
        ]

    async def _alert_tasks(
        self,
        session: AsyncSession,
        alerts: Sequence[AlertRow],
        day: date,
        by_id: dict[str, StaffMember],
    ) -> dict[int, BriefingTask]:
        """alert id → its task (any status), for the alerts on the briefing."""
        owner = {a.id: a.manager_id for a in alerts}
        found: dict[int, BriefingTask] = {}
        for part in chunks(sorted(owner)):
            if not part:
                continue
            rows = await session.scalars(
                select(FollowUpRow).where(FollowUpRow.alert_id.in_(list(part)))
            )
            for row in rows:
                if row.alert_id is None:
                    continue
                zone = ZoneInfo(by_id[owner[row.alert_id]].timezone)
                start, end = day_bounds(day, zone)
                if row.status != "open":
                    state = row.status
                elif row.due_at < start:
                    state = "overdue"
                elif row.due_at < end:
                    state = "due_today"
                else:
                    state = "later"
                local = row.due_at.astimezone(zone)
                found[row.alert_id] = BriefingTask(
                    row.id, state, local.strftime("%m-%d %H:%M"), local.strftime("%H:%M")
                )
        return found

    async def _follow_ups(
        self,
        session: AsyncSession,
        owner_ids: list[str],
        day: date,
        by_id: dict[str, StaffMember],
    ) -> list[tuple[FollowUpRow, str]]:
        latest_end = max(day_bounds(day, ZoneInfo(by_id[o].timezone))[1] for o in owner_ids)
        rows = await session.scalars(
            select(FollowUpRow)
            .where(
                FollowUpRow.owner_id.in_(owner_ids),
                FollowUpRow.status == "open",
                FollowUpRow.due_at < latest_end,
            )
            .order_by(FollowUpRow.due_at)
        )
        out: list[tuple[FollowUpRow, str]] = []
        for row in rows:
            start, end = day_bounds(day, ZoneInfo(by_id[row.owner_id].timezone))
            if row.due_at < start:
                out.append((row, "overdue"))
            elif row.due_at < end:
                out.append((row, "due_today"))
        return out

    async def _tickets(
        self,
        session: AsyncSession,
        manager_ids: list[str],
        day: date,
        now: datetime,
        by_id: dict[str, StaffMember],
    ) -> list[tuple[TicketRow, str, str, int]]:
        """Open tickets whose running SLA clock ends before the end of `day` in the owner's
        zone (or has ended): (ticket, owner, clock, minutes left at the briefing's moment)."""
        owner = func.coalesce(TicketRow.manager_id, ClientRow.manager_id)
        rows = (
            await session.execute(
                select(TicketRow, owner)
                .join(ClientRow, ClientRow.client_id == TicketRow.client_id)
                .where(owner.in_(manager_ids), TicketRow.status == "open")
            )
        ).all()
        out: list[tuple[TicketRow, str, str, int]] = []
        for ticket, manager_id in rows:
            running = running_clock(
                self.config.ticket_sla,
                ticket.category,
                ticket.status,
                ticket.opened_at,
                ticket.first_response_at,
            )
            if running is None:
                continue
            clock, due = running
            member = by_id[manager_id]
            if due >= day_bounds(day, ZoneInfo(member.timezone))[1] or ticket.opened_at > now:
                continue
            reference = max(now, self.due_at(member, day)) if now.date() <= day else now
            minutes_left = int((due - reference).total_seconds() // 60)
            out.append((ticket, manager_id, clock, minutes_left))
        return out

    async def _clients(
        self, session: AsyncSession, client_ids: list[str], data_date: date | None
    ) -> tuple[dict[str, str], dict[str, Decimal]]:
        names: dict[str, str] = {}
        assets: dict[str, Decimal] = {}
        for part in chunks(client_ids):
            if not part:
                continue
            names.update(
                (
                    await session.execute(
                        select(ClientRow.client_id, ClientRow.name).where(
                            ClientRow.client_id.in_(list(part))
                        )
                    )
                ).all()
            )
            if data_date is not None:
                assets.update(
                    (
                        await session.execute(
                            select(SnapshotRow.client_id, SnapshotRow.total_assets).where(
                                SnapshotRow.date == data_date,
                                SnapshotRow.client_id.in_(list(part)),
                            )
                        )
                    ).all()
                )
        return names, assets

    # ------------------------------------------------------------------ supervisor digest

    async def digest(self, supervisor_id: str, day: date | None = None) -> Digest:
        """The team's open P1s, unacknowledged escalations, overdue follow-ups, silent HNW."""
        supervisor = await self.member(supervisor_id)
        if supervisor.role != "supervisor":
            raise NotAuthorizedError("digest")
        day = day or self.today(supervisor.timezone)
        async with self._uow() as uow:
            team_rows = (
                await uow.session.scalars(
                    select(StaffRow)
                    .where(StaffRow.supervisor_id == supervisor_id, StaffRow.active.is_(True))
                    .order_by(StaffRow.staff_id)
                )
            ).all()
            team = tuple(staff_member(r) for r in team_rows)
        if not team:
            return Digest(supervisor, day, (), (), (), (), ())
        names = {m.staff_id: m.name for m in team}
        briefings = await self.compose_many(team, day)
        open_p1: list[BriefingItem] = []
        escalations: list[BriefingItem] = []
        overdue: list[BriefingItem] = []
        levels = await self._levels(
            [int(i.ref_id) for b in briefings for i in b.items if i.group == "p1"]
        )
        for briefing in briefings:
            for item in briefing.items:
                named = _with_manager(item, names)
                if item.group == "p1":
                    (escalations if levels.get(int(item.ref_id), 0) >= 2 else open_p1).append(named)
                elif item.group == "overdue":
                    overdue.append(named)
        silent = await self._silent_hnw([m.staff_id for m in team], day, names)
        kpis = await TeamService(self._uow, self.config, clock=self.clock).of_team(supervisor_id)
        by_assets = lambda i: (-i.total_assets, i.client_name)  # noqa: E731
        return Digest(
            supervisor,
            day,
            team,
            tuple(sorted(open_p1, key=by_assets)),
            tuple(sorted(escalations, key=by_assets)),
            tuple(sorted(overdue, key=by_assets)),
            tuple(silent),
            {m: sum(1 for i in overdue if i.manager_id == m) for m in names},
            kpis,
        )

    async def _levels(self, alert_ids: list[int]) -> dict[int, int]:
        if not alert_ids:
            return {}
        async with self._uow() as uow:
            rows = await uow.session.execute(
                select(AlertRow.id, AlertRow.escalation_level).where(AlertRow.id.in_(alert_ids))
            )
            return dict(rows.all())

    async def _silent_hnw(
        self, manager_ids: list[str], day: date, names: dict[str, str]
    ) -> list[BriefingItem]:
        cutoff = datetime.combine(
            day - timedelta(days=self.config.digest_hnw_silent_days), time(0), tzinfo=UTC
        )
        async with self._uow() as uow:
            data_date = await uow.session.scalar(
                select(func.max(SnapshotRow.date)).where(SnapshotRow.date <= day)
            )
            if data_date is None:
                return []
            last_trade = (
                select(TradeRow.client_id, func.max(TradeRow.traded_at).label("last"))
                .group_by(TradeRow.client_id)
                .subquery()
            )
            rows = (
                await uow.session.execute(
                    select(
                        ClientRow.client_id,
                        ClientRow.name,
                        ClientRow.manager_id,
                        SnapshotRow.total_assets,
                        last_trade.c.last,
                    )
                    .join(SnapshotRow, SnapshotRow.client_id == ClientRow.client_id)
                    .outerjoin(last_trade, last_trade.c.client_id == ClientRow.client_id)
                    .where(
                        ClientRow.manager_id.in_(manager_ids),
                        SnapshotRow.date == data_date,
                        SnapshotRow.total_assets > HNW_ABOVE,
                    )
                    .order_by(SnapshotRow.total_assets.desc())
                )
            ).all()
        out: list[BriefingItem] = []
        for client_id, name, manager_id, total, last in rows:
            if isinstance(last, str):
                last = datetime.fromisoformat(last).replace(tzinfo=UTC)
            if last is not None and last.tzinfo is None:
                last = last.replace(tzinfo=UTC)
            if last is not None and last >= cutoff:
                continue
            reason = (
                Reason("silent", SilentFacts((day - last.date()).days, last.date()))
                if last is not None
                else Reason("silent_never")
            )
            out.append(
                BriefingItem(
                    "silent",
                    client_id,
                    name,
                    total,
                    reason,
                    "client",
                    client_id,
                    manager_id,
                    names.get(manager_id, manager_id),
                )
            )
        return out

    # ------------------------------------------------------------------ acting on items

    async def mark_done(self, actor: StaffMember, ref_kind: str, ref_id: str) -> str:
        """✅ on a briefing item: the alert or follow-up is done. Returns a label. A ticket is
        not closed here: it closes only with its one-line resolution (TicketService.resolve)."""
        if ref_kind == "alert":
            view = await self._alerts.mark_done(int(ref_id), actor)
            async with self._uow() as uow:  # its task is the same item: done with it
                task = await uow.session.scalar(
                    select(FollowUpRow).where(FollowUpRow.alert_id == int(ref_id))
                )
                if task is not None and task.status == "open":
                    task.status = "done"
                    task.done_at = self.clock()
                    await uow.commit()
            return view.client_name
        async with self._uow() as uow:
            if ref_kind == "followup":
                row = await uow.session.get(FollowUpRow, int(ref_id))
                if row is None:
                    raise NotFoundError(ref_id)
                if row.owner_id != actor.staff_id:
                    raise NotAuthorizedError("followup")
                if row.status == "open":
                    row.status = "done"
                    row.done_at = self.clock()
                    await uow.commit()
                return row.title
        raise UsageError(ref_kind)


def _with_manager(item: BriefingItem, names: dict[str, str]) -> BriefingItem:
    return BriefingItem(
        item.group,
        item.client_id,
        item.client_name,
        item.total_assets,
        item.reason,
        item.ref_kind,
        item.ref_id,
        item.manager_id,
        names.get(item.manager_id, item.manager_id),
        item.task,
    )
