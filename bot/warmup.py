"""Before the first update: load what the first question would otherwise wait for, then settle
the heap so the cyclic garbage collector stops walking it."""

from __future__ import annotations

import asyncio
import gc
import logging

from handlers.context import Services

log = logging.getLogger(__name__)


async def warm_up(services: Services) -> None:
    """Build or load the search index and the embedding model, embed the draft check's claim
    exemplars (seconds; otherwise the first /check or note would wait), then `settle_heap()`."""
    await services.answers.warm_up()
    if services.checker.semantic is not None:
        await asyncio.to_thread(services.checker.semantic.prepare)
    frozen = settle_heap()
    log.info("ready: search index and model loaded, %d start-up objects frozen", frozen)


def settle_heap() -> int:
    """Collect once, then move every surviving object (modules, indexes, the Application) to
    the permanent generation, out of reach of later collections; return how many.

    A started bot holds about 425,000 tracked objects. Each full collection walked all of them
    and stopped every Python thread for 130 ms, the event loop included: once every few hundred
    questions, a reply came that much later (measured with bench/bot_concurrency.py). Objects
    created afterwards are collected as before; frozen ones are still freed when their last
    reference goes, only a reference cycle among them would outlive its use."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
