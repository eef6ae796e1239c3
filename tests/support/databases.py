"""Real databases for tests: a SQLite file, and PostgreSQL when a server answers.

PostgreSQL comes from AMBOT_TEST_POSTGRES_URL or the local server on 127.0.0.1:5432 (database
`test`); each test gets a schema of its own, dropped afterwards.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import create_engine

LOCAL_POSTGRES_URL = "postgresql+asyncpg://root@127.0.0.1:5432/test"


def postgres_url() -> str | None:
    """The PostgreSQL URL to test against, or None when no server answers."""
    configured = os.environ.get("AMBOT_TEST_POSTGRES_URL")
    if configured:
        return configured
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=0.5):
            return LOCAL_POSTGRES_URL
    except OSError:
        return None


POSTGRES_SKIP_REASON = (
    "no PostgreSQL: set AMBOT_TEST_POSTGRES_URL or run a server on 127.0.0.1:5432 (database test)"
)


@dataclass
class TestDatabase:
    """A database a test may use: its URL plus the engine options that isolate it."""

    kind: str
    url: str
    engine_kwargs: dict[str, Any] = field(default_factory=dict)

    def engine(self) -> AsyncEngine:
        return create_engine(self.url, **self.engine_kwargs)


@asynccontextmanager
async def sqlite_database(tmp_path: Path) -> AsyncIterator[TestDatabase]:
    yield TestDatabase("sqlite", f"sqlite+aiosqlite:///{tmp_path / 'ambot-test.db'}")


@asynccontextmanager
async def postgres_database(url: str) -> AsyncIterator[TestDatabase]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield TestDatabase(
            "postgres",
            url,
            {"connect_args": {"server_settings": {"search_path": schema}}},
        )
    finally:
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


@asynccontextmanager
async def fresh_database(admin_url: str, prefix: str = "ambot_t") -> AsyncIterator[str]:
    """A PostgreSQL database of its own on the server (dropped afterwards): its URL. For tests
    where another process must reach the same data (a schema's search_path cannot be passed
    to a child process through the URL)."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()
