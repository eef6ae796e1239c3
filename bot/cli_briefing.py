"""`ambot briefing show STAFF_ID [--date D]`: print a manager's briefing (or a supervisor's
digest) as plain text, exactly as ranked for Telegram."""

from __future__ import annotations

import re
from datetime import date
from html import unescape
from typing import Annotated

import typer

from bot import cli_common as cli
from bot.bootstrap import Runtime
from handlers.render.briefing import briefing_plain, digest_view

briefing_app = typer.Typer(no_args_is_help=True, help="Morning briefings.")


def _parse_day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise cli.fail(f"bad --date {value!r}: expected YYYY-MM-DD") from None


@briefing_app.command("show")
def show(
    staff_id: Annotated[str, typer.Argument(help="A manager (briefing) or supervisor (digest).")],
    day: Annotated[
        str | None, typer.Option("--date", help="YYYY-MM-DD (default: today in her zone).")
    ] = None,
) -> None:
    """Print the ranked briefing with its reasons (client phone and ID numbers never shown)."""
    when = _parse_day(day)

    async def work(runtime: Runtime) -> str:
        briefings = runtime.services.briefings
        member = await briefings.member(staff_id)
        if member.role == "supervisor":
            digest = await briefings.digest(staff_id, when)
            html = digest_view(digest, member.language).text
            return unescape(re.sub(r"<[^>]+>", "", html))
        if member.role != "manager":
            raise cli.fail(
                f"{staff_id} is a {member.role}: briefings are for managers and supervisors"
            )
        briefing = await briefings.compose(staff_id, when)
        return briefing_plain(briefing, member.language)

    text = cli.with_runtime(work)
    cli.out.print(text, highlight=False, markup=False, soft_wrap=True)
