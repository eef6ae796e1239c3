"""Staff identity: who a Telegram account belongs to, and one-time invites that bind accounts."""

from __future__ import annotations

import hashlib
import secrets
import time as monotonic_time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from audit import Journal
from crm.errors import (
    AlreadyClosedError,
    InviteError,
    NotAuthorizedError,
    NotFoundError,
    UsageError,
)
from crm.id_refs import is_hashed, pick
from storage.activity_rows import FollowUpRow
from storage.alert_rows import AlertEventRow, AlertRow
from storage.clock import Clock, utc_now
from storage.rows import ClientRow, InviteRow, StaffRow, TicketRow
from storage.text import clean_text
from storage.uow import UnitOfWorkFactory

Ticker = Callable[[], float]  # monotonic seconds

# How long a Telegram account → staff lookup is reused. Every update passes the allow-list, so
# this saves a database round trip per message; changes made through this process's services
# clear it at once, changes from another process (a staff CSV import deactivating someone) take
# effect within this many seconds.
LOOKUP_TTL_SECONDS = 10.0
REASON_LIMIT = 200  # characters of a deactivation or unbinding reason
OPEN_ALERT_STATUSES = ("open", "acknowledged", "snoozed")


@dataclass(frozen=True)
class StaffMember:
    staff_id: str
    name: str
    role: str
    supervisor_id: str | None
    telegram_user_id: int | None
    timezone: str
    language: str
    briefing_time: time
    active: bool


@dataclass(frozen=True)
class Handover:
    """What a deactivation moved: the member's open alerts, follow-ups (by id) and tickets she
    owned went to `supervisor` (None: she has no active supervisor, and they stay where they
    were)."""

    staff: StaffMember
    supervisor: StaffMember | None
    alerts: tuple[int, ...]
    follow_ups: tuple[int, ...]
    tickets: tuple[str, ...]


@dataclass(frozen=True)
class Invite:
    staff_id: str
    code: str
    expires_at: datetime


def staff_member(row: StaffRow) -> StaffMember:
    """The plain staff record of a row (shared by every crm service)."""
    return StaffMember(
        staff_id=row.staff_id,
        name=row.name,
        role=row.role,
        supervisor_id=row.supervisor_id,
        telegram_user_id=row.telegram_user_id,
        timezone=row.timezone,
        language=row.language,
        briefing_time=row.briefing_time,
        active=row.active,
    )


def hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


