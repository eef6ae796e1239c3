"""Re-evaluate the rules whenever the bank's latest data changes; new alerts then go out."""

from __future__ import annotations

import logging
from typing import Any

from telegram.ext import ContextTypes

log = logging.getLogger(__name__)
RULES_JOB = "rules:latest"


async def evaluate_latest_data(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Evaluate the newest data date if anything on it changed since the last run here."""
    app: Any = context.application
    services = app.bot_data.services
    signature = await services.data_watch.signature()
    if signature.latest_date is None or app.bot_data.rules_last_signature == signature:
        return
    evaluation = await services.rules.evaluate(
        signature.latest_date, with_tags=False, with_stored_alerts=False
    )
    app.bot_data.rules_last_signature = signature
    new = len(evaluation.new_alert_ids)
    tags = sum(evaluation.tag_counts.values())
    log.info("rules evaluated for %s: %d new alerts, %d tags", evaluation.date, new, tags)
    if new:
        state = app.bot_data.scheduler
        if state is not None and state.kick is not None:
            state.kick()  # deliver P1/P2 at once rather than at the next sweep
