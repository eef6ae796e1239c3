"""Timed work: job callbacks (thin, like handlers) and their registration."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from scheduler import reminders, startup


def register_all(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Register every feature's jobs (after the handlers; services are on app.bot_data)."""
    reminders.register(app)
    # Briefings, alert delivery and escalation: installed everywhere, started only where
    # scheduler.startup.enable(app) was called (ambot run) and this process wins the lock.
    startup.install(app)
