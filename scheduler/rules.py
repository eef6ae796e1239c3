"""Re-evaluate the rules whenever the bank's latest data changes; new alerts then go out."""

from __future__ import annotations

import logging

from handlers.context import AppContext

log = logging.getLogger(__name__)
RULES_JOB = "rules:latest"


async def evaluate_latest_data(context: AppContext) -> None:
    """Evaluate the newest data date if anything on it changed since the last run here."""
    bot_data = context.application.bot_data
    services = bot_data.services
    signature = await services.data_watch.signature()
    if signature.latest_date is None or bot_data.rules_last_signature == signature:
        return
    evaluation = await services.rules.evaluate(
        signature.latest_date, with_tags=False, with_stored_alerts=False
    )
    bot_data.rules_last_signature = signature
    new = len(evaluation.new_alert_ids)
    tags = sum(evaluation.tag_counts.values())
    log.info("rules evaluated for %s: %d new alerts, %d tags", evaluation.date, new, tags)
    if new:
        state = bot_data.scheduler
        if state is not None and state.kick is not None:
            state.kick()  # deliver P1/P2 at once rather than at the next sweep
