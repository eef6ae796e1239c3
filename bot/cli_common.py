"""What every `ambot` command shares: the consoles, one-line failures, settings, the runtime."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from bot.bootstrap import Runtime, build_runtime
from bot.logs import configure_logging
from bot.settings import Settings
from crm.errors import DomainError, NotFoundError

out = Console(soft_wrap=True)
SAMPLE_DOCS = Path(__file__).resolve().parents[1] / "knowledge_base" / "samples" / "docs"
err = Console(stderr=True, soft_wrap=True)
T = TypeVar("T")


def fail(reason: str) -> typer.Exit:
    """Print a one-line reason to stderr; the caller raises the returned Exit(1).

    The reason often quotes user input (a file name, a cell, a document title): it is escaped,
    so `[/x]` is printed as typed instead of crashing Rich's markup parser."""
    one_line = " ".join(reason.split())
    err.print(f"[red]error:[/red] {escape(one_line)}", highlight=False, soft_wrap=True)
    return typer.Exit(1)


def load_settings() -> Settings:
    try:
        settings = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]).upper()
        raise fail(f"bad setting AMBOT_{where}: {first['msg']}") from None
    token = settings.telegram_token.get_secret_value() if settings.telegram_token else None
    configure_logging(settings.log_level, token=token)
    return settings


def with_runtime(work: Callable[[Runtime], Coroutine[Any, Any, T]], *, migrate: bool = True) -> T:
    """Build the runtime, run work, dispose the engine; domain errors become one-line failures."""
    settings = load_settings()

    async def _main() -> T:
        runtime = await build_runtime(settings, migrate=migrate)
        try:
            return await work(runtime)
        finally:
            await runtime.aclose()

    try:
        return asyncio.run(_main())
    except NotFoundError as exc:
        raise fail(f"not found: {exc}") from None
    except DomainError as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"cannot reach the database: {exc}") from None
