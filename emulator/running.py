"""Run a PTB Application in polling mode for a while, and tell when it has gone idle."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram.ext import Application

from emulator.core import BotApiEmulator

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


@asynccontextmanager
async def polling(
    application: AnyApplication, *, poll_timeout: int = 10
) -> AsyncIterator[AnyApplication]:
    """Start like `run_polling` (initialize, post_init, polling, start); stop in reverse order."""
    updater = application.updater
    if updater is None:
        raise ValueError("the Application was built without an Updater")
    await application.initialize()
    try:
        if application.post_init:
            await application.post_init(application)
        await updater.start_polling(poll_interval=0, timeout=poll_timeout)
        await application.start()
        try:
            yield application
        finally:
            if updater.running:
                await updater.stop()
            if application.running:
                await application.stop()
                if application.post_stop:
                    await application.post_stop(application)
    finally:
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)


async def wait_idle(application: AnyApplication, emulator: BotApiEmulator) -> None:
    """Return once every update queued so far has been fetched and fully handled.

    Two steps: the emulator sees a getUpdates offset past the last update (the updater has put
    it into `application.update_queue`), then `update_queue.join()` returns once every
    handler for it has finished. Work a handler started with `block=False` or a job is not
    covered. Bound it with `asyncio.timeout`.
    """
    await emulator.wait_confirmed()
    await application.update_queue.join()
