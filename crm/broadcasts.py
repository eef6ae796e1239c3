"""Headquarters' broadcasts (DESIGN §7, issue 14): an approved, in-effect document's talking
points to every manager (or one supervisor's team), each with a 收到 button; a live tally for the
sender and, after `report_minutes`, who has not acknowledged (to the sender and their
supervisors).

- Only an active admin broadcasts, and only a document approved and in effect today: the lookup
  (`DocumentLookup`, given by the caller: crm does not import the knowledge base) raises
  `BroadcastRefusedError` with the reason otherwise.
- One receipt per recipient, written set-based with the broadcast; 收到 is idempotent (the first
  press sets `acknowledged_at`, a second one changes nothing and says so).
- The tally message is edited at most once per `tally_seconds`: the press that finds the last
  edit older claims the edit in the database (a conditional UPDATE, so two processes never both
  edit); other presses mark the tally dirty and the broadcast sweep shows it.
- The report is claimed the same way (`reported_at`), so it goes once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import Select, and_, exists, func, insert, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.errors import NotAuthorizedError, UsageError
from crm.proactive import DEFAULT_PATH
from crm.staff import StaffMember, staff_member
from storage.broadcast_rows import BroadcastReceiptRow, BroadcastRow
from storage.clock import Clock, utc_now
from storage.rows import StaffRow
from storage.uow import UnitOfWorkFactory

RefusalReason = Literal["unknown", "not_approved", "not_in_effect", "not_a_team", "no_recipients"]


class BroadcastRefusedError(UsageError):
    """The broadcast cannot go: why, and the document or team asked for."""

    def __init__(self, reason: RefusalReason, subject: str) -> None:
        super().__init__(f"broadcast refused ({reason}): {subject}")
        self.reason = reason
        self.subject = subject


@dataclass(frozen=True)
class TalkingPoints:
    """The approved, in-effect version broadcast."""

    doc_id: str
    version: int
    title: str
    approved_by: str
    effective_from: date
    body: str


# doc id, today → the talking points, or BroadcastRefusedError (unknown / not approved / not in
# effect).
DocumentLookup = Callable[[str, date], Awaitable[TalkingPoints]]


@dataclass(frozen=True)
class Broadcast:
    id: int
    points: TalkingPoints
    sender_id: str
    team: StaffMember | None  # None: every manager
    day: date
    total: int
    report_at: datetime


@dataclass(frozen=True)
class Tally:
    broadcast_id: int
    acknowledged: int
    total: int
    chat_id: int | None
    message_id: int | None
    title: str
    team: str | None  # the team's supervisor name, None for every manager
    language: str  # the sender's


@dataclass(frozen=True)
class Acknowledged:
    """The outcome of one 收到: new or repeated, and the tally to show now (None: later)."""

    broadcast: Broadcast
    first: bool
    at: datetime
    tally: Tally | None


@dataclass(frozen=True)
class Report:
    """Who has not acknowledged when the report is due: for the sender, and per supervisor."""

    broadcast: Broadcast
    sender: StaffMember
    missing: tuple[StaffMember, ...]
    supervisors: tuple[tuple[StaffMember, tuple[StaffMember, ...]], ...]
    acknowledged: int


@dataclass(frozen=True)
class BroadcastSettings:
    report_minutes: int = 120
    tally_seconds: float = 3.0


def load_broadcast_settings(override: Path | None = None) -> BroadcastSettings:
    """The `broadcast:` section of crm/proactive.yaml, overlaid by the data dir's copy."""
    section: dict[str, Any] = {}
    for path in (DEFAULT_PATH, override):
        if path is not None and path.is_file():
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            section |= raw.get("broadcast") or {}
    return BroadcastSettings(
        report_minutes=int(section.get("report_after_minutes", 120)),
        tally_seconds=float(section.get("tally_every_seconds", 3)),
    )


