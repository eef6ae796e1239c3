"""The typed callback context: services built once in bot/bootstrap reach handlers through it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from crm.alerts import AlertService
from crm.briefings import BriefingService
from crm.clients import ClientService
from crm.followups import FollowUpService
from crm.notes import NoteService
from crm.rules import RulesService
from crm.staff import StaffMember, StaffService
from knowledge_base.answering import AnswerService
from knowledge_base.asking import AskingService
from knowledge_base.compliance import ComplianceChecker
from knowledge_base.curation import CurationService
from knowledge_base.feedback import FeedbackService
from runtime.data_watch import DataWatch
from runtime.ledger import DeliveryLedger
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
    briefings: BriefingService
    deliveries: DeliveryLedger
    scheduler_lock: SchedulerLock
    rules: RulesService
    data_watch: DataWatch
    default_language: str = "zh"
    bot_username: str = "ambot_demo_bot"


class BotData:
    """Application-wide data: the services (set once by build_application)."""

    services: Services
    # scheduler.state.ProactiveState of this process (set by scheduler.register_all); handlers
    # reach rescheduling through it without importing scheduler/.
    scheduler: Any = None
    # scheduler.rules: the data signature last evaluated in this process.
    rules_last_signature: Any = None


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

    def require_staff(self) -> StaffMember:
        """The staff member the guard authenticated; handlers behind the guard may rely on it."""
        if self.staff is None:
            raise RuntimeError("handler reached without an authenticated staff member")
        return self.staff
