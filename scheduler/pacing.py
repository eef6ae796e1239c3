"""The paced sender: every proactive message (briefings, alerts, pings, reminders) goes through
one worker.

Limits: at most `overall_per_second` messages overall and `per_chat_per_second` per chat
(Telegram allows about 30/s and 1/s per private chat; we stay below so interactive replies,
which go through PTB's normal path and not this queue, always have room). Urgent parcels (a
manual escalation) go ahead of the bulk queue, never ahead of each other.

Retries, by what a failure says about delivery:
- 429: Telegram refused the message; the worker pauses for `retry_after` and sends it again.
- 403 / 400 / other refusals: permanent, returned at once and never retried.
- Provably never sent (connect refused, DNS, connect or pool timeout: httpx raised before the
  request was written) or answered by Telegram with an error status (5xx): retried
  `max_attempts` times with backoff.
- Maybe sent (`TimedOut` on read or write, or the connection dropped after the request went
  out): NOT resent. The Bot API offers no way to ask whether a message arrived, so a resend
  may duplicate it; the outcome is `uncertain` and the outbox settles its ledger row so.
Clock and sleep are injected so tests never wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import httpx
from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from handlers.render import View
from handlers.reply import keyboard
from handlers.splitting import split_html

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[object]]
# httpx errors raised before the request was written: Telegram cannot have seen it.
NEVER_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.UnsupportedProtocol,
)


def maybe_delivered(exc: NetworkError) -> bool:
    """Whether a failed request may still have reached Telegram (then it must not be resent).

    PTB wraps httpx errors (as the cause): a connect or pool failure never sent anything; a
    NetworkError without a transport cause is an error status Telegram answered with (5xx);
    any other timeout or transport error happened after the request may have gone out."""
    cause = exc.__cause__
    if isinstance(cause, NEVER_SENT):
        return False
    if isinstance(exc, TimedOut):
        return True
    return isinstance(cause, httpx.TransportError) or (
        cause is not None and not isinstance(cause, TelegramError)
    )


@dataclass(frozen=True)
class SendOutcome:
    """What became of one queued view: its last message id, or why it failed."""

    ok: bool
    message_id: int | None = None
    error: str | None = None
    permanent: bool = False
    throttled: int = 0  # 429s met on the way (each honoured, none delivered twice)
    uncertain: bool = False  # a piece timed out after it may have arrived; not resent


OnResult = Callable[[SendOutcome], Awaitable[None]]


@dataclass
class _Parcel:
    chat_id: int
    pieces: list[tuple[str, InlineKeyboardMarkup | None]]
    future: asyncio.Future[SendOutcome]
    on_result: OnResult | None
    sent: int = 0
    attempts: int = 0
    throttled: int = 0
    last_message_id: int | None = None
    not_before: float = 0.0
    urgent: bool = False
    uncertain: str | None = None  # why a piece may or may not have arrived


class PacerStopped(RuntimeError):
    """The sender was stopped (shutdown) before this message went out."""


class PacedSender:
    """One queue and one worker per Application; `submit` never blocks on Telegram."""

    def __init__(
        self,
        bot: Bot,
        *,
        overall_per_second: float = 25.0,
        per_chat_per_second: float = 1.0,
        max_attempts: int = 5,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._bot = bot
        # At most `_burst` sends in any `_window` seconds (a sliding window, like Telegram's),
        # and never two closer than half the mean gap: jitter in waking up is absorbed without
        # ever exceeding the rate, and the queue drains at the full rate.
        self._burst = max(1, int(overall_per_second))
        self._window = self._burst / overall_per_second
        self._min_gap = 0.5 / overall_per_second
        self._recent: deque[float] = deque(maxlen=self._burst)
        self._last_send = float("-inf")
        self._paused_until = 0.0
        self._chat_gap = 1.0 / per_chat_per_second
        self._max_attempts = max_attempts
        self._clock = clock
        self._sleep = sleep
        self._queue: list[_Parcel] = []
        self._chat_ready: dict[int, float] = {}
        self._wakeup = asyncio.Event()
        self._worker: asyncio.Task[None] | None = None
        self._stopped = False
        self.sent_count = 0
        self.throttled_count = 0

    # ------------------------------------------------------------------ API

    def submit(
        self,
        chat_id: int,
        view: View,
        on_result: OnResult | None = None,
        *,
        urgent: bool = False,
    ) -> asyncio.Future[SendOutcome]:
        """Queue a view (split like send_view); on_result runs in the worker once it settles.
        An urgent view goes after the urgent ones already queued but before all bulk ones."""
        if self._stopped:
            raise PacerStopped("the paced sender is stopped")
        pieces = split_html(view.text)
        markup = keyboard(view)
        queued = [(p, markup if i == len(pieces) - 1 else None) for i, p in enumerate(pieces)]
        future: asyncio.Future[SendOutcome] = asyncio.get_running_loop().create_future()
        parcel = _Parcel(chat_id, queued, future, on_result, urgent=urgent)
        if urgent:
            at = next((i for i, p in enumerate(self._queue) if not p.urgent), len(self._queue))
            self._queue.insert(at, parcel)
        else:
            self._queue.append(parcel)
        self._wakeup.set()
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._run(), name="paced-sender")
        return future

    async def send(self, chat_id: int, view: View) -> SendOutcome:
        """Queue a view and wait for its outcome."""
        return await self.submit(chat_id, view)

    @property
    def pending(self) -> int:
        return len(self._queue)

    async def stop(self) -> None:
        """Stop the worker; queued messages are dropped (their ledger rows stay pending)."""
        self._stopped = True
        worker, self._worker = self._worker, None
        if worker is not None and not worker.done():
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        for parcel in self._queue:
            if not parcel.future.done():
                parcel.future.set_exception(PacerStopped("stopped before sending"))
                parcel.future.exception()  # mark retrieved: nobody may be waiting
        self._queue.clear()

    # ------------------------------------------------------------------ the worker

    async def _run(self) -> None:
        while True:
            if not self._queue:
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            now = self._clock()
            parcel = next(
                (p for p in self._queue if self._ready_at(p) <= now),
                None,
            )
            if parcel is None:
                await self._sleep(min(self._ready_at(p) for p in self._queue) - now)
                continue
            overall_ready = self._overall_ready()
            if overall_ready > now:
                await self._sleep(overall_ready - now)
                continue
            await self._send_next_piece(parcel, now)

    def _overall_ready(self) -> float:
        ready = max(self._paused_until, self._last_send + self._min_gap)
        if len(self._recent) == self._burst:
            ready = max(ready, self._recent[0] + self._window)
        return ready

    def _ready_at(self, parcel: _Parcel) -> float:
        return max(self._chat_ready.get(parcel.chat_id, 0.0), parcel.not_before)

    async def _send_next_piece(self, parcel: _Parcel, now: float) -> None:
        self._last_send = now
        self._recent.append(now)
        self._chat_ready[parcel.chat_id] = now + self._chat_gap
        text, markup = parcel.pieces[parcel.sent]
        try:
            message = await self._bot.send_message(
                parcel.chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup
            )
        except RetryAfter as exc:
            wait = _seconds(exc.retry_after)
            parcel.throttled += 1
            self.throttled_count += 1
            log.warning("429 from Telegram: pausing bulk sends for %.0f s", wait)
            resume = self._clock() + wait
            self._paused_until = max(self._paused_until, resume)
            self._chat_ready[parcel.chat_id] = max(self._chat_ready[parcel.chat_id], resume)
            return
        except Forbidden as exc:
            await self._finish(parcel, SendOutcome(False, error=exc.message, permanent=True))
            return
        except BadRequest as exc:
            await self._finish(parcel, SendOutcome(False, error=exc.message, permanent=True))
            return
        except NetworkError as exc:
            if maybe_delivered(exc):  # it may have arrived: never resent blindly
                log.warning("a bulk send timed out after it may have arrived: %s", exc.message)
                parcel.uncertain = exc.message or type(exc).__name__
                parcel.sent += 1  # the remaining pieces (and the buttons) still go out
                await self._finish_if_done(parcel)
                return
            parcel.attempts += 1  # never sent, or Telegram answered 5xx: try again later
            if parcel.attempts >= self._max_attempts:
                await self._finish(parcel, SendOutcome(False, error=exc.message))
                return
            parcel.not_before = self._clock() + min(2.0**parcel.attempts, 60.0)
            return
        except TelegramError as exc:  # anything else Telegram refuses: do not loop on it
            await self._finish(parcel, SendOutcome(False, error=exc.message, permanent=True))
            return
        self.sent_count += 1
        parcel.sent += 1
        parcel.last_message_id = message.message_id
        await self._finish_if_done(parcel)

    async def _finish_if_done(self, parcel: _Parcel) -> None:
        if parcel.sent < len(parcel.pieces):
            return
        if parcel.uncertain is not None:
            outcome = SendOutcome(
                False,
                parcel.last_message_id,
                error=parcel.uncertain,
                throttled=parcel.throttled,
                uncertain=True,
            )
        else:
            outcome = SendOutcome(True, parcel.last_message_id, throttled=parcel.throttled)
        await self._finish(parcel, outcome)

    async def _finish(self, parcel: _Parcel, outcome: SendOutcome) -> None:
        self._queue.remove(parcel)
        if outcome.ok is False and not outcome.uncertain:
            log.warning("bulk send to a chat failed: %s", outcome.error)
        if parcel.on_result is not None:
            try:
                await parcel.on_result(outcome)
            except Exception:
                log.exception("recording a send outcome failed")
        if not parcel.future.done():
            parcel.future.set_result(outcome)


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
