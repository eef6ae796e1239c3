"""Follow-ups (tasks with a due time) and the reminders derived from them.

A follow-up is created from a Telegram request message and is idempotent on that message's key
(bot_id, chat_id, message_id): a replay or a second ✅ press returns the same row (created False),
and a row under the key that holds another task (ids numbered again under a reused bot id) is
never shown as this request's: MessageReusedError. A database busy past its timeout raises
StorageBusyError (nothing saved). Reminders are not held
anywhere but the database: an open follow-up whose due_at has passed and whose reminded_at is NULL
is due; snoozing moves due_at and clears reminded_at (re-arms it). Every action re-checks that the
actor owns the follow-up or supervises its owner.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from audit import Journal
from crm.busy import busy_as_domain_error
from crm.clients import ClientService, ClientSummary
from crm.errors import (
    AlreadyClosedError,
    AmbiguousClientError,
    MessageReusedError,
    NoMatchingClientError,
    NotAuthorizedError,
    NotFoundError,
    SnoozeNotLaterError,
    StaleRequestError,
    TaskTooLongError,
    UsageError,
    WhenError,
)
from crm.staff import StaffMember
from crm.when import DEFAULT_TIME, When, ensure_future, split_when_what, zone_of
from storage.activity_rows import FollowUpRow
from storage.alert_rows import AlertRow
from storage.clock import Clock, utc_now
from storage.rows import ClientRow, StaffRow
from storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

Listener = Callable[["FollowUp"], None]
MAX_TITLE_CHARS = 500
SNOOZE_OPTIONS = ("hour", "tomorrow")


@dataclass(frozen=True)
class FollowUp:
    id: int
    client_id: str | None
    client_name: str | None
    owner_id: str
    title: str
    due_at: datetime  # aware UTC
    status: str  # open | done | cancelled
    reminded_at: datetime | None
    snooze_count: int
    # The rule of the alert this task came from (issue 14: silent_warning, birthday, …), if any.
    alert_rule: str | None = None


@dataclass(frozen=True)
class FollowUpDraft:
    """What a request would save, shown for confirmation before anything is written."""

    client_id: str
    client_name: str
    title: str
    when: When


@dataclass(frozen=True)
class Saved:
    follow_up: FollowUp
    created: bool  # False when the request had already been saved (replay, second press)


@dataclass(frozen=True)
class FollowUpPage:
    items: tuple[FollowUp, ...]
    total: int
    offset: int


@dataclass(frozen=True)
class Reminder:
    """A due follow-up and where to deliver it: the owner's Telegram chat, language and zone."""

    follow_up: FollowUp
    chat_id: int
    language: str
    timezone: str


def request_parts(request: str, *, names_client: bool) -> tuple[str, str]:
    """("client word", "when and what") of a request; the client word is its first word."""
    text = request.strip()
    if not names_client:
        return "", text
    pieces = text.split(maxsplit=1)  # any whitespace: space, newline, ideographic space
    if not pieces:
        return "", ""
    return pieces[0], pieces[1].strip() if len(pieces) == 2 else ""


def _follow_up(
    row: FollowUpRow, client_name: str | None, alert_rule: str | None = None
) -> FollowUp:
    return FollowUp(
        id=row.id,
        client_id=row.client_id,
        client_name=client_name,
        owner_id=row.owner_id,
        title=row.title,
        due_at=row.due_at,
        status=row.status,
        reminded_at=row.reminded_at,
        snooze_count=row.snooze_count,
        alert_rule=alert_rule,
    )


