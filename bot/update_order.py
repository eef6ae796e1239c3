"""Updates of one chat are handled one after another, in the order they arrived; different
chats stay concurrent.

PTB's concurrent update processing (ApplicationBuilder.concurrent_updates) runs every update as
soon as it arrives. Within one chat that loses meaning: an edit of a note that arrives while the
note is still being saved found nothing to revise and was dropped; two quick presses or
messages could overtake each other. This processor (PTB's documented extension point,
`BaseUpdateProcessor`) keeps a lock per chat — asyncio's Lock wakes its waiters first come, first
served — so a chat's updates run in arrival order, while other chats' updates run meanwhile up to
the overall bound. Updates without a chat or user (none that ambot handles) are not ordered.

A waiting update holds one of the overall slots; with 256 slots and one person per chat typing at
human speed this does not starve other chats.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

MAX_CONCURRENT_UPDATES = 256  # PTB's default for concurrent_updates(True)


@dataclass
class _Chat:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    backlog: int = 0  # updates of this chat running or waiting


def chat_key(update: object) -> int | None:
    """The chat whose order an update belongs to (its user's, if it has no chat)."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


class ChatOrderedUpdateProcessor(BaseUpdateProcessor):
    """Concurrent across chats, in arrival order within a chat."""

    __slots__ = ("_chats",)

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self._chats: dict[int, _Chat] = {}

    def backlog(self, chat_id: int) -> int:
        """How many updates of the chat are being handled or waiting their turn."""
        chat = self._chats.get(chat_id)
        return chat.backlog if chat is not None else 0

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_key(update)
        if key is None:
            await coroutine
            return
        chat = self._chats.setdefault(key, _Chat())
        chat.backlog += 1
        started = False
        try:
            async with chat.lock:
                started = True
                await coroutine
        finally:
            if not started and isinstance(coroutine, Coroutine):
                coroutine.close()  # cancelled while waiting its turn (shutdown)
            chat.backlog -= 1
            if chat.backlog == 0:
                del self._chats[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free: the chats' locks go with their last update."""
