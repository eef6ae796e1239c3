"""`ambot tickets list [--breached] [--json]`: open tickets, most urgent first, with the clock
that is running and the time left on it (negative: breached that long ago)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from bot import cli_common as cli
from bot.bootstrap import Runtime
from crm.masking import mask_text
from crm.tickets import TicketView

tickets_app = typer.Typer(no_args_is_help=True, help="Service tickets and their SLA clocks.")


def _record(ticket: TicketView, minutes_left: int | None) -> dict[str, Any]:
    """The stable --json shape of one ticket (summary masked: phone and ID numbers)."""
    return {
        "ticket_id": ticket.ticket_id,
        "client_id": ticket.client_id,
        "category": ticket.category,
        "manager_id": ticket.manager_id or None,
        "opened_at": ticket.opened_at.isoformat(),
        "first_response_at": (
            ticket.first_response_at.isoformat() if ticket.first_response_at else None
        ),
        "clock": ticket.clock,
        "due_at": ticket.due_at.isoformat() if ticket.due_at else None,
        "minutes_left": minutes_left,
        "breached": minutes_left is not None and minutes_left <= 0,
        "escalation": {"response": ticket.response_level, "resolution": ticket.resolution_level},
        "summary": mask_text(ticket.summary),
    }


@tickets_app.command("list")
def list_tickets(
    breached: Annotated[bool, typer.Option("--breached", help="Only past-due clocks.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Every open ticket, most urgent first."""

    async def work(runtime: Runtime) -> list[dict[str, Any]]:
        service = runtime.services.tickets
        now = service.clock()
        found = await service.listing(breached=breached)
        out = []
        for ticket in found:
            left = ticket.left(now)
            out.append(_record(ticket, int(left.total_seconds() // 60) if left else None))
        return out

    records = cli.with_runtime(work)
    if as_json:
        cli.out.print_json(json.dumps({"tickets": records}, ensure_ascii=False))
        return
    if not records:
        cli.out.print("no open tickets" + (" past their SLA" if breached else ""))
        return
    for r in records:
        left = r["minutes_left"]
        when = "—" if left is None else (f"{left} min left" if left > 0 else f"{-left} min late")
        line = (
            f"{r['ticket_id']}  {r['category']:<9} {r['manager_id'] or '—':<8} "
            f"{r['clock'] or '—':<10} {when:<16} {r['summary'][:40]}"
        )
        cli.out.print(line, highlight=False, markup=False, soft_wrap=True)