class FollowUpService:
    """Drafts, saves, lists, completes and snoozes follow-ups; finds the reminders that are due."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clients: ClientService,
        *,
        clock: Clock = utc_now,
        journal: Journal | None = None,
    ) -> None:
        self._uow = uow
        self._clients = clients
        self._clock = clock
        # Creation, done and snooze are journaled in their own transaction (DESIGN §9).
        self._journal = journal if journal is not None else Journal(uow, clock=clock)
        self._listeners: list[Listener] = []

    def now(self) -> datetime:
        return self._clock()

    def subscribe(self, listener: Listener) -> None:
        """Call listener(follow_up) after a follow-up is created, snoozed or closed (scheduling)."""
        self._listeners.append(listener)

    def _notify(self, follow_up: FollowUp) -> None:
        for listener in self._listeners:
            try:
                listener(follow_up)
            except Exception:  # a scheduling hiccup must not undo a saved write; sweep covers it
                log.exception("follow-up listener failed for #%s", follow_up.id)

    # ------------------------------------------------------------------ drafting and saving

    async def draft(
        self, request: str, viewer: StaffMember, *, client_id: str | None = None
    ) -> FollowUpDraft:
        """Read "<client> <when> <what>" (or "<when> <what>" for a known client) for confirmation.

        Raises UsageError("empty"), AmbiguousClientError, NoMatchingClientError, NotAuthorizedError, or
        WhenError (unparseable, past, no_task).
        """
        names_client = client_id is None
        client_word, rest = request_parts(request, names_client=names_client)
        if names_client and not client_word:
            raise UsageError("empty")
        if client_id is None:
            client_id = await self._resolve_client(client_word, viewer)
        client = await self._clients.get(client_id, viewer)
        if not rest:
            raise WhenError("unparseable")
        now = self._clock()
        # dateparser is CPU work (ms, first call ~0.3 s): keep it off the event loop.
        parsed = await asyncio.to_thread(split_when_what, rest, now=now, zone=viewer.timezone)
        ensure_future(parsed.when, now)
        title = _checked_title(parsed.what)
        return FollowUpDraft(client.client_id, client.name, title, parsed.when)

    async def client(self, client_id: str, viewer: StaffMember) -> ClientSummary:
        """The client a follow-up would be for, if the viewer may act on them (card ⏰)."""
        return await self._clients.get(client_id, viewer)

    async def _resolve_client(self, word: str, viewer: StaffMember) -> str:
        matches = await self._clients.search(word, viewer)
        if not matches:
            raise NoMatchingClientError(word)
        exact = [m for m in matches if m.score >= 100]
        chosen = exact or matches
        if len(chosen) > 1:
            raise AmbiguousClientError([(m.client_id, m.name) for m in chosen])
        return chosen[0].client_id

    async def create(
        self,
        viewer: StaffMember,
        *,
        client_id: str,
        request: str,
        names_client: bool,
        due_at: datetime,
        chat_id: int,
        message_id: int,
        bot_id: int = 0,
    ) -> Saved:
        """Save the confirmed follow-up, idempotent on the request message's key
        (bot_id, chat_id, message_id; bot_id 0 is "no bot": tools and tests).

        The task text is read again from the request (the confirmation button cannot carry it);
        due_at is the exact time the user confirmed.
        """
        with busy_as_domain_error("follow-up"):
            return await self._create(
                viewer,
                client_id=client_id,
                request=request,
                names_client=names_client,
                due_at=due_at,
                key=(bot_id, chat_id, message_id),
            )

    async def _create(
        self,
        viewer: StaffMember,
        *,
        client_id: str,
        request: str,
        names_client: bool,
        due_at: datetime,
        key: tuple[int, int, int],
    ) -> Saved:
        bot_id, chat_id, message_id = key
        existing = await self._by_message(*key)
        if existing is not None:
            await self._authorise(existing.id, viewer)
            if existing.title not in request:  # another request's row under a reused key
                raise MessageReusedError("follow-up")
            return Saved(existing, created=False)
        client = await self._clients.get(client_id, viewer)
        now = self._clock()
        _, rest = request_parts(request, names_client=names_client)
        try:
            parsed = await asyncio.to_thread(split_when_what, rest, now=now, zone=viewer.timezone)
        except WhenError as exc:
            raise StaleRequestError("request no longer reads as a follow-up") from exc
        if due_at <= now:
            raise WhenError("past")
        title = _checked_title(parsed.what)
        for _attempt in range(2):  # a concurrent duplicate loses the unique race once, then reads
            try:
                async with self._uow() as uow:
                    row = FollowUpRow(
                        client_id=client.client_id,
                        owner_id=viewer.staff_id,
                        title=title,
                        due_at=due_at,
                        status="open",
                        bot_id=bot_id,
                        chat_id=chat_id,
                        message_id=message_id,
                        created_at=now,
                        snooze_count=0,
                    )
                    uow.session.add(row)
                    await uow.session.flush()
                    await self._journal.append(
                        viewer.staff_id,
                        "followup.created",
                        f"followup:{row.id}",
                        {"client": client.client_id, "due": due_at.isoformat()},
                        session=uow.session,
                    )
                    await uow.commit()
                    saved = _follow_up(row, client.name)
                self._notify(saved)
                return Saved(saved, created=True)
            except IntegrityError:
                existing = await self._by_message(*key)
                if existing is not None:
                    if existing.title != title:
                        raise MessageReusedError("follow-up") from None
                    return Saved(existing, created=False)
        raise RuntimeError("follow-up could not be saved")  # pragma: no cover

    async def for_request(
        self, viewer: StaffMember, *, bot_id: int, chat_id: int, message_id: int
    ) -> FollowUp | None:
        """The follow-up saved from this request message, if any (the viewer's or her team's)."""
        found = await self._by_message(bot_id, chat_id, message_id)
        if found is not None:
            await self._authorise(found.id, viewer)
        return found

    async def _by_message(self, bot_id: int, chat_id: int, message_id: int) -> FollowUp | None:
        async with self._uow() as uow:
            found = (
                await uow.session.execute(
                    select(FollowUpRow, ClientRow.name)
                    .outerjoin(ClientRow, ClientRow.client_id == FollowUpRow.client_id)
                    .where(
                        FollowUpRow.bot_id == bot_id,
                        FollowUpRow.chat_id == chat_id,
                        FollowUpRow.message_id == message_id,
                    )
                )
            ).first()
            return _follow_up(found[0], found[1]) if found else None

    # ------------------------------------------------------------------ reading and acting

    async def list_open(
        self, viewer: StaffMember, *, offset: int = 0, limit: int = 10
    ) -> FollowUpPage:
        """The viewer's own open follow-ups, soonest due first."""
        offset = max(0, offset)
        async with self._uow() as uow:
            where = (FollowUpRow.owner_id == viewer.staff_id, FollowUpRow.status == "open")
            total = await uow.session.scalar(
                select(func.count()).select_from(FollowUpRow).where(*where)
            )
            rows = (
                await uow.session.execute(
                    select(FollowUpRow, ClientRow.name, AlertRow.rule)
                    .outerjoin(ClientRow, ClientRow.client_id == FollowUpRow.client_id)
                    .outerjoin(AlertRow, AlertRow.id == FollowUpRow.alert_id)
                    .where(*where)
                    .order_by(FollowUpRow.due_at, FollowUpRow.id)
                    .offset(offset)
                    .limit(limit)
                )
            ).all()
            items = tuple(_follow_up(row, name, rule) for row, name, rule in rows)
        return FollowUpPage(items, int(total or 0), offset)

    async def get(self, follow_up_id: int, viewer: StaffMember) -> FollowUp:
        async with self._uow() as uow:
            row = await self._authorised_row(uow.session, follow_up_id, viewer)
            return _follow_up(row, await self._client_name(uow.session, row.client_id))

    async def complete(self, follow_up_id: int, viewer: StaffMember) -> FollowUp:
        """Mark done (idempotent: an already-done follow-up is returned as it is)."""
        async with self._uow() as uow:
            row = await self._authorised_row(uow.session, follow_up_id, viewer)
            changed = row.status == "open"
            if changed:
                row.status = "done"
                row.done_at = self._clock()
                await self._journal.append(
                    viewer.staff_id,
                    "followup.done",
                    f"followup:{row.id}",
                    {"client": row.client_id, "owner": row.owner_id},
                    session=uow.session,
                )
                await uow.commit()
            done = _follow_up(row, await self._client_name(uow.session, row.client_id))
        if changed:
            self._notify(done)
        return done

    async def snooze(self, follow_up_id: int, viewer: StaffMember, option: str) -> FollowUp:
        """Move the due time ("hour": an hour from now or from due, whichever is later;
        "tomorrow": 09:30 tomorrow in the owner's zone) and re-arm the reminder.
        SnoozeNotLaterError, nothing changed, if that is not later than the current due time."""
        if option not in SNOOZE_OPTIONS:
            raise UsageError(f"unknown snooze option {option!r}")
        now = self._clock()
        async with self._uow() as uow:
            row = await self._authorised_row(uow.session, follow_up_id, viewer)
            if row.status != "open":
                raise AlreadyClosedError(f"follow-up {follow_up_id} is {row.status}")
            owner = await uow.session.get(StaffRow, row.owner_id)
            zone = zone_of(owner.timezone if owner else "Asia/Shanghai")
            if option == "hour":
                row.due_at = max(now, row.due_at) + timedelta(hours=1)
            else:
                tomorrow = now.astimezone(zone).date() + timedelta(days=1)
                until = datetime.combine(tomorrow, DEFAULT_TIME, tzinfo=zone).astimezone(UTC)
                if until <= row.due_at:  # a snooze never moves a follow-up earlier
                    raise SnoozeNotLaterError(
                        follow_up_id, due_at=row.due_at, until=until, zone=zone.key
                    )
                row.due_at = until
            row.reminded_at = None
            row.snooze_count += 1
            await self._journal.append(
                viewer.staff_id,
                "followup.snoozed",
                f"followup:{row.id}",
                {"client": row.client_id, "option": option, "due": row.due_at.isoformat()},
                session=uow.session,
            )
            await uow.commit()
            snoozed = _follow_up(row, await self._client_name(uow.session, row.client_id))
        self._notify(snoozed)
        return snoozed

    async def _authorise(self, follow_up_id: int, viewer: StaffMember) -> None:
        async with self._uow() as uow:
            await self._authorised_row(uow.session, follow_up_id, viewer)

    async def _authorised_row(
        self, session: AsyncSession, follow_up_id: int, viewer: StaffMember
    ) -> FollowUpRow:
        """The row if the viewer owns it or supervises its owner; NotFound/NotAuthorized else."""
        row = await session.get(FollowUpRow, follow_up_id)
        if row is None:
            raise NotFoundError(str(follow_up_id))
        if not viewer.active:
            raise NotAuthorizedError(str(follow_up_id))
        if row.owner_id != viewer.staff_id:
            supervisor = await session.scalar(
                select(StaffRow.supervisor_id).where(StaffRow.staff_id == row.owner_id)
            )
            if supervisor is None or supervisor != viewer.staff_id:
                raise NotAuthorizedError(str(follow_up_id))
        return row

    @staticmethod
    async def _client_name(session: AsyncSession, client_id: str | None) -> str | None:
        if client_id is None:
            return None
        return await session.scalar(select(ClientRow.name).where(ClientRow.client_id == client_id))

    # ------------------------------------------------------------------ reminders

    async def due_reminders(self, *, limit: int = 100) -> list[Reminder]:
        """Open follow-ups due by now and not yet reminded, whose owner can be reached."""
        now = self._clock()
        async with self._uow() as uow:
            rows = (
                await uow.session.execute(
                    select(
                        FollowUpRow,
                        ClientRow.name,
                        StaffRow.telegram_user_id,
                        StaffRow.language,
                        StaffRow.timezone,
                        AlertRow.rule,
                    )
                    .join(StaffRow, StaffRow.staff_id == FollowUpRow.owner_id)
                    .outerjoin(ClientRow, ClientRow.client_id == FollowUpRow.client_id)
                    .outerjoin(AlertRow, AlertRow.id == FollowUpRow.alert_id)
                    .where(
                        FollowUpRow.status == "open",
                        FollowUpRow.due_at <= now,
                        FollowUpRow.reminded_at.is_(None),
                        StaffRow.active.is_(True),
                        StaffRow.telegram_user_id.is_not(None),
                    )
                    .order_by(FollowUpRow.due_at, FollowUpRow.id)
                    .limit(limit)
                )
            ).all()
            return [
                Reminder(_follow_up(row, name, rule), chat_id, language, timezone)
                for row, name, chat_id, language, timezone, rule in rows
                if chat_id is not None
            ]

    async def mark_reminded(self, follow_up_id: int) -> bool:
        """Record that the reminder went out; False if it already had been (or was closed)."""
        async with self._uow() as uow:
            result = await uow.session.execute(
                update(FollowUpRow)
                .where(
                    FollowUpRow.id == follow_up_id,
                    FollowUpRow.reminded_at.is_(None),
                    FollowUpRow.status == "open",
                )
                .values(reminded_at=self._clock())
            )
            await uow.commit()
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def scheduled_reminders(self) -> list[tuple[int, datetime]]:
        """(id, due_at) of every open, unreminded follow-up: the jobs to arm after a restart."""
        async with self._uow() as uow:
            rows = (
                await uow.session.execute(
                    select(FollowUpRow.id, FollowUpRow.due_at).where(
                        FollowUpRow.status == "open", FollowUpRow.reminded_at.is_(None)
                    )
                )
            ).all()
        return [(int(follow_up_id), due_at) for follow_up_id, due_at in rows]


def _checked_title(text: str) -> str:
    title = text.strip()
    if not title:
        raise WhenError("no_task")
    if len(title) > MAX_TITLE_CHARS:
        raise TaskTooLongError(limit=MAX_TITLE_CHARS, length=len(title))
    return title
