"""Service tickets and their SLA clocks (DESIGN §8).

Two clocks per ticket, in wall-clock time, per category (`tickets.clocks` in proactive.yaml):
the first response is due `first_response` after opening; ✅ 已响应 stops it and starts the
resolution clock, due `resolution` after the first response; ✅ 已解决 (with a one-line
resolution) stops both and closes the ticket. Trading-hours-only clocks are not supported.

A breached clock pings the owner's supervisor once (level 1; the clock's level is raised in the
same statement that finds the breach, so no later sweep repeats it). Unhandled after
`alerts.escalation_minutes` it escalates like a P1: the supervisor again (level 2), then the
admins (level 3, the last). Responding, resolving or reassigning ends the escalation of the
clocks already breached. Breaches and escalations are found set-based: one UPDATE per clock and
category over the open tickets' clocks past due (a partial index), then one SELECT counting what
it raised per recipient and reading back only the few shown (bench/sla_sweep.py).

Every change made in chat is journaled (audit/) in the same transaction.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import product
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    String,
    Table,
    and_,
    false,
    func,
    or_,
    select,
    text,
    type_coerce,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeDecorator

from audit import Journal
from crm.errors import (
    AlreadyClosedError,
    NotAuthorizedError,
    NotFoundError,
    TooLongError,
    UsageError,
)
from crm.explain import chunks
from crm.id_refs import is_hashed, is_ref, pick, ref_of
from crm.proactive import ProactiveConfig, SlaClock
from crm.staff import StaffMember, staff_member
from storage.clock import Clock, utc_now
from storage.rows import (
    RESOLUTION_RUNNING,
    RESPONSE_RUNNING,
    ClientRow,
    StaffRow,
    TicketRow,
)
from storage.text import clean_text
from storage.uow import UnitOfWorkFactory

CLOCKS = ("response", "resolution")
LAST_LEVEL = 3
RESOLUTION_LIMIT = 500  # characters of the one-line resolution
MAX_KIND = 40  # the delivery ledger's kind column


class ResolutionTooLongError(TooLongError):
    code = "ticket_resolution_too_long"


@dataclass(frozen=True)
class TicketView:
    ticket_id: str
    client_id: str
    client_name: str
    category: str
    summary: str
    opened_at: datetime
    status: str
    manager_id: str
    manager_name: str
    first_response_at: datetime | None
    closed_at: datetime | None
    resolution: str | None
    response_level: int
    resolution_level: int
    clock: str | None  # the running clock: response | resolution | None (closed, or no SLA)
    due_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def left(self, now: datetime) -> timedelta | None:
        """Time left on the running clock (negative: breached that long ago)."""
        return self.due_at - now if self.due_at is not None else None

    def breached(self, now: datetime) -> bool:
        return self.due_at is not None and self.due_at <= now


@dataclass(frozen=True)
class Breach:
    """A clock of a ticket that breached (level 1) or escalated further, and who hears of it.
    `teammates` are the owner's teammates, offered as one-tap reassign buttons."""

    ticket: TicketView
    clock: str
    level: int
    targets: tuple[StaffMember, ...]
    teammates: tuple[StaffMember, ...]


@dataclass(frozen=True)
class SweepResult:
    """What one sweep raised: the breaches to ping (per recipient, most overdue first) and,
    per recipient, how many more were raised than are shown."""

    breaches: tuple[Breach, ...]
    overflow: tuple[tuple[StaffMember, int], ...]

    def __bool__(self) -> bool:
        return bool(self.breaches or self.overflow)


class _Raised(NamedTuple):
    """A clock one sweep raised, as the UPDATE returned it (start as stored: a string on
    SQLite, a datetime on PostgreSQL)."""

    clock: str
    ticket_id: str
    manager_id: str | None
    category: str
    start: Any
    level: int


class _AsStored(TypeDecorator[Any]):
    """A column read back as the driver returns it (no per-row conversion)."""

    impl = String
    cache_ok = True


@dataclass(frozen=True)
class NewTicket:
    owner: StaffMember
    ticket: TicketView
    handed: bool  # reassigned to her (someone else was told of it before)


