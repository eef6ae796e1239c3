"""Build the engine and the services once; everything else receives them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from audit import Journal
from bot.settings import Settings
from crm.alert_delivery import AlertDeliveryService
from crm.alert_tasks import AlertTaskService
from crm.alerts import AlertService
from crm.briefings import BriefingService
from crm.broadcasts import BroadcastService, load_broadcast_settings
from crm.clients import ClientService
from crm.followups import FollowUpService
from crm.notes import NoteService
from crm.proactive import load_proactive_config
from crm.rules import RulesService
from crm.rules.config import load_rules_config
from crm.staff import StaffService
from crm.team import TeamService
from crm.tickets import TicketService
from handlers.context import Services
from knowledge_base.answering import AnswerService
from knowledge_base.asking import AskingService
from knowledge_base.compliance import ComplianceChecker, default_lexicon_path, load_lexicon
from knowledge_base.compliance.lexicon_edit import LexiconEditor
from knowledge_base.compliance.live import LexiconStore, LiveChecker
from knowledge_base.compliance.semantic import SemanticCheck
from knowledge_base.curation import CurationService
from knowledge_base.feedback import FeedbackService
from knowledge_base.gaps import GapService
from knowledge_base.review import ReviewService
from retrieval import make_embedder
from runtime.data_watch import DataWatch
from runtime.ledger import DeliveryLedger
from runtime.lock import SchedulerLock
from scheduler.alerts import approved_greetings, approved_scripts
from scheduler.broadcasts import broadcast_documents
from storage.clock import Clock, utc_now
from storage.engine import create_engine, session_factory
from storage.migrate import upgrade
from storage.uow import UnitOfWorkFactory


@dataclass
class Runtime:
    """What a running process owns: the engine (to dispose) and the services built on it."""

    settings: Settings
    engine: AsyncEngine
    uow: UnitOfWorkFactory
    services: Services

    async def aclose(self) -> None:
        journal = self.services.journal
        try:
            if journal is not None:
                await journal.flush()  # the entries the bot's hooks queued
        finally:
            await self.engine.dispose()


async def build_runtime(
    settings: Settings, *, migrate: bool = True, clock: Clock = utc_now
) -> Runtime:
    """Create the engine, bring the schema up to date (by default), and build the services,
    every time-aware one on `clock` (the console's demo clock; the wall clock by default)."""
    engine = create_engine(settings.resolved_database_url)
    if migrate:
        await upgrade(engine)
    uow = UnitOfWorkFactory(session_factory(engine))
    curation = CurationService(uow, timezone=settings.timezone, clock=clock)
    embedder = make_embedder(settings.embedder)  # the model itself loads on first use
    answers = AnswerService(
        curation,
        embedder,
        settings.data_dir / "index",
        timezone=settings.timezone,
        clock=clock,
    )
    # The lexicon in force: the newest one compliance stored, followed within seconds; plus
    # the claim exemplars on the answers' own embedder (one model in memory) when their
    # thresholds were tuned on its model (else the lexicon alone).
    lexicon_path = settings.lexicon_path or default_lexicon_path()
    semantic = SemanticCheck.for_embedder(  # exemplars embedded by bot/warmup.py, kept here
        embedder, cache=settings.data_dir / "claim_exemplars.npz"
    )
    checker = await LiveChecker.start(
        LexiconStore(uow, clock=clock), ComplianceChecker(load_lexicon(lexicon_path), semantic)
    )
    proactive = load_proactive_config(settings.data_dir / "proactive.yaml")
    alerts = AlertService(uow, proactive, clock=clock, timezone=settings.timezone)
    rules_config = load_rules_config(settings.rules_config)
    clients = ClientService(uow, clock=clock, timezone=settings.timezone, tiers=rules_config.tiers)
    staff = StaffService(uow, clock=clock, invite_ttl_days=settings.invite_ttl_days)
    services = Services(
        staff=staff,
        curation=curation,
        answers=answers,
        checker=checker,
        asking=AskingService(uow, curation, clock=clock, timezone=settings.timezone),
        feedback=FeedbackService(uow, clock=clock),
        clients=clients,
        notes=NoteService(uow, checker=checker, clock=clock),
        followups=FollowUpService(uow, clients, clock=clock),
        alerts=alerts,
        alert_delivery=AlertDeliveryService(
            alerts,
            proactive,
            approved_scripts(curation),
            tasks=AlertTaskService(uow, alerts, approved_greetings(curation)),
        ),
        briefings=BriefingService(
            uow,
            proactive,
            alerts,
            clock=clock,
            timezone=settings.timezone,
            staff_changed=staff.forget,
        ),
        deliveries=DeliveryLedger(uow, clock=clock),
        scheduler_lock=SchedulerLock(uow, clock=clock, ttl_seconds=proactive.lock_ttl_seconds),
        rules=RulesService(uow, rules_config, clock=clock, timezone=settings.timezone),
        data_watch=DataWatch(uow),
        tickets=TicketService(uow, proactive, clock=clock, timezone=settings.timezone),
        review=ReviewService(uow, curation, clock=clock, timezone=settings.timezone),
        gaps=GapService(uow, curation, clock=clock, timezone=settings.timezone),
        team=TeamService(uow, proactive, clock=clock),
        broadcasts=BroadcastService(
            uow,
            broadcast_documents(curation),
            settings=load_broadcast_settings(settings.data_dir / "proactive.yaml"),
            clock=clock,
            timezone=settings.timezone,
        ),
        default_language=settings.language,
        bot_username=settings.bot_username,
        journal=Journal(uow, clock=clock),
        lexicon=LexiconEditor(uow, checker, lexicon_path, timezone=settings.timezone),
    )
    return Runtime(settings=settings, engine=engine, uow=uow, services=services)
