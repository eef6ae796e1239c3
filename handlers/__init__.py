"""Telegram adapters, one module per feature; `register_all` adds them in order."""

from __future__ import annotations

from telegram.ext import Application

from handlers import (
    alerts,
    ask,
    broadcast,
    check,
    clients,
    edits,
    errors,
    fallback,
    followups,
    guards,
    lexicon,
    notes,
    review,
    review_upload,
    settings,
    staff,
    start,
    team,
    tickets,
    today,
)


def register_all(app: Application) -> None:
    """Register every feature's handlers; the guard first, the fallback last."""
    guards.register(app)
    start.register(app)
    ask.register(app)
    check.register(app)
    followups.register(app)
    clients.register(app)
    notes.register(app)
    edits.register(app)  # every edit of her message, before the features (group -35)
    today.register(app)
    tickets.register(app)
    settings.register(app)
    alerts.register(app)
    team.register(app)
    broadcast.register(app)
    staff.register(app)
    review.register(app)
    review_upload.register(app)
    lexicon.register(app)
    # Flows that capture the next plain message register above; any other text is a question.
    ask.register_questions(app)
    fallback.register(app)
    errors.register(app)
