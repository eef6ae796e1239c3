"""Logging set-up: every record is masked (phones, ID numbers) and scrubbed of the bot token."""

from __future__ import annotations

import logging
import re

from crm.masking import mask_text

_TOKEN_PATTERN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}")


class PrivacyFilter(logging.Filter):
    """Rewrite the final message, traceback and stack: mask client identifiers (in any width or
    spacing, see crm.masking) and remove any bot token."""

    def __init__(self, token: str | None = None) -> None:
        super().__init__()
        self._token = token

    def scrub(self, text: str) -> str:
        if self._token:
            text = text.replace(self._token, "<token>")
        return mask_text(_TOKEN_PATTERN.sub("<token>", text))

    def filter(self, record: logging.LogRecord) -> bool:
        message = self.scrub(record.getMessage())
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = self.scrub(record.stack_info)
        record.msg, record.args = message, None
        return True


def configure_logging(level: str = "INFO", *, token: str | None = None) -> None:
    """Root handler with the privacy filter; chatty HTTP loggers (which print URLs) quieted."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(PrivacyFilter(token))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("httpx", "httpcore", "apscheduler", "aiosqlite", "alembic", "bm25s"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
