"""`ambot audit verify` and `ambot audit export`: the journal of DESIGN §9."""

from __future__ import annotations

import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, TextIO
from zoneinfo import ZoneInfo

import typer

from audit import Journal
from audit.journal import EXPORT_FORMATS, ExportFormat
from bot import cli_common as cli
from bot.bootstrap import Runtime

audit_app = typer.Typer(no_args_is_help=True, help="The journal: verify its chain, export it.")


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the whole hash chain: exit 0 with the entry count, or 1 naming the first bad seq."""

    async def work(runtime: Runtime) -> None:
        result = await Journal(runtime.uow).verify()
        if not result.ok:
            raise cli.fail(
                f"journal broken at seq {result.bad_seq}: {result.reason} "
                f"({result.count} entries before it hold)"
            )
        cli.out.print(
            f"journal intact: {result.count} entries, head {result.head_hash}", highlight=False
        )

    cli.with_runtime(work)


def parse_day(option: str, value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise cli.fail(f"bad {option} {value!r}: expected a date like 2026-12-01") from None


def start_of(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


@audit_app.command("export")
def audit_export(
    since: Annotated[str, typer.Option("--since", help="First day YYYY-MM-DD (local time)")],
    until: Annotated[
        str | None, typer.Option("--until", help="Last day YYYY-MM-DD, included (default: all)")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="jsonl or csv")] = "jsonl",
    output: Annotated[
        Path | None, typer.Option("--output", help="Write to this file (default: stdout)")
    ] = None,
) -> None:
    """Write the entries of the days since..until (in the configured time zone), in seq order.
    CSV cells starting with = + - @ are prefixed with '."""
    first = parse_day("--since", since)
    last = parse_day("--until", until) if until is not None else None
    if last is not None and last < first:
        raise cli.fail(f"--until {last} is before --since {first}")
    if fmt not in EXPORT_FORMATS:
        raise cli.fail(f"bad --format {fmt!r}: jsonl or csv")
    chosen: ExportFormat = "csv" if fmt == "csv" else "jsonl"

    async def work(runtime: Runtime) -> int:
        tz = runtime.settings.tz
        start = start_of(first, tz)
        end = start_of(last + timedelta(days=1), tz) if last is not None else None
        journal = Journal(runtime.uow)

        async def write(sink: TextIO) -> int:
            lines = 0
            async for line in journal.export(start, end, chosen):
                sink.write(line)
                lines += 1
            return lines - (1 if chosen == "csv" else 0)

        if output is None:
            return await write(sys.stdout)
        with output.open("w", encoding="utf-8", newline="") as sink:
            return await write(sink)

    count = cli.with_runtime(work)
    if output is not None:
        cli.err.print(f"{count} entries written to {output}", highlight=False, markup=False)