def running_clock(
    sla: dict[str, SlaClock],
    category: str,
    status: str,
    opened_at: datetime,
    first_response_at: datetime | None,
) -> tuple[str, datetime] | None:
    """The clock running on a ticket and when it is due (None: closed, or no SLA)."""
    clock = sla.get(category)
    if status != "open" or clock is None:
        return None
    if first_response_at is None:
        return "response", opened_at + clock.first_response
    return "resolution", first_response_at + clock.resolution


def breached_clocks(
    sla: dict[str, SlaClock],
    category: str,
    opened_at: datetime,
    first_response_at: datetime | None,
    closed_at: datetime | None,
    now: datetime,
) -> list[tuple[str, datetime]]:
    """The clocks of a ticket that ran out by `now`, each with its due time: the first
    response when it came (or the ticket closed, or now) after its due time; the resolution,
    which runs from the first response, when the ticket closed (or now) after its due time.
    The same clocks as running_clock and the sweep (/team counts them per window)."""
    clock = sla.get(category)
    if clock is None:
        return []
    out: list[tuple[str, datetime]] = []
    due = opened_at + clock.first_response
    if (first_response_at or closed_at or now) > due:
        out.append(("response", due))
    if first_response_at is not None:
        due = first_response_at + clock.resolution
        if (closed_at or now) > due:
            out.append(("resolution", due))
    return out


def ledger_kind(prefix: str, ticket_id: str) -> str:
    """A delivery-ledger kind for one ticket (`tk:<ref>`, `tkfr1:<ref>`…): the ticket id when
    plain, else its hashed ref (crm/id_refs.py), so every kind fits the column (a ref is at most
    24 bytes) and traces back to its ticket: `ticket_ref(kind)`, TicketService.get_by_ref."""
    kind = f"{prefix}:{ref_of(ticket_id)}"
    if len(kind) > MAX_KIND:
        raise ValueError(f"ledger kind prefix too long: {prefix!r}")
    return kind


def ticket_ref(kind: str) -> str | None:
    """The ticket ref of a ledger kind made by ledger_kind (None: not a ticket's kind)."""
    head, _, ref = kind.partition(":")
    return ref if head.startswith("tk") and is_ref(ref) else None


CLOCK_CODES = {"response": "fr", "resolution": "rs"}  # first response, resolution


def ping_kind(clock: str, level: int, ticket_id: str) -> str:
    """The ledger kind of one clock's ping at one level: tkfr1:<id>, tkrs2:<id>…"""
    return ledger_kind(f"tk{CLOCK_CODES[clock]}{level}", ticket_id)


def one_line(text: str) -> str:
    """A resolution as one line: cleaned, line breaks and runs of spaces folded."""
    return " ".join(clean_text(text).split())