class StaffService:
    """Looks staff up and manages the invite → /start binding of Telegram accounts."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        *,
        clock: Clock = utc_now,
        invite_ttl_days: int = 7,
        lookup_ttl: float = LOOKUP_TTL_SECONDS,
        ticker: Ticker = monotonic_time.monotonic,
        journal: Journal | None = None,
    ):
        self._uow = uow
        self._journal = journal if journal is not None else Journal(uow, clock=clock)
        self._clock = clock
        self._invite_ttl = timedelta(days=invite_ttl_days)
        self._lookup_ttl = lookup_ttl
        self._ticker = ticker
        self._by_user: dict[int, tuple[float, StaffMember]] = {}

    def forget(self) -> None:
        """Drop cached lookups: staff data changed (called by every service that changes it)."""
        self._by_user.clear()

    async def get(self, staff_id: str) -> StaffMember:
        async with self._uow() as uow:
            row = await uow.session.get(StaffRow, staff_id)
            if row is None:
                raise NotFoundError(staff_id)
            return staff_member(row)

    async def resolve_ref(self, ref: str, viewer: StaffMember) -> str | None:
        """The staff id a button's ref (crm/id_refs.py) stands for, among the staff the viewer
        may see — an admin: everyone; anyone else: herself, her supervisor, whom she supervises
        and her teammates. None when it names none of them (a stale or forged press)."""
        if not is_hashed(ref):
            return ref  # a plain id: the method the press calls re-checks access itself
        async with self._uow() as uow:
            fresh = await uow.session.get(StaffRow, viewer.staff_id)
            if fresh is None or not fresh.active:
                return None
            query = select(StaffRow.staff_id)
            if fresh.role != "admin":
                near = [
                    StaffRow.staff_id == fresh.staff_id,
                    StaffRow.supervisor_id == fresh.staff_id,
                ]
                if fresh.supervisor_id:
                    boss = fresh.supervisor_id
                    near += [StaffRow.staff_id == boss, StaffRow.supervisor_id == boss]
                query = query.where(or_(*near))
            ids = (await uow.session.scalars(query)).all()
        return pick(ref, ids)

    async def by_telegram_user(self, telegram_user_id: int) -> StaffMember | None:
        """The active staff member bound to this Telegram account, if any.

        Found members are reused for up to lookup_ttl seconds; strangers are always looked up,
        so a fresh binding works on the very next message."""
        cached = self._by_user.get(telegram_user_id)
        now = self._ticker()
        if cached is not None and now - cached[0] < self._lookup_ttl:
            return cached[1]
        async with self._uow() as uow:
            row = await uow.session.scalar(
                select(StaffRow).where(
                    StaffRow.telegram_user_id == telegram_user_id, StaffRow.active.is_(True)
                )
            )
            member = staff_member(row) if row else None
        if member is None:
            self._by_user.pop(telegram_user_id, None)
        else:
            self._by_user[telegram_user_id] = (now, member)
        return member

    async def create_invite(self, staff_id: str) -> Invite:
        """A new one-time code for staff_id; only its hash is stored."""
        now = self._clock()
        code = secrets.token_urlsafe(18)  # 24 URL-safe chars, fits Telegram's 64-char start payload
        async with self._uow() as uow:
            row = await uow.session.get(StaffRow, staff_id)
            if row is None:
                raise NotFoundError(staff_id)
            if not row.active:
                raise InviteError("inactive")
            uow.session.add(
                InviteRow(
                    staff_id=staff_id,
                    code_hash=hash_code(code),
                    created_at=now,
                    expires_at=now + self._invite_ttl,
                )
            )
            await self._journal.append(
                "system", "staff.invited", f"staff:{staff_id}", session=uow.session
            )
            await uow.commit()
        return Invite(staff_id=staff_id, code=code, expires_at=now + self._invite_ttl)

    async def redeem_invite(self, code: str, telegram_user_id: int) -> StaffMember:
        """Bind telegram_user_id to the invite's staff member; the code cannot be used again."""
        now = self._clock()
        async with self._uow() as uow:
            invite = await uow.session.scalar(
                select(InviteRow).where(InviteRow.code_hash == hash_code(code))
            )
            if invite is None:
                raise InviteError("unknown")
            if invite.used_at is not None:
                raise InviteError("used")
            if invite.expires_at <= now:
                raise InviteError("expired")
            staff = await uow.session.get(StaffRow, invite.staff_id)
            if staff is None or not staff.active:
                raise InviteError("inactive")
            other = await uow.session.scalar(
                select(StaffRow).where(StaffRow.telegram_user_id == telegram_user_id)
            )
            if other is not None and other.staff_id != staff.staff_id:
                raise InviteError("already_bound")
            # Claim the invite with a guarded UPDATE so two concurrent redemptions cannot both win.
            claimed = await uow.session.execute(
                update(InviteRow)
                .where(InviteRow.id == invite.id, InviteRow.used_at.is_(None))
                .values(used_at=now, used_by_telegram_user_id=telegram_user_id)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                raise InviteError("used")
            staff.telegram_user_id = telegram_user_id
            await self._journal.append(
                staff.staff_id,
                "staff.bound",
                f"staff:{staff.staff_id}",
                {"telegram_user_id": telegram_user_id, "by": "invite"},
                session=uow.session,
            )
            await uow.commit()
            self.forget()
            return staff_member(staff)

    async def bind_directly(self, staff_id: str, telegram_user_id: int) -> StaffMember:
        """Bind without an invite (the console chat); never takes an account from someone else."""
        async with self._uow() as uow:
            staff = await uow.session.get(StaffRow, staff_id)
            if staff is None:
                raise NotFoundError(staff_id)
            other = await uow.session.scalar(
                select(StaffRow).where(StaffRow.telegram_user_id == telegram_user_id)
            )
            if other is not None and other.staff_id != staff_id:
                raise InviteError("already_bound")
            staff.telegram_user_id = telegram_user_id
            await self._journal.append(
                staff_id,
                "staff.bound",
                f"staff:{staff_id}",
                {"telegram_user_id": telegram_user_id, "by": "console"},
                session=uow.session,
            )
            await uow.commit()
            self.forget()
            return staff_member(staff)

    async def set_language(self, staff_id: str, language: str) -> StaffMember:
        """Change the language the bot speaks to this staff member (zh or en)."""
        if language not in ("zh", "en"):
            raise ValueError(f"unsupported language {language!r}")
        async with self._uow() as uow:
            staff = await uow.session.get(StaffRow, staff_id)
            if staff is None:
                raise NotFoundError(staff_id)
            staff.language = language
            staff.language_chosen = True  # a staff CSV import keeps it
            await self._journal.append(
                staff_id,
                "staff.language",
                f"staff:{staff_id}",
                {"language": language},
                session=uow.session,
            )
            await uow.commit()
            self.forget()
            return staff_member(staff)

    # ------------------------------------------------------------------ lifecycle (admins)

    async def list_staff(self, viewer: StaffMember) -> list[StaffMember]:
        """Every staff member, active first, by id; for an active admin only."""
        async with self._uow() as uow:
            await _require_admin(uow.session, viewer.staff_id)
            rows = await uow.session.scalars(
                select(StaffRow).order_by(StaffRow.active.desc(), StaffRow.staff_id)
            )
            return [staff_member(row) for row in rows]

    async def deactivate(self, staff_id: str, *, by: str, reason: str) -> Handover:
        """Deactivate staff_id (an active admin `by`, with a reason). In the same transaction her
        open alerts, follow-ups and tickets go to her active supervisor, and it is journaled. Her next
        message or press in this process is refused at once (the lookup cache is cleared);
        other processes refuse it within LOOKUP_TTL_SECONDS."""
        text = _reason(reason)
        now = self._clock()
        async with self._uow() as uow:
            session = uow.session
            await _require_admin(session, by)
            if by == staff_id:
                raise UsageError("self")
            row = await session.get(StaffRow, staff_id)
            if row is None:
                raise NotFoundError(staff_id)
            if not row.active:
                raise AlreadyClosedError(staff_id)
            row.active = False
            boss = await session.get(StaffRow, row.supervisor_id) if row.supervisor_id else None
            if boss is not None and not boss.active:
                boss = None
            alerts: list[int] = []
            follow_ups: list[int] = []
            # The open items are listed either way, and moved when she has a supervisor.
            for alert in await session.scalars(
                select(AlertRow)
                .where(
                    AlertRow.manager_id == staff_id,
                    AlertRow.status.in_(OPEN_ALERT_STATUSES),
                )
                .order_by(AlertRow.id)
            ):
                alerts.append(alert.id)
                if boss is None:
                    continue
                alert.manager_id = boss.staff_id
                session.add(
                    AlertEventRow(
                        alert_id=alert.id,
                        action="reassigned",
                        actor_id=by,
                        target_id=boss.staff_id,
                        at=now,
                        detail=f"{staff_id} deactivated",
                    )
                )
            for follow_up in await session.scalars(
                select(FollowUpRow)
                .where(FollowUpRow.owner_id == staff_id, FollowUpRow.status == "open")
                .order_by(FollowUpRow.id)
            ):
                follow_ups.append(follow_up.id)
                if boss is not None:
                    follow_up.owner_id = boss.staff_id
            # Her open tickets (owned by her, or of her clients and owned by no one) go to the
            # supervisor like a reassignment: the escalation stops (someone acted) and the
            # tickets sweep tells the new owner (notified_id is not hers).
            her_clients = select(ClientRow.client_id).where(ClientRow.manager_id == staff_id)
            tickets_owned = (
                await session.scalars(
                    select(TicketRow)
                    .where(
                        TicketRow.status == "open",
                        or_(
                            TicketRow.manager_id == staff_id,
                            and_(
                                TicketRow.manager_id.is_(None),
                                TicketRow.client_id.in_(her_clients),
                            ),
                        ),
                    )
                    .order_by(TicketRow.ticket_id)
                )
            ).all()
            tickets = tuple(t.ticket_id for t in tickets_owned)
            if boss is not None:
                for ticket in tickets_owned:
                    ticket.manager_id = boss.staff_id
                    ticket.response_escalate_at = None
                    ticket.resolution_escalate_at = None
            await session.flush()
            await self._journal.append(
                by,
                "staff.deactivated",
                f"staff:{staff_id}",
                {
                    "reason": text,
                    "supervisor": boss.staff_id if boss is not None else None,
                    "alerts": alerts,
                    "follow_ups": follow_ups,
                    "tickets": list(tickets),
                },
                session=session,
            )
            await uow.commit()
            self.forget()
            return Handover(
                staff=staff_member(row),
                supervisor=staff_member(boss) if boss is not None else None,
                alerts=tuple(alerts),
                follow_ups=tuple(follow_ups),
                tickets=tickets,
            )

    async def unbind(self, staff_id: str, *, by: str, reason: str) -> StaffMember:
        """Unbind staff_id's Telegram account (an active admin `by`, with a reason; journaled):
        the account is refused from its next message; a new invite can bind one again."""
        text = _reason(reason)
        async with self._uow() as uow:
            session = uow.session
            await _require_admin(session, by)
            row = await session.get(StaffRow, staff_id)
            if row is None:
                raise NotFoundError(staff_id)
            if row.telegram_user_id is None:
                raise AlreadyClosedError(staff_id)
            row.telegram_user_id = None
            await session.flush()
            await self._journal.append(
                by, "staff.unbound", f"staff:{staff_id}", {"reason": text}, session=session
            )
            await uow.commit()
            self.forget()
            return staff_member(row)


async def _require_admin(session: AsyncSession, staff_id: str) -> StaffRow:
    row = await session.get(StaffRow, staff_id)
    if row is None or row.role != "admin" or not row.active:
        raise NotAuthorizedError("staff")
    return row


def _reason(reason: str) -> str:
    text = clean_text(reason)
    if not text:
        raise UsageError("reason")
    if len(text) > REASON_LIMIT:
        raise UsageError("reason_too_long")
    return text
