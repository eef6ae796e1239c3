"""Client lookup scoped by role, the 360° card, the asset history and "mark contacted".

Who sees whom: a manager her own book, a supervisor her team's (clients of managers whose
supervisor_id is hers), compliance and admin nobody's. Every method checks again — buttons carry
only ids, so a press is re-authorised against the database, never against what was shown.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, false, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from audit import Journal
from crm.busy import busy_as_domain_error
from crm.client_search import Candidate, normalise_query, rank_candidates
from crm.errors import NoBookError, NotAuthorizedError, NotFoundError, UsageError
from crm.id_refs import is_hashed, pick
from crm.masking import mask_id_number, mask_phone
from crm.rules.config import TierConfig
from crm.rules.reasons import tag_facts, tag_reason
from crm.staff import StaffMember
from storage.activity_rows import ContactRow, FollowUpRow, NoteRow
from storage.alert_rows import AlertRow, ClientTagRow, RuleEvaluationRow
from storage.clock import Clock, utc_now
from storage.rows import ClientRow, HoldingRow, SnapshotRow, StaffRow
from storage.uow import UnitOfWorkFactory

OPEN_ALERT_STATUSES = ("open", "acknowledged", "snoozed")
CHANGE_WINDOW_DAYS = 30
TOP_HOLDINGS = 5
CARD_NOTES = 3
CARD_ITEMS = 5
MAX_QUERY_CHARS = 64


def tier_for(total_assets: Decimal | None, tiers: TierConfig | None = None) -> str:
    """hnw (> hnw_above) | wealth (wealth_from … hnw_above inclusive) | mass; no data is mass.

    Thresholds come from the rules config (crm/rules/rules.yaml), 5,000,000 and 1,000,000 CNY.
    """
    tiers = tiers or TierConfig()
    if total_assets is None:
        return "mass"
    if total_assets > tiers.hnw_above:
        return "hnw"
    if total_assets >= tiers.wealth_from:
        return "wealth"
    return "mass"


@dataclass(frozen=True)
class ClientSummary:
    client_id: str
    name: str
    manager_id: str
    risk_level: str
    tier: str
    total_assets: Decimal | None
    data_date: date | None


@dataclass(frozen=True)
class ClientMatch:
    client_id: str
    name: str
    score: float
    matched_on: str


@dataclass(frozen=True)
class Tag:
    """A tier or tag with its explanation; reason is None for a tier computed on the fly."""

    tag: str
    reason: str | None
    as_of: date | None


@dataclass(frozen=True)
class Holding:
    symbol: str
    name: str
    sector: str | None
    market_value: Decimal
    share: float  # of the client's market value that day, 0–1


@dataclass(frozen=True)
class CardFollowUp:
    id: int
    title: str
    due_at: datetime


@dataclass(frozen=True)
class CardAlert:
    id: int
    rule: str
    priority: str
    as_of: date
    status: str


@dataclass(frozen=True)
class CardNote:
    id: int
    kind: str
    text: str
    author_id: str
    created_at: datetime
    revision: int
    voice_duration: int | None


@dataclass(frozen=True)
class Contact:
    id: int
    client_id: str
    staff_id: str
    channel: str
    at: datetime
    client_name: str
    created: bool = True  # False: this press (its card message) had recorded it already


@dataclass(frozen=True)
class ClientCard:
    """Everything the 360° card shows; phone and ID are already masked."""

    summary: ClientSummary
    manager_name: str
    phone_masked: str
    id_number_masked: str
    tags: tuple[Tag, ...]
    total_assets: Decimal | None
    data_date: date | None
    change_30d: Decimal | None
    change_30d_pct: float | None
    compared_with: date | None
    holdings_date: date | None
    holdings: tuple[Holding, ...]
    last_contact: Contact | None
    follow_ups: tuple[CardFollowUp, ...]
    follow_ups_total: int
    alerts: tuple[CardAlert, ...]
    alerts_total: int
    notes: tuple[CardNote, ...]
    today: date


@dataclass(frozen=True)
class AssetPoint:
    day: date
    total_assets: Decimal


@dataclass(frozen=True)
class AssetHistory:
    client_id: str
    name: str
    points: tuple[AssetPoint, ...]


async def may_view(session: AsyncSession, viewer: StaffMember, manager_id: str) -> bool:
    """A manager sees her own book, a supervisor her team's; compliance and admin nobody's."""
    if not viewer.active:
        return False
    if viewer.role == "manager":
        return manager_id == viewer.staff_id
    if viewer.role == "supervisor":
        supervisor = await session.scalar(
            select(StaffRow.supervisor_id).where(StaffRow.staff_id == manager_id)
        )
        return supervisor == viewer.staff_id
    return False


def book_of(viewer: StaffMember) -> Select[str, str]:
    """id and name of every client the viewer may see (empty for roles that see nobody)."""
    query = select(ClientRow.client_id, ClientRow.name)
    if viewer.role == "manager" and viewer.active:
        return query.where(ClientRow.manager_id == viewer.staff_id)
    if viewer.role == "supervisor" and viewer.active:
        team = select(StaffRow.staff_id).where(StaffRow.supervisor_id == viewer.staff_id)
        return query.where(ClientRow.manager_id.in_(team))
    return query.where(false())


async def _visible_client(session: AsyncSession, client_id: str, viewer: StaffMember) -> ClientRow:
    row = await session.get(ClientRow, client_id.strip()[:32])
    if row is None:
        raise NotFoundError(client_id)
    if not await may_view(session, viewer, row.manager_id):
        raise NotAuthorizedError(client_id)
    return row


async def _latest_snapshot(
    session: AsyncSession, client_id: str, on_or_before: date | None
) -> SnapshotRow | None:
    query = select(SnapshotRow).where(SnapshotRow.client_id == client_id)
    if on_or_before is not None:
        query = query.where(SnapshotRow.date <= on_or_before)
    return await session.scalar(query.order_by(SnapshotRow.date.desc()).limit(1))


def _summary(row: ClientRow, snapshot: SnapshotRow | None, tiers: TierConfig) -> ClientSummary:
    total = snapshot.total_assets if snapshot else None
    return ClientSummary(
        client_id=row.client_id,
        name=row.name,
        manager_id=row.manager_id,
        risk_level=row.risk_level,
        tier=tier_for(total, tiers),
        total_assets=total,
        data_date=snapshot.date if snapshot else None,
    )


async def journal_search(
    journal: Journal, session: AsyncSession, hits: Sequence[str], staff_id: str
) -> None:
    """The `client.search` entry of a search's hits, in the caller's transaction."""
    subject = f"client:{hits[0]}" if len(hits) == 1 else f"clients:{len(hits)}"
    await journal.append(staff_id, "client.search", subject, {"hits": list(hits)}, session=session)


class ClientService:
    """Reads clients for one viewer; every method re-checks that the viewer may see the client."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        *,
        clock: Clock = utc_now,
        timezone: str = "Asia/Shanghai",
        tiers: TierConfig | None = None,
        journal: Journal | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._tz = ZoneInfo(timezone)
        self.tiers = tiers or TierConfig()
        # Reads of a client's data (card, chart, search hits) and contacts are journaled, each
        # in the transaction that read or wrote them (DESIGN §9).
        self._journal = journal if journal is not None else Journal(uow, clock=clock)

    def today(self) -> date:
        return self._clock().astimezone(self._tz).date()

    def now(self) -> datetime:
        """The service clock (handlers time a short-lived "client in context" with it)."""
        return self._clock()

    async def get(self, client_id: str, viewer: StaffMember) -> ClientSummary:
        """The client's summary; NotFoundError if unknown, NotAuthorizedError if out of scope."""
        async with self._uow() as uow:
            row = await _visible_client(uow.session, client_id, viewer)
            snapshot = await _latest_snapshot(uow.session, row.client_id, self.today())
            return _summary(row, snapshot, self.tiers)

    async def read_for(
        self, client_id: str, viewer: StaffMember, purpose: str, details: Mapping[str, Any]
    ) -> ClientSummary:
        """The summary, its read journaled as `client.<purpose>` with `details` (e.g. "ask": a
        question answered with her risk level in view), like the card's `client.card`."""
        async with self._uow() as uow:
            row = await _visible_client(uow.session, client_id, viewer)
            snapshot = await _latest_snapshot(uow.session, row.client_id, self.today())
            summary = _summary(row, snapshot, self.tiers)
            await self._journal.append(
                viewer.staff_id,
                f"client.{purpose}",
                f"client:{summary.client_id}",
                dict(details),
                session=uow.session,
            )
            await uow.commit()
            return summary

    async def named(self, word: str, viewer: StaffMember) -> str | None:
        """The id of the one client of the viewer's book whom `word` names exactly — her full
        name or client id, what /note saves for directly — else None (no book, nobody, several).
        Not journaled: nothing of hers is read that the viewer did not type."""
        query = normalise_query(word[:MAX_QUERY_CHARS])
        if not query or viewer.role not in ("manager", "supervisor") or not viewer.active:
            return None
        typed = word.strip()
        candidates = book_of(viewer).where(
            or_(
                func.lower(ClientRow.client_id) == query,
                ClientRow.name == typed,
                func.lower(ClientRow.name) == query,
            )
        )
        async with self._uow() as uow:
            rows = (await uow.session.execute(candidates)).all()
        hits = {
            client_id
            for client_id, name in rows
            if client_id.lower() == query or normalise_query(name) == query
        }
        return hits.pop() if len(hits) == 1 else None

    async def resolve_ref(self, ref: str, viewer: StaffMember) -> str | None:
        """The client id a button's ref (crm/id_refs.py) stands for, among the clients the viewer
        may see; None when it names none of them (a stale or forged press)."""
        if not is_hashed(ref):
            return ref  # a plain id: the method the press calls re-checks access itself
        async with self._uow() as uow:
            ids = (
                await uow.session.scalars(book_of(viewer).with_only_columns(ClientRow.client_id))
            ).all()
        return pick(ref, ids)

    async def search(
        self, query: str, viewer: StaffMember, limit: int = 8, *, journal: bool = True
    ) -> list[ClientMatch]:
        """Clients in the viewer's scope matching name, id, pinyin or initials, best first.
        The hits are journaled (`client.search`) in a transaction of their own, unless
        journal=False: then the caller journals them in its own change (/note saving at once:
        `NoteService.add(..., searched=hits)`) or with `record_search`."""
        cleaned = query.strip()[:MAX_QUERY_CHARS]
        if not cleaned:
            raise UsageError("empty query")
        if viewer.role not in ("manager", "supervisor") or not viewer.active:
            raise NoBookError(viewer.role)
        async with self._uow() as uow:
            rows = (await uow.session.execute(book_of(viewer))).all()
        candidates = [Candidate(client_id, name) for client_id, name in rows]
        # A few hundred names × pypinyin is a few ms of CPU: keep it off the event loop.
        matches = await asyncio.to_thread(rank_candidates, cleaned, candidates, limit)
        found = [ClientMatch(m.client_id, m.name, m.score, m.matched_on) for m in matches]
        if journal:
            await self.record_search([m.client_id for m in found], viewer)
        return found

    async def record_search(self, hits: Sequence[str], viewer: StaffMember) -> None:
        """Journal a search's hits (a read of clients' data) in a transaction of their own."""
        if not hits:
            return
        async with self._uow() as uow:
            await journal_search(self._journal, uow.session, hits, viewer.staff_id)
            await uow.commit()

    async def card(
        self, client_id: str, viewer: StaffMember, today: date | None = None
    ) -> ClientCard:
        """The 360° card as of `today` (default: the service clock's date)."""
        today = today or self.today()
        async with self._uow() as uow:
            session = uow.session
            row = await _visible_client(session, client_id, viewer)
            cid = row.client_id
            latest = await _latest_snapshot(session, cid, today)
            earlier = None
            if latest is not None:
                earlier = await _latest_snapshot(
                    session, cid, latest.date - timedelta(days=CHANGE_WINDOW_DAYS)
                )
            manager_name = await session.scalar(
                select(StaffRow.name).where(StaffRow.staff_id == row.manager_id)
            )
            tags = await self._tags(session, cid, today, latest, viewer.language)
            holdings_date, holdings = await self._holdings(session, cid, today)
            contact = await session.scalar(
                select(ContactRow)
                .where(ContactRow.client_id == cid)
                .order_by(ContactRow.at.desc(), ContactRow.id.desc())
                .limit(1)
            )
            follow_ups, follow_ups_total = await self._follow_ups(session, cid)
            alerts, alerts_total = await self._alerts(session, cid)
            notes = await self._notes(session, cid)
            # Read every row attribute before the unit of work ends (its rollback expires them).
            change = pct = None
            if latest is not None and earlier is not None:
                change = latest.total_assets - earlier.total_assets
                if earlier.total_assets > 0:
                    pct = float(change / earlier.total_assets)
            card = ClientCard(
                summary=_summary(row, latest, self.tiers),
                manager_name=manager_name or row.manager_id,
                phone_masked=mask_phone(row.phone),
                id_number_masked=mask_id_number(row.id_number),
                tags=tags,
                total_assets=latest.total_assets if latest else None,
                data_date=latest.date if latest else None,
                change_30d=change,
                change_30d_pct=pct,
                compared_with=earlier.date if earlier else None,
                holdings_date=holdings_date,
                holdings=holdings,
                last_contact=_contact(contact, row.name) if contact else None,
                follow_ups=follow_ups,
                follow_ups_total=follow_ups_total,
                alerts=alerts,
                alerts_total=alerts_total,
                notes=notes,
                today=today,
            )
            await self._journal.append(
                viewer.staff_id, "client.card", f"client:{cid}", session=session
            )
            await uow.commit()
            return card

    async def asset_history(
        self, client_id: str, viewer: StaffMember, days: int = 120, today: date | None = None
    ) -> AssetHistory:
        """Daily total assets over the `days` calendar days ending at the latest data date."""
        today = today or self.today()
        async with self._uow() as uow:
            row = await _visible_client(uow.session, client_id, viewer)
            latest = await _latest_snapshot(uow.session, row.client_id, today)
            if latest is None:
                return AssetHistory(row.client_id, row.name, ())
            start = latest.date - timedelta(days=days - 1)
            result = await uow.session.execute(
                select(SnapshotRow.date, SnapshotRow.total_assets)
                .where(
                    SnapshotRow.client_id == row.client_id,
                    SnapshotRow.date >= start,
                    SnapshotRow.date <= latest.date,
                )
                .order_by(SnapshotRow.date)
            )
            points = tuple(AssetPoint(day, total) for day, total in result.all())
            history = AssetHistory(row.client_id, row.name, points)
            await self._journal.append(
                viewer.staff_id,
                "client.chart",
                f"client:{history.client_id}",
                {"days": days},
                session=uow.session,
            )
            await uow.commit()
            return history

    async def mark_contacted(
        self,
        client_id: str,
        viewer: StaffMember,
        now: datetime | None = None,
        *,
        key: tuple[int, int, int] | None = None,
    ) -> Contact:
        """Record that the viewer contacted the client (channel "marked").

        key is the pressed card message (bot_id, chat_id, message_id): one contact per card, so
        a redelivered or repeated press returns the contact already recorded (created False)."""
        at = now or self._clock()
        with busy_as_domain_error("contact"):
            for _attempt in range(2):  # a concurrent duplicate press loses the race once
                try:
                    return await self._mark(client_id, viewer, at, key)
                except IntegrityError:
                    continue
        raise RuntimeError("contact could not be recorded")  # pragma: no cover

    async def _mark(
        self, client_id: str, viewer: StaffMember, at: datetime, key: tuple[int, int, int] | None
    ) -> Contact:
        async with self._uow() as uow:
            row = await _visible_client(uow.session, client_id, viewer)
            if key is not None:
                bot_id, chat_id, message_id = key
                existing = await uow.session.scalar(
                    select(ContactRow).where(
                        ContactRow.bot_id == bot_id,
                        ContactRow.chat_id == chat_id,
                        ContactRow.message_id == message_id,
                    )
                )
                if existing is not None:
                    return replace(_contact(existing, row.name), created=False)
            contact = ContactRow(
                client_id=row.client_id, staff_id=viewer.staff_id, channel="marked", at=at
            )
            if key is not None:
                contact.bot_id, contact.chat_id, contact.message_id = key
            uow.session.add(contact)
            await uow.session.flush()
            result = _contact(contact, row.name)
            await self._journal.append(
                viewer.staff_id,
                "contact.recorded",
                f"contact:{contact.id}",
                {"client": row.client_id, "channel": "marked"},
                session=uow.session,
            )
            await uow.commit()
            return result

    # ------------------------------------------------------------------ card parts

    async def _tags(
        self,
        session: AsyncSession,
        client_id: str,
        today: date,
        latest: SnapshotRow | None,
        language: str,
    ) -> tuple[Tag, ...]:
        # The latest evaluated date ≤ today on which this client has tags: evaluations are
        # few (KEEP_TAG_DATES), and client_tags is keyed by date first.
        t, r = ClientTagRow, RuleEvaluationRow
        recent = select(r.as_of).where(r.as_of <= today).order_by(r.as_of.desc()).limit(10)
        rows = (
            await session.execute(
                select(t.as_of, t.tag, t.facts, r.inputs)
                .join(r, r.as_of == t.as_of)
                .where(t.client_id == client_id, t.as_of.in_(recent))
                .order_by(t.as_of.desc(), t.tag)
            )
        ).all()
        newest = rows[0].as_of if rows else None
        tags: list[Tag] = []
        for as_of, tag, facts, inputs in rows:
            if as_of == newest:
                merged = tag_facts(tag, facts, json.loads(inputs))
                reason = tag_reason(tag, merged, with_name=False, language=language)
                tags.append(Tag(tag, reason, as_of))
        if not any(tag.tag.startswith("tier:") for tag in tags):
            total = latest.total_assets if latest else None
            tier = tier_for(total, self.tiers)
            tags.insert(0, Tag(f"tier:{tier}", None, latest.date if latest else None))
        else:  # the tier first, then the tags
            tags.sort(key=lambda tag: (not tag.tag.startswith("tier:"), tag.tag))
        return tuple(tags)

    async def _holdings(
        self, session: AsyncSession, client_id: str, today: date
    ) -> tuple[date | None, tuple[Holding, ...]]:
        day = await session.scalar(
            select(func.max(HoldingRow.date)).where(
                HoldingRow.client_id == client_id, HoldingRow.date <= today
            )
        )
        if day is None:
            return None, ()
        rows = (
            await session.scalars(
                select(HoldingRow)
                .where(HoldingRow.client_id == client_id, HoldingRow.date == day)
                .order_by(HoldingRow.market_value.desc(), HoldingRow.symbol)
            )
        ).all()
        total = sum((row.market_value for row in rows), Decimal(0))
        top = tuple(
            Holding(
                row.symbol,
                row.name,
                row.sector,
                row.market_value,
                float(row.market_value / total) if total > 0 else 0.0,
            )
            for row in rows[:TOP_HOLDINGS]
        )
        return day, top

    async def _follow_ups(
        self, session: AsyncSession, client_id: str
    ) -> tuple[tuple[CardFollowUp, ...], int]:
        where = (FollowUpRow.client_id == client_id, FollowUpRow.status == "open")
        total = await session.scalar(select(func.count()).select_from(FollowUpRow).where(*where))
        rows = (
            await session.scalars(
                select(FollowUpRow).where(*where).order_by(FollowUpRow.due_at).limit(CARD_ITEMS)
            )
        ).all()
        return tuple(CardFollowUp(r.id, r.title, r.due_at) for r in rows), int(total or 0)

    async def _alerts(
        self, session: AsyncSession, client_id: str
    ) -> tuple[tuple[CardAlert, ...], int]:
        where = (AlertRow.client_id == client_id, AlertRow.status.in_(OPEN_ALERT_STATUSES))
        total = await session.scalar(select(func.count()).select_from(AlertRow).where(*where))
        rows = (
            await session.scalars(
                select(AlertRow)
                .where(*where)
                .order_by(AlertRow.priority, AlertRow.as_of.desc(), AlertRow.id)
                .limit(CARD_ITEMS)
            )
        ).all()
        alerts = tuple(CardAlert(r.id, r.rule, r.priority, r.as_of, r.status) for r in rows)
        return alerts, int(total or 0)

    async def _notes(self, session: AsyncSession, client_id: str) -> tuple[CardNote, ...]:
        rows = (
            await session.scalars(
                select(NoteRow)
                .where(NoteRow.client_id == client_id, NoteRow.deleted_at.is_(None))
                .order_by(NoteRow.created_at.desc(), NoteRow.id.desc())
                .limit(CARD_NOTES)
            )
        ).all()
        return tuple(
            CardNote(r.id, r.kind, r.text, r.author_id, r.created_at, r.revision, r.voice_duration)
            for r in rows
        )


def _contact(row: ContactRow, client_name: str) -> Contact:
    return Contact(row.id, row.client_id, row.staff_id, row.channel, row.at, client_name)