class BroadcastService:
    """Creates broadcasts, records deliveries and acknowledgements, and plans tallies and
    reports; sending and rendering are the caller's."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        documents: DocumentLookup,
        *,
        settings: BroadcastSettings | None = None,
        clock: Clock = utc_now,
        timezone: str = "Asia/Shanghai",
    ) -> None:
        self._uow = uow
        self._documents = documents
        self.settings = settings or BroadcastSettings()
        self.report_minutes = self.settings.report_minutes
        self.tally_seconds = self.settings.tally_seconds
        self.clock = clock
        self._tz = ZoneInfo(timezone)

    def today(self) -> date:
        return self.clock().astimezone(self._tz).date()

    async def create(
        self, sender: StaffMember, doc_id: str, team: str | None = None
    ) -> tuple[Broadcast, list[StaffMember]]:
        """Record the broadcast and a receipt per recipient; returns it and the recipients."""
        now = self.clock()
        day = self.today()
        async with self._uow() as uow:
            session = uow.session
            fresh = await session.get(StaffRow, sender.staff_id)
            if fresh is None or not fresh.active or fresh.role != "admin":
                raise NotAuthorizedError("broadcast")
            supervisor: StaffRow | None = None
            if team is not None:
                supervisor = await session.get(StaffRow, team)
                if supervisor is None or supervisor.role != "supervisor":
                    raise BroadcastRefusedError("not_a_team", team)
            points = await self._documents(doc_id, day)
            recipients = (await session.scalars(_recipients(team))).all()
            if not recipients:
                raise BroadcastRefusedError("no_recipients", team or "*")
            row = BroadcastRow(
                doc_id=points.doc_id,
                version=points.version,
                title=points.title[:300],
                body=points.body,
                approved_by=points.approved_by[:100],
                effective_from=points.effective_from,
                sender_id=fresh.staff_id,
                team_id=team,
                created_at=now,
                day=day,
                total=len(recipients),
                tally_shown=0,
                tally_dirty=False,
                report_at=now + timedelta(minutes=self.report_minutes),
            )
            session.add(row)
            await session.flush()
            chosen = _recipients(team).subquery()
            await session.execute(
                insert(BroadcastReceiptRow).from_select(
                    ["broadcast_id", "staff_id"],
                    select(literal(row.id), chosen.c.staff_id),
                )
            )
            await uow.commit()
            return _broadcast(row, supervisor), [staff_member(r) for r in recipients]

    async def set_tally_message(self, broadcast_id: int, chat_id: int, message_id: int) -> None:
        """The sender's tally message, edited from now on."""
        async with self._uow() as uow:
            await uow.session.execute(
                update(BroadcastRow)
                .where(BroadcastRow.id == broadcast_id)
                .values(tally_chat_id=chat_id, tally_message_id=message_id, tally_edited_at=None)
            )
            await uow.commit()

    async def delivered(self, broadcast_id: int, staff_id: str) -> None:
        async with self._uow() as uow:
            await uow.session.execute(
                update(BroadcastReceiptRow)
                .where(
                    BroadcastReceiptRow.broadcast_id == broadcast_id,
                    BroadcastReceiptRow.staff_id == staff_id,
                    BroadcastReceiptRow.delivered_at.is_(None),
                )
                .values(delivered_at=self.clock())
            )
            await uow.commit()

    def delivery_recorder(
        self, broadcast_id: int, staff_id: str
    ) -> Callable[[str], Awaitable[None]]:
        """What to run once a broadcast message settled: the receipt's delivery, if sent."""

        async def record(settled: str) -> None:
            if settled in ("sent", "uncertain"):
                await self.delivered(broadcast_id, staff_id)

        return record

    async def undelivered(self, broadcast_id: int) -> tuple[Broadcast, list[StaffMember]]:
        """The broadcast and its recipients whose message has not gone out yet (the fan-out,
        or its resumption after a restart): active, by staff id."""
        async with self._uow() as uow:
            session = uow.session
            row = await session.get(BroadcastRow, broadcast_id)
            if row is None:
                raise NotAuthorizedError("broadcast")
            rows = (
                await session.scalars(
                    select(StaffRow)
                    .join(
                        BroadcastReceiptRow,
                        and_(
                            BroadcastReceiptRow.staff_id == StaffRow.staff_id,
                            BroadcastReceiptRow.broadcast_id == broadcast_id,
                        ),
                    )
                    .where(BroadcastReceiptRow.delivered_at.is_(None), StaffRow.active.is_(True))
                    .order_by(StaffRow.staff_id)
                )
            ).all()
            return await self._view(session, row), [staff_member(r) for r in rows]

    async def resumable(self, older_than: timedelta) -> list[int]:
        """Broadcasts created at least `older_than` ago, not reported yet, with a recipient
        whose message has not gone out: the sweep resumes their fan-out (a process that
        stopped mid-way; a message settled for good is skipped by the ledger)."""
        now = self.clock()
        async with self._uow() as uow:
            pending = exists().where(  # walks the receipts' key of each open broadcast
                BroadcastReceiptRow.broadcast_id == BroadcastRow.id,
                BroadcastReceiptRow.delivered_at.is_(None),
            )
            ids = await uow.session.scalars(
                select(BroadcastRow.id)
                .where(
                    BroadcastRow.reported_at.is_(None),
                    BroadcastRow.created_at <= now - older_than,
                    pending,
                )
                .order_by(BroadcastRow.id)
            )
            return list(ids.all())

    async def acknowledge(self, broadcast_id: int, staff: StaffMember) -> Acknowledged:
        """收到: the first press records it (and claims a tally edit if one is due)."""
        now = self.clock()
        async with self._uow() as uow:
            session = uow.session
            receipt = await session.get(BroadcastReceiptRow, (broadcast_id, staff.staff_id))
            row = await session.get(BroadcastRow, broadcast_id)
            if receipt is None or row is None:
                raise NotAuthorizedError("broadcast")
            if receipt.acknowledged_at is not None:
                return Acknowledged(
                    await self._view(session, row), False, receipt.acknowledged_at, None
                )
            first = (
                await session.execute(
                    update(BroadcastReceiptRow)
                    .where(
                        BroadcastReceiptRow.broadcast_id == broadcast_id,
                        BroadcastReceiptRow.staff_id == staff.staff_id,
                        BroadcastReceiptRow.acknowledged_at.is_(None),
                    )
                    .values(acknowledged_at=now)
                )
            ).rowcount == 1  # type: ignore[attr-defined]
            tally = await self._claim_tally(session, row, now) if first else None
            await uow.commit()
            return Acknowledged(await self._view(session, row), first, now, tally)

    async def _claim_tally(
        self, session: AsyncSession, row: BroadcastRow, now: datetime
    ) -> Tally | None:
        """Claim the tally edit if the last one is old enough; else mark the tally dirty."""
        if row.tally_message_id is None:
            return None
        count = await _acknowledged(session, row.id)
        since = now - timedelta(seconds=self.tally_seconds)
        claimed = (
            await session.execute(
                update(BroadcastRow)
                .where(
                    BroadcastRow.id == row.id,
                    or_(
                        BroadcastRow.tally_edited_at.is_(None),
                        BroadcastRow.tally_edited_at <= since,
                    ),
                )
                .values(tally_edited_at=now, tally_shown=count, tally_dirty=False)
                .execution_options(synchronize_session=False)
            )
        ).rowcount == 1  # type: ignore[attr-defined]
        if not claimed:
            await session.execute(
                update(BroadcastRow)
                .where(BroadcastRow.id == row.id)
                .values(tally_dirty=True)
                .execution_options(synchronize_session=False)
            )
            return None
        return await self._tally(session, row, count)

    async def due_tallies(self) -> list[Tally]:
        """Dirty tallies whose last edit is old enough: claimed (shown now) and returned."""
        now = self.clock()
        since = now - timedelta(seconds=self.tally_seconds)
        out: list[Tally] = []
        async with self._uow() as uow:
            session = uow.session
            rows = (
                await session.scalars(
                    select(BroadcastRow).where(
                        BroadcastRow.tally_dirty.is_(True),
                        BroadcastRow.tally_message_id.is_not(None),
                        or_(
                            BroadcastRow.tally_edited_at.is_(None),
                            BroadcastRow.tally_edited_at <= since,
                        ),
                    )
                )
            ).all()
            for row in rows:
                count = await _acknowledged(session, row.id)
                claimed = (
                    await session.execute(
                        update(BroadcastRow)
                        .where(BroadcastRow.id == row.id, BroadcastRow.tally_dirty.is_(True))
                        .values(tally_edited_at=now, tally_shown=count, tally_dirty=False)
                        .execution_options(synchronize_session=False)
                    )
                ).rowcount == 1  # type: ignore[attr-defined]
                if claimed:
                    out.append(await self._tally(session, row, count))
            await uow.commit()
        return out

    async def due_reports(self) -> list[Report]:
        """Broadcasts whose report time came: claimed (reported once) with who is missing."""
        now = self.clock()
        out: list[Report] = []
        async with self._uow() as uow:
            session = uow.session
            rows = (
                await session.scalars(
                    select(BroadcastRow)
                    .where(BroadcastRow.reported_at.is_(None), BroadcastRow.report_at <= now)
                    .order_by(BroadcastRow.id)
                )
            ).all()
            for row in rows:
                claimed = (
                    await session.execute(
                        update(BroadcastRow)
                        .where(BroadcastRow.id == row.id, BroadcastRow.reported_at.is_(None))
                        .values(reported_at=now)
                        .execution_options(synchronize_session=False)
                    )
                ).rowcount == 1  # type: ignore[attr-defined]
                if claimed:
                    out.append(await self._report(session, row))
            await uow.commit()
        return out

    async def _report(self, session: AsyncSession, row: BroadcastRow) -> Report:
        missing = [
            staff_member(r)
            for r in (
                await session.scalars(
                    select(StaffRow)
                    .join(
                        BroadcastReceiptRow,
                        and_(
                            BroadcastReceiptRow.staff_id == StaffRow.staff_id,
                            BroadcastReceiptRow.broadcast_id == row.id,
                        ),
                    )
                    .where(BroadcastReceiptRow.acknowledged_at.is_(None))
                    .order_by(StaffRow.staff_id)
                )
            ).all()
        ]
        by_supervisor: dict[str, list[StaffMember]] = {}
        for member in missing:
            if member.supervisor_id:
                by_supervisor.setdefault(member.supervisor_id, []).append(member)
        supervisors: list[tuple[StaffMember, tuple[StaffMember, ...]]] = []
        if by_supervisor:
            found = (
                await session.scalars(
                    select(StaffRow)
                    .where(StaffRow.staff_id.in_(by_supervisor), StaffRow.active.is_(True))
                    .order_by(StaffRow.staff_id)
                )
            ).all()
            supervisors = [(staff_member(s), tuple(by_supervisor[s.staff_id])) for s in found]
        sender = await session.get(StaffRow, row.sender_id)
        assert sender is not None  # a foreign key
        return Report(
            await self._view(session, row),
            staff_member(sender),
            tuple(missing),
            tuple(supervisors),
            await _acknowledged(session, row.id),
        )

    async def tally(self, broadcast_id: int) -> Tally:
        async with self._uow() as uow:
            row = await uow.session.get(BroadcastRow, broadcast_id)
            if row is None:
                raise NotAuthorizedError("broadcast")
            return await self._tally(uow.session, row, await _acknowledged(uow.session, row.id))

    async def _tally(self, session: AsyncSession, row: BroadcastRow, count: int) -> Tally:
        team = await session.get(StaffRow, row.team_id) if row.team_id else None
        sender = await session.get(StaffRow, row.sender_id)
        return Tally(
            row.id,
            count,
            row.total,
            row.tally_chat_id,
            row.tally_message_id,
            row.title,
            team.name if team is not None else None,
            sender.language if sender is not None else "zh",
        )

    async def _view(self, session: AsyncSession, row: BroadcastRow) -> Broadcast:
        team = await session.get(StaffRow, row.team_id) if row.team_id else None
        return _broadcast(row, team)


