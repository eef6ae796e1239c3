"""Build the engine and the services once; everything else receives them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.settings import Settings
from crm.staff import StaffService
from handlers.context import Services
from knowledge_base.answering import AnswerService
from knowledge_base.compliance import ComplianceChecker, default_lexicon_path, load_lexicon
from knowledge_base.curation import CurationService
from retrieval import make_embedder
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
        await self.engine.dispose()


async def build_runtime(settings: Settings, *, migrate: bool = True) -> Runtime:
    """Create the engine, bring the schema up to date (by default), and build the services."""
    engine = create_engine(settings.resolved_database_url)
    if migrate:
        await upgrade(engine)
    uow = UnitOfWorkFactory(session_factory(engine))
    curation = CurationService(uow, timezone=settings.timezone)
    answers = AnswerService(
        curation,
        make_embedder(settings.embedder),  # the model itself loads on first use
        settings.data_dir / "index",
        timezone=settings.timezone,
    )
    checker = ComplianceChecker(load_lexicon(settings.lexicon_path or default_lexicon_path()))
    services = Services(
        staff=StaffService(uow, invite_ttl_days=settings.invite_ttl_days),
        curation=curation,
        answers=answers,
        checker=checker,
        default_language=settings.language,
        bot_username=settings.bot_username,
    )
    return Runtime(settings=settings, engine=engine, uow=uow, services=services)
