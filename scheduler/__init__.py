"""Timed work: job callbacks (thin, like handlers) and their registration."""

from __future__ import annotations

from handlers.context import AmbotApplication
from scheduler import reminders as reminder_jobs
from scheduler import startup


def register_all(app: AmbotApplication, *, reminders: bool = True) -> None:
    """Register every feature's jobs (after the handlers; services are on app.bot_data)."""
    # The outbox (every proactive message) and the briefing, alert delivery and escalation
    # jobs: installed everywhere, the jobs started only where scheduler.startup.enable(app) was
    # called (ambot run) and this process wins the lock.
    startup.install(app)
    if reminders:
        reminder_jobs.register(app)
