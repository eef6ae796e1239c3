"""Tasks from alerts (issue 14): silent warnings, negative events, birthdays and anniversaries
become follow-ups in the manager's /todos, once per alert.

- silent_warning → a call task; negative_event → one task per affected client (announced by the
  P2 batch message, so its reminder counts as given); birthday / anniversary → a greeting task
  whose approved template is filled on request (`greeting`).
- Due today in the manager's zone at 09:30, or at once when the sweep runs later than that.
- Once per alert: `follow_ups.alert_id` is unique (migration 0009) and the insert is
  ON CONFLICT DO NOTHING, so re-evaluating the rules, a second sweep or a second process adds
  nothing. Only open alerts raised in the last `max_age_days` get a task (not a backlog).
- Each task created is journaled (`followup.created`, actor `system`, body: client, alert,
  rule, owner, due) in the transaction that inserts it (DESIGN §9).

crm does not import the knowledge base: the greeting template comes in as a lookup
(`TemplateLookup`, like the talking points of crm/alert_delivery.py), and the task title is
written by the caller (`TitleWriter`: the wording lives in the views).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from audit import Journal
from crm.alerts import OPEN_STATUSES, AlertService
from crm.errors import DomainError, NotAuthorizedError, NotFoundError
from crm.explain import AlertKey, Reason, explain_alerts
from crm.staff import StaffMember
from crm.when import DEFAULT_TIME, zone_of
from storage.activity_rows import FollowUpRow
from storage.alert_rows import AlertRow
from storage.rows import ClientRow, StaffRow
from storage.uow import UnitOfWorkFactory

# rule → kind of task; the kind names the task's title text and its button.
TASK_KINDS: Mapping[str, str] = {
    "silent_warning": "call",
    "negative_event": "event",
    "birthday": "greeting",
    "anniversary": "greeting",
}
GREETING_RULES = ("birthday", "anniversary")
# Announced by their own message (the P2 batch): no second "follow-up due" ping for them.
ANNOUNCED_RULES = ("negative_event",)
MAX_TITLE_CHARS = 500
PLACEHOLDERS = ("client_name", "manager_name", "years")

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_QUOTED = re.compile(r"「([^「」]*)」")
_AT_LEAST_YEARS = re.compile(r"满\s*(\d+)\s*年及以上|(\d+)\+\s*years", re.IGNORECASE)

# (rule, reason, language) → the task's title, plain text (stored, shown escaped).
TitleWriter = Callable[[str, Reason, str], str]


@dataclass(frozen=True)
class GreetingTemplate:
    """An approved, in-effect greeting template (kind `template`) as the lookup found it."""

    doc_id: str
    version: int
    title: str
    approved_by: str
    effective_from: date
    body: str


# The approved template for a greeting rule ("birthday", "anniversary") in effect that day.
TemplateLookup = Callable[[str, date], Awaitable[GreetingTemplate | None]]


class TemplatePlaceholderError(DomainError):
    """A template names a placeholder ambot cannot fill: refused, never sent half-filled."""

    def __init__(self, doc_id: str, placeholder: str) -> None:
        super().__init__(f"template {doc_id} names an unknown placeholder {{{placeholder}}}")
        self.doc_id = doc_id
        self.placeholder = placeholder


class NoGreetingTemplateError(DomainError):
    """No approved, in-effect template for this greeting (or it holds no quoted message)."""

    def __init__(self, rule: str, doc_id: str | None = None) -> None:
        super().__init__(f"no approved greeting template for {rule}")
        self.rule = rule
        self.doc_id = doc_id


@dataclass(frozen=True)
class GreetingVariant:
    heading: str  # the template's section, e.g. 短信/微信模板
    text: str  # filled, ready to copy


@dataclass(frozen=True)
class Greeting:
    """A greeting task's filled template: the preferred variant first."""

    follow_up_id: int
    rule: str
    client_name: str
    manager_name: str
    years: int | None
    template: GreetingTemplate
    variants: tuple[GreetingVariant, ...]

    @property
    def text(self) -> str:
        return self.variants[0].text


