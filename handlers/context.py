"""The typed callback context: services built once in bot/bootstrap reach handlers and jobs
through it (PTB's ContextTypes), so mypy follows both."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol, cast

from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from audit import Journal
from crm.alert_delivery import AlertDeliveryService
from crm.alerts import AlertService
from crm.briefings import BriefingService
from crm.broadcasts import BroadcastService
from crm.clients import ClientService
from crm.followups import FollowUpService
from crm.notes import NoteService
from crm.rules import RulesService
from crm.staff import StaffMember, StaffService
from crm.team import TeamService
from crm.tickets import TicketService
from handlers.render import View
from knowledge_base.answering import AnswerService
from knowledge_base.asking import AskingService
from knowledge_base.compliance import ComplianceChecker
from knowledge_base.compliance.lexicon_edit import LexiconEditor
from knowledge_base.curation import ApprovedText, CurationService
from knowledge_base.feedback import FeedbackService
from knowledge_base.gaps import GapService
from knowledge_base.review import ReviewService
from runtime.data_watch import DataSignature, DataWatch
from runtime.ledger import DeliveryLedger, Settled
from runtime.lock import SchedulerLock


@dataclass
class Services:
    """Everything handlers and jobs may call; plain domain services, no sessions or engines."""

    staff: StaffService
    curation: CurationService
    answers: AnswerService
    checker: ComplianceChecker
    asking: AskingService
    feedback: FeedbackService
    clients: ClientService
    notes: NoteService
    followups: FollowUpService
    alerts: AlertService
    alert_delivery: AlertDeliveryService[ApprovedText]
    briefings: BriefingService
    deliveries: DeliveryLedger
    scheduler_lock: SchedulerLock
    rules: RulesService
    data_watch: DataWatch
    tickets: TicketService  # /tickets, the ticket buttons, the SLA sweep
    review: ReviewService  # /review: the compliance queue, uploads, marks
    gaps: GapService  # /review: resolving content gaps
    team: TeamService  # /team and the digest's KPIs
    broadcasts: BroadcastService  # /broadcast
    default_language: str = "zh"
    bot_username: str = "ambot_demo_bot"
    # The journal of DESIGN §9 (audit/); None: nothing is recorded (tools and tests that build
    # services by hand).
    journal: Journal | None = None
    # /lexicon: compliance curates the banned phrases in chat (None: not offered).
    lexicon: LexiconEditor | None = None


OnSettled = Callable[[Settled], Awaitable[None]]


class Outgoing(Protocol):
    """The one outgoing path of proactive messages (scheduler/outbox.Outbox): a ledger row
    before queueing on the paced sender, settled after; `on_settled` runs once it is. Urgent
    messages go ahead of bulk ones; wait=True returns once the message is out and settled."""

    async def deliver(
        self,
        member: StaffMember,
        day: date,
        kind: str,
        view: View,
        *,
        urgent: bool = False,
        wait: bool = False,
        on_settled: OnSettled | None = None,
    ) -> bool: ...

    async def deliver_all(
        self,
        members: Sequence[StaffMember],
        day: date,
        kind: str,
        view_of: Callable[[StaffMember], View],
        *,
        on_settled_of: Callable[[StaffMember], OnSettled | None] | None = None,
    ) -> int: ...  # many members, one (day, kind): the ledger rows claimed set-based


class Scheduling(Protocol):
    """What handlers may ask of this process's scheduler (scheduler/state.ProactiveState)."""

    @property
    def outbox(self) -> Outgoing: ...

    @property
    def kick(self) -> Callable[[], None] | None: ...  # deliver new alerts now

    @property
    def reschedule(self) -> Callable[[str], Awaitable[None]] | None: ...  # after /settings


class BotData:
    """Application-wide data: the services (set once by build_application)."""

    services: Services
    # scheduler.state.ProactiveState of this process (set by scheduler.register_all); handlers
    # reach the outbox and rescheduling through it without importing scheduler/.
    scheduler: Scheduling | None = None
    # scheduler.rules: the data signature last evaluated in this process.
    rules_last_signature: DataSignature | None = None


class AppContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """`context.services` and `context.staff` (the authenticated staff member of this update)."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self.staff: StaffMember | None = None
        self.language: str = "zh"

    @property
    def services(self) -> Services:
        return self.bot_data.services

    # PTB annotates these two with a type variable it never binds (ST); narrowed to ours.
    @property
    def application(self) -> AmbotApplication:  # type: ignore[override]
        """The Application, typed with this context and BotData (as build_application makes it)."""
        return cast("AmbotApplication", super().application)

    @property
    def job_queue(self) -> JobQueue[AppContext] | None:  # type: ignore[override]
        return cast("JobQueue[AppContext] | None", super().job_queue)

    def require_staff(self) -> StaffMember:
        """The staff member the guard authenticated; handlers behind the guard may rely on it."""
        if self.staff is None:
            raise RuntimeError("handler reached without an authenticated staff member")
        return self.staff


# The Application that bot/app.build_application builds: jobs and hooks are typed against it.
AmbotApplication = Application[
    ExtBot[None], AppContext, dict[Any, Any], dict[Any, Any], BotData, JobQueue[AppContext]
]