def _recipients(team: str | None) -> Select[StaffRow]:
    query = select(StaffRow).where(StaffRow.role == "manager", StaffRow.active.is_(True))
    if team is not None:
        query = query.where(StaffRow.supervisor_id == team)
    return query.order_by(StaffRow.staff_id)


async def _acknowledged(session: AsyncSession, broadcast_id: int) -> int:
    return int(
        await session.scalar(
            select(func.count()).where(
                BroadcastReceiptRow.broadcast_id == broadcast_id,
                BroadcastReceiptRow.acknowledged_at.is_not(None),
            )
        )
        or 0
    )


def _broadcast(row: BroadcastRow, team: StaffRow | None) -> Broadcast:
    return Broadcast(
        row.id,
        TalkingPoints(
            row.doc_id, row.version, row.title, row.approved_by, row.effective_from, row.body
        ),
        row.sender_id,
        staff_member(team) if team is not None else None,
        row.day,
        row.total,
        row.report_at,
    )


def broadcast_kind(broadcast_id: int) -> str:
    """Ledger kind of the broadcast message to one manager."""
    return f"bc:{broadcast_id}"


def report_kind(broadcast_id: int) -> str:
    """Ledger kind of the report to the sender (and of the ping to each supervisor)."""
    return f"bcr:{broadcast_id}"