class TicketService:
    """Tickets in chat (/tickets, the card, the buttons) and the SLA sweep's queries."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        config: ProactiveConfig,
        *,
        journal: Journal | None = None,
        clock: Clock = utc_now,
        timezone: str = "Asia/Shanghai",
    ) -> None:
        self._uow = uow
        self.config = config
        self._journal = journal if journal is not None else Journal(uow, clock=clock)
        self.clock = clock
        self.timezone = timezone
        self._last_stamp: datetime | None = None  # the last sweep's mark (sweep)

    def today(self) -> date:
        return self.clock().astimezone(ZoneInfo(self.timezone)).date()

    # ------------------------------------------------------------------ reading

    async def _views(self, session: AsyncSession, rows: Sequence[Any]) -> list[TicketView]:
        if not rows:
            return []
        client_ids = sorted({r.client_id for r in rows})
        staff_ids = sorted({r.manager_id for r in rows if r.manager_id})
        clients: dict[str, str] = {}
        managers: dict[str, str] = {}
        for part in chunks(client_ids):
            found = await session.execute(
                select(ClientRow.client_id, ClientRow.name).where(ClientRow.client_id.in_(part))
            )
            clients.update({k: v for k, v in found.all()})
        for part in chunks(staff_ids):
            found = await session.execute(
                select(StaffRow.staff_id, StaffRow.name).where(StaffRow.staff_id.in_(part))
            )
            managers.update({k: v for k, v in found.all()})
        out = []
        for r in rows:
            running = running_clock(
                self.config.ticket_sla, r.category, r.status, r.opened_at, r.first_response_at
            )
            out.append(
                TicketView(
                    ticket_id=r.ticket_id,
                    client_id=r.client_id,
                    client_name=clients.get(r.client_id, r.client_id),
                    category=r.category,
                    summary=r.summary,
                    opened_at=r.opened_at,
                    status=r.status,
                    manager_id=r.manager_id or "",
                    manager_name=managers.get(r.manager_id or "", r.manager_id or "—"),
                    first_response_at=r.first_response_at,
                    closed_at=r.closed_at,
                    resolution=r.resolution,
                    response_level=r.response_level or 0,
                    resolution_level=r.resolution_level or 0,
                    clock=running[0] if running else None,
                    due_at=running[1] if running else None,
                )
            )
        return out

    @staticmethod
    def by_urgency(views: Sequence[TicketView]) -> list[TicketView]:
        """Most urgent first: the earliest due (most overdue first), tickets without a clock last."""
        return sorted(
            views,
            key=lambda v: (
                v.due_at is None,
                v.due_at.timestamp() if v.due_at is not None else 0.0,
                v.ticket_id,
            ),
        )

    async def open_tickets(self, viewer: StaffMember) -> list[TicketView]:
        """/tickets: a manager's open tickets; a supervisor's, her team's and her own; an admin's,
        everyone's. Most urgent first."""
        t = TicketRow
        async with self._uow() as uow:
            stmt = select(t).where(t.status == "open")
            if viewer.role == "supervisor":
                team = select(StaffRow.staff_id).where(StaffRow.supervisor_id == viewer.staff_id)
                stmt = stmt.where(or_(t.manager_id == viewer.staff_id, t.manager_id.in_(team)))
            elif viewer.role != "admin":
                stmt = stmt.where(t.manager_id == viewer.staff_id)
            rows = (await uow.session.scalars(stmt)).all()
            return self.by_urgency(await self._views(uow.session, rows))

    async def client_tickets(self, client_id: str) -> list[TicketView]:
        """The client's open tickets (the card), most urgent first."""
        async with self._uow() as uow:
            rows = (
                await uow.session.scalars(
                    select(TicketRow).where(
                        TicketRow.client_id == client_id, TicketRow.status == "open"
                    )
                )
            ).all()
            return self.by_urgency(await self._views(uow.session, rows))

    async def listing(self, *, breached: bool = False) -> list[TicketView]:
        """Every open ticket (the CLI), most urgent first; `breached`: only those past due."""
        now = self.clock()
        async with self._uow() as uow:
            stmt = select(TicketRow).where(TicketRow.status == "open")
            if breached:
                stmt = stmt.where(or_(self._due(now, "response"), self._due(now, "resolution")))
            rows = (await uow.session.scalars(stmt)).all()
            return self.by_urgency(await self._views(uow.session, rows))

    async def get(self, ticket_id: str, viewer: StaffMember) -> TicketView:
        async with self._uow() as uow:
            row = await self._authorised(uow.session, ticket_id, viewer, "view")
            return (await self._views(uow.session, [row]))[0]

    async def resolve_ref(self, ref: str, viewer: StaffMember) -> str | None:
        """The ticket id a button's or ledger kind's ref (crm/id_refs.py) stands for, among the
        tickets the viewer may see (hers; a supervisor's team's; an admin's, all), open or
        closed; None when it names none of them (a stale or forged press)."""
        if not is_hashed(ref):
            return ref  # a plain id: the method called with it re-checks access itself
        t = TicketRow
        async with self._uow() as uow:
            fresh = await uow.session.get(StaffRow, viewer.staff_id)
            if fresh is None or not fresh.active:
                return None
            stmt = select(t.ticket_id)
            if fresh.role != "admin":
                team = select(StaffRow.staff_id).where(StaffRow.supervisor_id == fresh.staff_id)
                stmt = stmt.where(or_(t.manager_id == fresh.staff_id, t.manager_id.in_(team)))
            ids = (await uow.session.scalars(stmt)).all()
        return pick(ref, ids)

    async def get_by_ref(self, ref: str, viewer: StaffMember) -> TicketView:
        """The ticket a ref stands for, if the viewer may see it (else NotFoundError)."""
        ticket_id = await self.resolve_ref(ref, viewer)
        if ticket_id is None:
            raise NotFoundError(f"ticket {ref}")
        return await self.get(ticket_id, viewer)

    async def _authorised(
        self, session: AsyncSession, ticket_id: str, actor: StaffMember, action: str
    ) -> TicketRow:
        row = await session.get(TicketRow, ticket_id)
        if row is None:
            raise NotFoundError(f"ticket {ticket_id}")
        fresh = await session.get(StaffRow, actor.staff_id)
        if fresh is None or not fresh.active:
            raise NotAuthorizedError(action)
        owner = row.manager_id == fresh.staff_id
        owner_row = await session.get(StaffRow, row.manager_id) if row.manager_id else None
        supervises = owner_row is not None and owner_row.supervisor_id == fresh.staff_id
        admin = fresh.role == "admin"
        allowed = {
            "view": owner or supervises or admin,
            "handle": owner or supervises or admin,
            "reassign": supervises or admin,
        }[action]
        if not allowed:
            raise NotAuthorizedError(action)
        return row

    # ------------------------------------------------------------------ what staff do

    async def respond(self, ticket_id: str, actor: StaffMember) -> TicketView:
        """✅ 已响应: stops the first-response clock, starts the resolution clock. A second press
        raises AlreadyClosedError ("already done")."""
        async with self._uow() as uow:
            row = await self._authorised(uow.session, ticket_id, actor, "handle")
            if row.status != "open" or row.first_response_at is not None:
                raise AlreadyClosedError(f"ticket {ticket_id} already responded to")
            row.first_response_at = self.clock()
            row.first_response_by = actor.staff_id
            row.response_escalate_at = None
            await uow.session.flush()
            await self._journal.append(
                actor.staff_id, "ticket.responded", f"ticket:{ticket_id}", {}, session=uow.session
            )
            await uow.commit()
            return (await self._views(uow.session, [row]))[0]

    async def resolvable(self, ticket_id: str, actor: StaffMember) -> TicketView:
        """✅ 已解决 pressed: the ticket, if she may close it and it is still open."""
        async with self._uow() as uow:
            row = await self._authorised(uow.session, ticket_id, actor, "handle")
            if row.status != "open":
                raise AlreadyClosedError(f"ticket {ticket_id} closed")
            return (await self._views(uow.session, [row]))[0]

    async def resolve(self, ticket_id: str, actor: StaffMember, text: str) -> TicketView:
        """Close the ticket with a one-line resolution (stored and journaled). Resolving also
        counts as the first response when none was recorded."""
        resolution = one_line(text)
        if not resolution:
            raise UsageError("empty resolution")
        if len(resolution) > RESOLUTION_LIMIT:
            raise ResolutionTooLongError(limit=RESOLUTION_LIMIT, length=len(resolution))
        async with self._uow() as uow:
            row = await self._authorised(uow.session, ticket_id, actor, "handle")
            if row.status != "open":
                raise AlreadyClosedError(f"ticket {ticket_id} closed")
            now = self.clock()
            if row.first_response_at is None:
                row.first_response_at = now
                row.first_response_by = actor.staff_id
            row.status = "closed"
            row.closed_at = now
            row.closed_by = actor.staff_id
            row.resolution = resolution
            row.response_escalate_at = None
            row.resolution_escalate_at = None
            await uow.session.flush()
            await self._journal.append(
                actor.staff_id,
                "ticket.resolved",
                f"ticket:{ticket_id}",
                {"resolution": resolution, "client_id": row.client_id},
                session=uow.session,
            )
            await uow.commit()
            return (await self._views(uow.session, [row]))[0]

    async def teammates(
        self, ticket_id: str, actor: StaffMember
    ) -> tuple[TicketView, list[StaffMember]]:
        """Whom the ticket may be reassigned to: the owner's active teammates."""
        async with self._uow() as uow:
            row = await self._authorised(uow.session, ticket_id, actor, "reassign")
            if row.status != "open":
                raise AlreadyClosedError(f"ticket {ticket_id} closed")
            mates = await self._teammates(uow.session, [row.manager_id or ""])
            view = (await self._views(uow.session, [row]))[0]
            return view, list(mates.get(row.manager_id or "", ()))

    async def _teammates(
        self, session: AsyncSession, owner_ids: Sequence[str]
    ) -> dict[str, tuple[StaffMember, ...]]:
        owners = {
            r.staff_id: r.supervisor_id
            for r in (
                await session.scalars(select(StaffRow).where(StaffRow.staff_id.in_(owner_ids)))
            ).all()
        }
        bosses = sorted({b for b in owners.values() if b})
        if not bosses:
            return {}
        rows = (
            await session.scalars(
                select(StaffRow)
                .where(
                    StaffRow.role == "manager",
                    StaffRow.active.is_(True),
                    StaffRow.supervisor_id.in_(bosses),
                )
                .order_by(StaffRow.staff_id)
            )
        ).all()
        return {
            owner: tuple(
                staff_member(r) for r in rows if r.supervisor_id == boss and r.staff_id != owner
            )
            for owner, boss in owners.items()
            if boss
        }

    async def reassign(
        self, ticket_id: str, actor: StaffMember, to_staff_id: str
    ) -> tuple[TicketView, StaffMember]:
        """转派: hand the ticket to a teammate of its owner (the supervisor or an admin). The
        breached clocks stop escalating (someone acted); the new owner is told by the caller."""
        async with self._uow() as uow:
            session = uow.session
            row = await self._authorised(session, ticket_id, actor, "reassign")
            if row.status != "open":
                raise AlreadyClosedError(f"ticket {ticket_id} closed")
            if row.manager_id == to_staff_id:
                raise AlreadyClosedError(f"ticket {ticket_id} already with {to_staff_id}")
            owner = await session.get(StaffRow, row.manager_id) if row.manager_id else None
            target = await session.get(StaffRow, to_staff_id)
            if (
                target is None
                or not target.active
                or target.role != "manager"
                or owner is None
                or target.supervisor_id != owner.supervisor_id
            ):
                raise NotAuthorizedError("reassign")
            previous = row.manager_id
            row.manager_id = target.staff_id
            row.response_escalate_at = None
            row.resolution_escalate_at = None
            await session.flush()
            await self._journal.append(
                actor.staff_id,
                "ticket.reassigned",
                f"ticket:{ticket_id}",
                {"from": previous, "to": target.staff_id},
                session=session,
            )
            await uow.commit()
            return (await self._views(session, [row]))[0], staff_member(target)

    # ------------------------------------------------------------------ what the sweep does

    def _due(self, now: datetime, clock: str, category: str | None = None) -> ColumnElement[bool]:
        """Open tickets whose `clock` is running and past due (of one category, or any, as one
        condition per category). The running condition is the partial index's own text, so
        SQLite uses the index; one category makes it a range search of (category, start)."""
        t = TicketRow
        started: Any = t.opened_at if clock == "response" else t.first_response_at
        running = text(RESPONSE_RUNNING if clock == "response" else RESOLUTION_RUNNING)
        per_category = [
            and_(
                t.category == name,
                started <= now - (sla.first_response if clock == "response" else sla.resolution),
            )
            for name, sla in self.config.ticket_sla.items()
            if category in (None, name)
        ]
        return and_(running, or_(false(), *per_category))

    async def new_tickets(self) -> list[NewTicket]:
        """Open tickets whose owner has not been told of them yet: opened within
        `push_max_age_hours` and never pushed, or handed to someone else since."""
        t = TicketRow
        now = self.clock()
        cutoff = now - timedelta(hours=self.config.ticket_push_hours)
        async with self._uow() as uow:
            rows = (
                await uow.session.scalars(
                    select(t)
                    .where(
                        t.status == "open",
                        t.manager_id.is_not(None),
                        or_(
                            and_(t.notified_id.is_(None), t.opened_at >= cutoff),
                            and_(t.notified_id.is_not(None), t.notified_id != t.manager_id),
                        ),
                    )
                    .order_by(t.opened_at, t.ticket_id)
                )
            ).all()
            views = await self._views(uow.session, rows)
            owners = await self._members(uow.session, {v.manager_id for v in views})
            handed = {r.ticket_id for r in rows if r.notified_id is not None}
            return [
                NewTicket(owners[v.manager_id], v, v.ticket_id in handed)
                for v in views
                if v.manager_id in owners
            ]

    async def mark_notified(self, ticket_id: str, staff_id: str) -> None:
        async with self._uow() as uow:
            await uow.session.execute(
                update(TicketRow)
                .where(TicketRow.ticket_id == ticket_id)
                .values(notified_id=staff_id)
                .execution_options(synchronize_session=False)
            )
            await uow.commit()

    async def _members(self, session: AsyncSession, ids: set[str]) -> dict[str, StaffMember]:
        out: dict[str, StaffMember] = {}
        for part in chunks(sorted(ids)):
            rows = await session.scalars(select(StaffRow).where(StaffRow.staff_id.in_(part)))
            out.update({r.staff_id: staff_member(r) for r in rows if r.active})
        return out

    async def sweep(self, *, per_target: int | None = None) -> SweepResult:
        """Raise every newly breached clock to level 1 and every due escalation one level, in one
        UPDATE per clock and category (one index range: the clocks past due); returns who to
        ping about what.

        Nothing is read back per raised clock: the UPDATE marks what it raised with this
        sweep's escalation time (`later`, unique per sweep), and one SELECT per clock and
        category counts them per recipient group (the owner's supervisor; the last level) and
        returns only the first `per_target` of each group by due time (a window function). So a
        backlog of 80,000 breaches is raised and counted in the database, and only the few
        hundred tickets shown come back as views."""
        now = self.clock()
        t = TicketRow.__table__
        staff = StaffRow.__table__
        assert isinstance(t, Table) and isinstance(staff, Table)
        later = self._stamp(now + timedelta(minutes=self.config.escalation_minutes))
        groups: dict[tuple[str | None, bool], int] = {}
        found: list[tuple[str | None, bool, _Raised]] = []
        async with self._uow() as uow:
            session = uow.session
            for clock, category in product(CLOCKS, self.config.ticket_sla):
                level = t.c[f"{clock}_level"]
                escalate_at = t.c[f"{clock}_escalate_at"]
                start = t.c.opened_at if clock == "response" else t.c.first_response_at
                due = self._due(now, clock, category)
                raised = await session.execute(
                    update(t)
                    .where(
                        due,
                        or_(
                            level == 0,  # a new breach
                            and_(  # an escalation that fell due
                                level < LAST_LEVEL,
                                escalate_at.is_not(None),
                                escalate_at <= now,
                            ),
                        ),
                    )
                    # the escalation time doubles as this sweep's mark (at the last level too,
                    # where the level bars any further escalation)
                    .values({level: level + 1, escalate_at: later})
                    .execution_options(synchronize_session=False)
                )
                if not raised.rowcount:  # type: ignore[attr-defined]
                    continue
                last = level >= LAST_LEVEL
                group = (staff.c.supervisor_id, last)
                ranked = (
                    select(
                        t.c.ticket_id,
                        t.c.manager_id,
                        t.c.category,
                        type_coerce(start, _AsStored()).label("start"),  # as stored
                        level.label("level"),
                        staff.c.supervisor_id.label("boss"),
                        func.row_number()
                        .over(partition_by=group, order_by=(start, t.c.ticket_id))
                        .label("rank"),
                        func.count().over(partition_by=group).label("raised"),
                    )
                    .select_from(t.outerjoin(staff, staff.c.staff_id == t.c.manager_id))
                    .where(due, level >= 1, escalate_at == later)
                    .subquery()
                )
                shown = select(ranked)
                if per_target is not None:
                    shown = shown.where(ranked.c.rank <= per_target)
                for row in (await session.execute(shown)).all():
                    key = (row.boss, row.level >= LAST_LEVEL)
                    if row.rank == 1:
                        groups[key] = groups.get(key, 0) + int(row.raised)
                    raised_clock = _Raised(
                        clock, row.ticket_id, row.manager_id, row.category, row.start, row.level
                    )
                    found.append((*key, raised_clock))
            await uow.commit()
            if not found:
                return SweepResult((), ())
            return await self._breaches(session, groups, found, per_target)

    def _stamp(self, later: datetime) -> datetime:
        """This sweep's mark: its escalation time, moved on by a microsecond if an earlier
        sweep of this service used it (a clock that did not move between two sweeps)."""
        if self._last_stamp is not None and later <= self._last_stamp:
            later = self._last_stamp + timedelta(microseconds=1)
        self._last_stamp = later
        return later

    def _due_of(self, raised: _Raised) -> datetime:
        """When a raised clock ran out (the start converted as the column type would)."""
        start = raised.start
        if isinstance(start, str):
            start = datetime.fromisoformat(start)
        if start.tzinfo is None:
            start = start.replace(tzinfo=UTC)
        sla = self.config.ticket_sla.get(raised.category)
        if sla is None:
            return start
        return start + (sla.first_response if raised.clock == "response" else sla.resolution)

    def _first(
        self, raised: Sequence[_Raised], count: int | None
    ) -> list[tuple[datetime, _Raised]]:
        """The `count` most overdue of one recipient's raised clocks, with their due times.

        Within one clock and category the due time follows the start, so only the first
        `count` starts of each (clock, category) are converted and compared."""
        buckets: dict[tuple[str, str], list[_Raised]] = {}
        for r in raised:
            buckets.setdefault((r.clock, r.category), []).append(r)
        candidates: list[tuple[datetime, _Raised]] = []
        for bucket in buckets.values():
            if count is not None and len(bucket) > count:
                bucket = heapq.nsmallest(count, bucket, key=lambda r: (r.start, r.ticket_id))
            candidates += [(self._due_of(r), r) for r in bucket]
        candidates.sort(key=lambda c: (c[0], c[1].ticket_id, c[1].clock))
        return candidates if count is None else candidates[:count]

    async def _breaches(
        self,
        session: AsyncSession,
        groups: dict[tuple[str | None, bool], int],
        found: list[tuple[str | None, bool, _Raised]],
        per_target: int | None,
    ) -> SweepResult:
        """Who hears of each group (the owner's active supervisor; the admins at the last
        level or when there is none), the first `per_target` per recipient, and the rest
        counted."""
        bosses = await self._members(session, {b for b, _ in groups if b})
        admins = tuple(
            staff_member(r)
            for r in await session.scalars(
                select(StaffRow)
                .where(StaffRow.role == "admin", StaffRow.active.is_(True))
                .order_by(StaffRow.staff_id)
            )
        )

        def targets(boss: str | None, last: bool) -> tuple[StaffMember, ...]:
            member = bosses.get(boss or "")
            return (member,) if not last and member is not None else admins

        members: dict[str, StaffMember] = {}
        totals: dict[str, int] = {}
        for (boss, last), count in groups.items():
            for target in targets(boss, last):
                members[target.staff_id] = target
                totals[target.staff_id] = totals.get(target.staff_id, 0) + count
        candidates: dict[str, list[_Raised]] = {}
        for boss, last, raised in found:
            for target in targets(boss, last):
                candidates.setdefault(target.staff_id, []).append(raised)
        shown: list[tuple[StaffMember, _Raised]] = []
        overflow: list[tuple[StaffMember, int]] = []
        for staff_id, raised_list in candidates.items():
            keep = self._first(raised_list, per_target)
            shown += [(members[staff_id], r) for _, r in keep]
            if totals[staff_id] > len(keep):
                overflow.append((members[staff_id], totals[staff_id] - len(keep)))
        rows: list[TicketRow] = []
        for part in chunks(sorted({r.ticket_id for _, r in shown})):
            rows += (
                await session.scalars(select(TicketRow).where(TicketRow.ticket_id.in_(part)))
            ).all()
        views = {v.ticket_id: v for v in await self._views(session, rows)}
        mates = await self._teammates(session, sorted({v.manager_id for v in views.values()}))
        breaches = tuple(
            Breach(
                views[r.ticket_id],
                r.clock,
                r.level,
                (target,),
                mates.get(views[r.ticket_id].manager_id, ()) if r.level < LAST_LEVEL else (),
            )
            for target, r in shown
        )
        return SweepResult(breaches, tuple(overflow))
