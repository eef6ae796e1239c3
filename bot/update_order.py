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

Across processes (several `ambot run --webhook` on one database, where Telegram's next update of
a chat may reach another process while the first still handles the previous one) a chat's turn
is also a lease row `chat:<bot id>:<chat id>` in the lease table the scheduler lock and the update
claims use (`ChatTurns`, installed by `order_across_processes` for webhook serving). A process
takes it, insert-first, before handling a chat's update and deletes it after; the other process
polls (50 ms doubling to 0.5 s) until it is free. So an edit that reaches the other process while
its note is still being saved waits and then revises it. The wait is bounded: a lease left by a
process that died is taken over once it expires (30 s). If the database cannot be asked, the
update is handled without a turn rather than lost.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import delete
from telegram import Update
from telegram.ext import Application, BaseUpdateProcessor

from runtime.lock import SchedulerLock, process_owner
from storage.alert_rows import SchedulerLockRow
from storage.clock import Clock, utc_now
from storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

MAX_CONCURRENT_UPDATES = 256  # PTB's default for concurrent_updates(True)
TURN_PREFIX = "chat:"
TURN_SECONDS = 30  # a dead holder's turn is taken over after this
FIRST_POLL, LONGEST_POLL = 0.05, 0.5  # seconds between two looks at a taken turn


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


class ChatTurns:
    """A chat's turn across processes: a lease row per chat, taken insert-first, polled."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        *,
        bot_id: str,
        ttl_seconds: int = TURN_SECONDS,
        clock: Clock = utc_now,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self._uow = uow
        self._bot_id = bot_id
        self._ttl = ttl_seconds
        self._clock = clock
        self._sleep = sleep
        self._owner = process_owner()

    def name(self, chat_id: int) -> str:
        return f"{TURN_PREFIX}{self._bot_id}:{chat_id}"

    @asynccontextmanager
    async def turn(self, chat_id: int) -> AsyncIterator[None]:
        """Wait until no other process handles an update of this chat; hold it meanwhile."""
        lease = SchedulerLock(
            self._uow,
            owner=f"{self._owner}:{uuid.uuid4().hex[:8]}",
            ttl_seconds=self._ttl,
            clock=self._clock,
            name=self.name(chat_id),
        )
        pause, taken = FIRST_POLL, False
        try:
            while not (await lease.acquire()).acquired:
                await self._sleep(pause)
                pause = min(pause * 2, LONGEST_POLL)
            taken = True
        except Exception:  # the database could not be asked: handled unordered, not lost
            log.warning("chat turn not taken (database unavailable); handled without it")
        try:
            yield
        finally:
            if taken:
                try:
                    await lease.release()
                except Exception:  # it expires by itself
                    log.warning("chat turn not released; it expires in %s s", self._ttl)

    async def delete_expired(self, *, grace: timedelta = timedelta(0)) -> int:
        """Delete turns left by processes that died (their expiry passed); returns how many."""
        async with self._uow() as work:
            result = await work.session.execute(
                delete(SchedulerLockRow).where(
                    SchedulerLockRow.name.startswith(TURN_PREFIX),
                    SchedulerLockRow.expires_at < self._clock() - grace,
                )
            )
            await work.commit()
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


class ChatOrderedUpdateProcessor(BaseUpdateProcessor):
    """Concurrent across chats, in arrival order within a chat (and, with `turns`, one process
    at a time per chat)."""

    __slots__ = ("_chats", "turns")

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self._chats: dict[int, _Chat] = {}
        self.turns: ChatTurns | None = None

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
                if self.turns is None:
                    await coroutine
                else:
                    async with self.turns.turn(key):
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


def order_across_processes(
    app: Application[Any, Any, Any, Any, Any, Any],
    uow: UnitOfWorkFactory,
    *,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> ChatTurns:
    """Make the app's chats take turns with every other process on the database (webhook
    serving, where several processes share a bot's updates); `sleep` paces the looks."""
    processor = app.update_processor
    if not isinstance(processor, ChatOrderedUpdateProcessor):
        raise TypeError("the application does not order updates per chat")
    processor.turns = ChatTurns(uow, bot_id=app.bot.token.split(":", 1)[0], sleep=sleep)
    return processor.turns
