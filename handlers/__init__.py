"""Telegram adapters, one module per feature; `register_all` adds them in order."""

from __future__ import annotations

from telegram.ext import Application

from handlers import errors, fallback, guards, start


def register_all(app: Application) -> None:
    """Register every feature's handlers; the guard first, the fallback last."""
    guards.register(app)
    start.register(app)
    fallback.register(app)
    errors.register(app)
