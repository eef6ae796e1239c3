"""Timed work: job callbacks (thin, like handlers) and their registration."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from scheduler import reminders as reminder_jobs
from scheduler import startup


def register_all(app: Application[Any, Any, Any, Any, Any, Any], *, reminders: bool = True) -> None:
    """Register every feature's jobs (after the handlers; services are on app.bot_data)."""
    if reminders:
        reminder_jobs.register(app)
    # Briefings, alert delivery and escalation: installed everywhere, started only where
    # scheduler.startup.enable(app) was called (ambot run) and this process wins the lock.
    startup.install(app)
