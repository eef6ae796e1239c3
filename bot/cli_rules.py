"""`ambot rules evaluate`: compute tiers and tags and raise alerts for a trading date."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import Annotated

import typer

from bot import cli_common as cli
from bot.bootstrap import Runtime
from crm.rules import Evaluation, RulesService, load_rules_config

rules_app = typer.Typer(no_args_is_help=True, help="Tiers, tags and alert rules (DESIGN §4).")


def parse_date(value: str) -> date:
    """YYYY-MM-DD, or a one-line failure."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise cli.fail(f"bad --date {value!r}: expected a date like 2026-11-20") from None


@rules_app.command("evaluate")
def rules_evaluate(
    on: Annotated[
        str | None,
        typer.Option(
            "--date", help="Trading date YYYY-MM-DD (default: the latest snapshot date in the book)"
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output")] = False,
) -> None:
    """Compute tiers and tags and raise alerts for a trading date (idempotent)."""
    requested = parse_date(on) if on is not None else None

    async def work(runtime: Runtime) -> None:
        settings = runtime.settings
        service = RulesService(
            runtime.uow, load_rules_config(settings.rules_config), timezone=settings.timezone
        )
        as_of = requested or await service.latest_data_date()
        if as_of is None:
            raise cli.fail("no snapshots imported yet (try `ambot demo` or `ambot import`)")
        evaluation = await service.evaluate(as_of)
        if as_json:
            print(json.dumps(evaluation.as_json(), ensure_ascii=False, indent=2))
            return
        print_summary(
            evaluation, [rule.name for rule in service.rules], defaulted=requested is None
        )

    cli.with_runtime(work)


def print_summary(evaluation: Evaluation, rules: Sequence[str], *, defaulted: bool) -> None:
    """A short human report: counts per rule (`rules`: the evaluated rules, in their order)
    and tag, then one line per alert."""
    out = cli.out
    which = " (the latest snapshot date)" if defaulted else ""
    out.print(
        f"rules {evaluation.rule_version} evaluated for {evaluation.date}{which}", highlight=False
    )
    per_rule = Counter(a.rule for a in evaluation.alerts)
    counts = ", ".join(f"{rule} {per_rule[rule]}" for rule in rules)
    out.print(
        f"alerts: {len(evaluation.alerts)} ({len(evaluation.new_alert_ids)} new) — {counts}",
        highlight=False,
    )
    tags = ", ".join(f"{tag} {n}" for tag, n in evaluation.tag_counts.items()) or "none"
    out.print(f"tags: {tags}", highlight=False)
    for alert in evaluation.alerts:
        mark = "new" if alert.new else "stored"
        out.print(
            f"  {alert.priority} {alert.rule:<15} client {alert.client_id} → {alert.manager_id}"
            f"  [{mark}] {alert.dedupe_key}",
            highlight=False,
            markup=False,
        )
