"""Serve Telegram for real: long polling (default) or a webhook verified by its secret token."""

from __future__ import annotations

import asyncio
import logging

from telegram import Update

from bot.app import build_application
from bot.bootstrap import build_runtime
from bot.settings import Settings
from bot.warmup import warm_up
from scheduler.startup import enable as enable_scheduler

log = logging.getLogger(__name__)


def serve(settings: Settings, *, webhook: bool, listen: str, port: int, url: str | None) -> None:
    """Run until interrupted. PTB owns the event loop here, so the runtime is built on it first."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    runtime = loop.run_until_complete(build_runtime(settings))
    application = build_application(settings, runtime.services)
    enable_scheduler(application)  # briefings/alerts, if this process wins the scheduler lock

    async def _dispose(_app: object) -> None:
        await runtime.aclose()

    application.post_shutdown = _dispose
    loop.run_until_complete(warm_up(runtime.services))
    log.info("serving Telegram by %s", "webhook" if webhook else "long polling")
    if webhook:
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
        application.run_webhook(
            listen=listen,
            port=port,
            url_path="telegram",
            webhook_url=f"{(url or '').rstrip('/')}/telegram",
            secret_token=secret,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