@dataclass(frozen=True)
class AlertTask:
    """A follow-up created for an alert."""

    follow_up_id: int
    alert_id: int
    rule: str
    owner_id: str
    client_id: str

    @property
    def kind(self) -> str:
        return TASK_KINDS[self.rule]


# ----------------------------------------------------------------------------- templates


def template_variants(body: str) -> tuple[tuple[str, str], ...]:
    """(section heading, message) of every quoted 「…」 message that holds a placeholder, in
    order: the messages a template offers; quotes in the instructions (「张先生」) hold none."""
    found: list[tuple[str, str]] = []
    heading = ""
    for line in body.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            heading = stripped.lstrip("#").strip()
            continue
        for quoted in _QUOTED.findall(stripped):
            if _PLACEHOLDER.search(quoted):
                found.append((heading, quoted.strip()))
    return tuple(found)


def fill_template(text: str, values: Mapping[str, str], *, doc_id: str) -> str:
    """Every {placeholder} replaced from values; an unknown one raises
    TemplatePlaceholderError (the message is refused, never sent with a gap)."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        if name not in values:
            raise TemplatePlaceholderError(doc_id, name)
        return values[name]

    return _PLACEHOLDER.sub(value, text)


def fill_greeting(
    template: GreetingTemplate, *, client_name: str, manager_name: str, years: int | None = None
) -> tuple[GreetingVariant, ...]:
    """The template's messages filled for one client; a section meant for "满N年及以上"
    comes first when the years reach N, else it is left out."""
    values = {"client_name": client_name, "manager_name": manager_name}
    if years is not None:
        values["years"] = str(years)
    chosen: list[GreetingVariant] = []
    preferred: list[GreetingVariant] = []
    for heading, message in template_variants(template.body):
        variant = GreetingVariant(heading, fill_template(message, values, doc_id=template.doc_id))
        at_least = _AT_LEAST_YEARS.search(heading)
        if at_least is None:
            chosen.append(variant)
        elif years is not None and years >= int(at_least.group(1) or at_least.group(2)):
            preferred.append(variant)
    variants = (*preferred, *chosen)
    if not variants:
        raise NoGreetingTemplateError("template", template.doc_id)
    return variants


# ----------------------------------------------------------------------------- the service


class AlertTaskService:
    """Creates the follow-ups of new alerts (once each) and fills greeting tasks' templates."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        alerts: AlertService,
        templates: TemplateLookup,
        *,
        max_age_days: int = 3,
        journal: Journal | None = None,
    ) -> None:
        self._uow = uow
        self._alerts = alerts  # its clock and zone are the tasks' too
        self._templates = templates
        self._max_age = timedelta(days=max_age_days)
        self._journal = (
            journal if journal is not None else Journal(uow, clock=lambda: alerts.clock())
        )

    @staticmethod
    def due_at(now: datetime, timezone: str) -> datetime:
        """Today at 09:30 in the manager's zone, or now if that has passed (due today)."""
        zone = zone_of(timezone)
        local = now.astimezone(zone)
        morning = datetime.combine(local.date(), DEFAULT_TIME, tzinfo=zone).astimezone(UTC)
        return max(morning, now)

    async def create_tasks(self, title: TitleWriter) -> list[AlertTask]:
        """A follow-up for every recent open alert of a task rule that has none yet; returns
        the ones created now (a rerun, or another process first, creates nothing)."""
        now = self._alerts.clock()
        today = self._alerts.today()
        a = AlertRow
        async with self._uow() as uow:
            session = uow.session
            found = (
                await session.execute(
                    select(a, StaffRow.language, StaffRow.timezone)
                    .join(StaffRow, StaffRow.staff_id == a.manager_id)
                    .where(
                        a.rule.in_(tuple(TASK_KINDS)),
                        a.status.in_(OPEN_STATUSES),
                        a.created_at >= now - self._max_age,
                        ~exists().where(FollowUpRow.alert_id == a.id),
                    )
                    .order_by(a.id)
                )
            ).all()
            if not found:
                return []
            keys = [AlertKey(r.id, r.rule, r.client_id, r.as_of) for r, _, _ in found]
            reasons = await explain_alerts(session, keys, today)
            values = [
                {
                    "client_id": row.client_id,
                    "owner_id": row.manager_id,
                    "title": _clipped(title(row.rule, reasons[row.id], language or "zh")),
                    "due_at": self.due_at(now, zone or "Asia/Shanghai"),
                    "status": "open",
                    "alert_id": row.id,
                    "bot_id": 0,
                    "created_at": now,
                    "reminded_at": now if row.rule in ANNOUNCED_RULES else None,
                    "snooze_count": 0,
                }
                for row, language, zone in found
            ]
            dialect = session.get_bind().dialect.name
            make_insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
            statement = (
                make_insert(FollowUpRow)
                .values(values)
                .on_conflict_do_nothing(index_elements=[FollowUpRow.alert_id])
                .returning(FollowUpRow.id, FollowUpRow.alert_id)
            )
            created = dict((alert_id, fid) for fid, alert_id in (await session.execute(statement)))
            for row, _, zone in found:
                if row.id in created:
                    await self._journal.append(
                        "system",
                        "followup.created",
                        f"followup:{created[row.id]}",
                        {
                            "client": row.client_id,
                            "alert": row.id,
                            "owner": row.manager_id,
                            "due": self.due_at(now, zone or "Asia/Shanghai").isoformat(),
                        },
                        session=session,
                    )
            await uow.commit()
        return [
            AlertTask(created[row.id], row.id, row.rule, row.manager_id, row.client_id)
            for row, _, _ in found
            if row.id in created
        ]

    async def task_ids(self, alert_ids: Collection[int]) -> dict[int, int]:
        """alert id → the follow-up created for it (alerts without a task are left out)."""
        if not alert_ids:
            return {}
        async with self._uow() as uow:
            rows = await uow.session.execute(
                select(FollowUpRow.alert_id, FollowUpRow.id).where(
                    FollowUpRow.alert_id.in_(sorted(alert_ids))
                )
            )
            return {int(alert_id): int(fid) for alert_id, fid in rows if alert_id is not None}

    async def greeting(self, follow_up_id: int, viewer: StaffMember) -> Greeting:
        """The greeting task's approved template filled for its client (name, the manager's
        name, years since opening for an anniversary). NotFoundError if it is no greeting
        task, NotAuthorizedError unless the viewer owns it or supervises its owner,
        NoGreetingTemplateError / TemplatePlaceholderError if no complete text can be made."""
        async with self._uow() as uow:
            session = uow.session
            task = await session.get(FollowUpRow, follow_up_id)
            if task is None:
                raise NotFoundError(str(follow_up_id))
            owner = await session.get(StaffRow, task.owner_id)
            if not viewer.active or owner is None:
                raise NotAuthorizedError(str(follow_up_id))
            if task.owner_id != viewer.staff_id and owner.supervisor_id != viewer.staff_id:
                raise NotAuthorizedError(str(follow_up_id))
            alert = await session.get(AlertRow, task.alert_id) if task.alert_id else None
            if alert is None or alert.rule not in GREETING_RULES:
                raise NotFoundError(str(follow_up_id))
            client = await session.get(ClientRow, alert.client_id)
            if client is None:
                raise NotFoundError(alert.client_id)
            rule, as_of = alert.rule, alert.as_of
            client_name, opened_on, manager_name = client.name, client.opened_on, owner.name
        template = await self._templates(rule, self._alerts.today())
        if template is None:
            raise NoGreetingTemplateError(rule)
        years = as_of.year - opened_on.year if rule == "anniversary" else None
        variants = fill_greeting(
            template, client_name=client_name, manager_name=manager_name, years=years
        )
        return Greeting(follow_up_id, rule, client_name, manager_name, years, template, variants)


def _clipped(title: str) -> str:
    title = title.strip() or "—"
    return title if len(title) <= MAX_TITLE_CHARS else title[: MAX_TITLE_CHARS - 1] + "…"
