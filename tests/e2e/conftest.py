"""The whole Application in polling mode against an emulated Bot API over HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot.app import build_application
from bot.bootstrap import Runtime, build_runtime
from bot.emulator import polling
from bot.settings import Settings
from storage.rows import StaffRow
from tests.support.botapi import BotApiServer, Conversation


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


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    async with BotApiServer() as server:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            data_dir=tmp_path,
            telegram_token=SecretStr(server.emulator.token),
            telegram_base_url=server.base_url,
            telegram_base_file_url=server.base_file_url,
        )
        runtime = await build_runtime(settings)
        async with runtime.uow() as work:
            work.session.add_all(demo_staff())
            await work.commit()
        application = build_application(settings, runtime.services)
        try:
            async with polling(application):
                yield Bot(runtime, Conversation(server.emulator, application), application, server)
        finally:
            await runtime.aclose()
