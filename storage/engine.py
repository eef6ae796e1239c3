"""Async engine and session factory; SQLite gets foreign keys, WAL and a busy timeout, and
PostgreSQL (asyncpg) a lock timeout of the same length: a write waiting on another's lock gives
up with "lock not available" (the typed StorageBusyError: the user is told it was not saved)
instead of holding her chat for ever.

Engines hide SQL parameters (`hide_parameters=True`): an exception's text, which may reach a
log, names the statement but never the values — a note's text, a phone or an ID number; and
aiosqlite's DEBUG lines, which carry the parameters, are never emitted."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

BUSY_TIMEOUT_SECONDS = 30.0


def create_engine(
    url: str, *, lock_timeout: float = BUSY_TIMEOUT_SECONDS, **kwargs: Any
) -> AsyncEngine:
    """Create the async engine for url; SQLite files get their folder created. `lock_timeout`:
    how long a statement waits for another's lock (SQLite's busy timeout, PostgreSQL's
    lock_timeout) before the database refuses it."""
    parsed = make_url(url)
    kwargs.setdefault("hide_parameters", True)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"timeout": lock_timeout})
        engine = create_async_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if parsed.get_driver_name() == "asyncpg":
        connect_args = dict(kwargs.get("connect_args") or {})
        server_settings = dict(connect_args.get("server_settings") or {})
        server_settings.setdefault("lock_timeout", str(int(lock_timeout * 1000)))
        connect_args["server_settings"] = server_settings
        kwargs["connect_args"] = connect_args
    return create_async_engine(url, **kwargs)


def _quiet_aiosqlite() -> None:
    """aiosqlite logs every call with its arguments — the SQL parameters, user text — at
    DEBUG: keep its logger at INFO or above whatever the root level is."""
    logger = logging.getLogger("aiosqlite")
    if logger.level < logging.INFO:
        logger.setLevel(logging.INFO)


def _configure_sqlite(engine: AsyncEngine) -> None:
    _quiet_aiosqlite()

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
