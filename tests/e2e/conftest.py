"""The whole Application in polling mode against an emulated Bot API over HTTP on 127.0.0.1.

`bot` is an empty book with four staff members. `demo_bot` is the demo book (via the real CSV
importer) plus the sample knowledge base indexed with the real default model. It is built once
per session as a template; each test gets its own copy of the database and index.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot.app import build_application
from bot.bootstrap import Runtime, build_runtime
from bot.settings import Settings
from demo import generate_demo_book
from emulator import polling
from importing import ImportService
from storage.rows import StaffRow
from tests.support.botapi import BotApiServer, Conversation
from tests.support.embedders import documents_embedded_once

SAMPLES = Path(__file__).resolve().parents[2] / "knowledge_base" / "samples" / "docs"
DEMO_AS_OF = date(2026, 11, 20)  # a Friday; the tests' "today" is the next trading day or this one
DEMO_CLIENTS = 60


def demo_staff() -> list[StaffRow]:
    return [
        StaffRow(staff_id="A001", name="赵敏", role="admin"),
        StaffRow(staff_id="S001", name="周强", role="supervisor"),
        StaffRow(staff_id="M001", name="王芳", role="manager", supervisor_id="S001"),
        StaffRow(staff_id="M002", name="李静", role="manager", supervisor_id="S001", language="en"),
    ]


@dataclass
class Bot:
    """A running bot: its runtime (services, database) and a conversation driver."""

    runtime: Runtime
    telegram: Conversation
    application: Any
    server: BotApiServer

    async def bound_user(self, staff_id: str, telegram_id: int, first_name: str = "用户") -> Any:
        """A Telegram user bound to staff_id through a real invite and /start."""
        invite = await self.runtime.services.staff.create_invite(staff_id)
        user = self.telegram.user(id=telegram_id, first_name=first_name)
        await self.telegram.user_sends(user, f"/start {invite.code}")
        await self.telegram.next_message(user)
        return user


def settings_for(data_dir: Path, server: BotApiServer | None = None) -> Settings:
    extra: dict[str, Any] = {}
    if server is not None:
        extra = {
            "telegram_token": SecretStr(server.emulator.token),
            "telegram_base_url": server.base_url,
            "telegram_base_file_url": server.base_file_url,
        }
    return Settings(_env_file=None, data_dir=data_dir, **extra)  # type: ignore[call-arg]


async def _running(data_dir: Path, seed: Any = None) -> AsyncIterator[Bot]:
    async with BotApiServer() as server:
        settings = settings_for(data_dir, server)
        runtime = await build_runtime(settings)
        if seed is not None:
            await seed(runtime)
        semantic = runtime.services.checker.semantic
        if semantic is not None:  # as `ambot run` does before serving (bot/warmup.py): the
            await asyncio.to_thread(semantic.prepare)  # first /check does not embed exemplars
        application = build_application(settings, runtime.services)
        try:
            async with polling(application):
                yield Bot(runtime, Conversation(server.emulator, application), application, server)
        finally:
            await runtime.aclose()


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    """An empty book with A001, S001, M001 and M002 (English)."""

    async def seed(runtime: Runtime) -> None:
        async with runtime.uow() as work:
            work.session.add_all(demo_staff())
            await work.commit()

    async for running in _running(tmp_path, seed):
        yield running


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Data dir with the demo book imported and the sample KB indexed (built once)."""
    folder = tmp_path_factory.mktemp("demo-template")

    async def build() -> None:
        runtime = await build_runtime(settings_for(folder))
        try:
            book = generate_demo_book(folder / "csv", clients=DEMO_CLIENTS, as_of=DEMO_AS_OF)
            importer = ImportService(runtime.engine)
            for demo_file in book.files:
                report = await importer.import_file(demo_file.kind, demo_file.path)
                assert report.error_count == 0, (demo_file.kind, report.errors[:3])
            await runtime.services.curation.import_directory(SAMPLES, by="A001", migrate=True)
            await runtime.services.answers.reindex()
        finally:
            await runtime.aclose()

    with documents_embedded_once():
        asyncio.run(build())
    return folder


@pytest.fixture
async def demo_bot(demo_template: Path, tmp_path: Path) -> AsyncIterator[Bot]:
    """The demo book (60 clients, managers M001–M006) and the sample KB, on a private copy."""
    data_dir = tmp_path / "data"
    shutil.copytree(demo_template, data_dir, ignore=shutil.ignore_patterns("csv"))
    async for running in _running(data_dir):
        yield running
