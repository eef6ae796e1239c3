"""The paced sender on a fake clock: limits kept, 429 honoured once, permanent failures final,
a timeout after the request may have arrived never resent, urgent messages first."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from handlers.render import Button, View
from handlers.splitting import split_html
from scheduler.pacing import PacedSender, maybe_delivered
from tests.support.proactive import LIVE_PACERS


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)


@dataclass
class FakeBot:
    time: FakeTime
    sent: list[tuple[float, int, str]] = field(default_factory=list)
    failures: dict[int, list[Exception]] = field(default_factory=dict)
    calls: Counter[int] = field(default_factory=Counter)

    async def send_message(self, chat_id: int, text: str, **kwargs: Any) -> Any:
        self.calls[chat_id] += 1
        queued = self.failures.get(chat_id)
        if queued:
            raise queued.pop(0)
        self.sent.append((self.time.now, chat_id, text))

        @dataclass
        class Sent:
            message_id: int

        return Sent(len(self.sent))


def pacer(bot: FakeBot, t: FakeTime, **kwargs: Any) -> PacedSender:
    sender = PacedSender(bot, clock=t.clock, sleep=t.sleep, **kwargs)  # type: ignore[arg-type]
    LIVE_PACERS.append(sender)
    return sender


async def test_bulk_sends_stay_under_the_overall_and_per_chat_limits() -> None:
    t = FakeTime()
    bot = FakeBot(t)
    sender = pacer(bot, t, overall_per_second=25, per_chat_per_second=1)
    futures = [sender.submit(chat, View(f"m{n}")) for n in range(3) for chat in range(1, 41)]
    outcomes = await asyncio.gather(*futures)
    assert all(o.ok for o in outcomes)
    assert len(bot.sent) == 120 and len({text for _, _, text in bot.sent}) == 3
    times = [at for at, _, _ in bot.sent]
    for i, start in enumerate(times):
        assert sum(1 for x in times[i:] if x < start + 1.0 - 1e-6) <= 25
    by_chat: dict[int, list[float]] = {}
    for at, chat, _ in bot.sent:
        by_chat.setdefault(chat, []).append(at)
    for stamps in by_chat.values():
        assert all(b - a >= 1.0 - 1e-9 for a, b in itertools.pairwise(stamps))
    # 120 messages at 25/s take about 4.8 s of (fake) time, not 120 s one by one.
    assert times[-1] - times[0] < 6.0
    await sender.stop()


async def test_a_429_is_honoured_and_the_message_still_arrives_once() -> None:
    t = FakeTime()
    bot = FakeBot(t)
    bot.failures[7] = [RetryAfter(3)]
    sender = pacer(bot, t)
    outcomes = await asyncio.gather(*(sender.submit(c, View(f"to {c}")) for c in range(1, 11)))
    assert all(o.ok for o in outcomes)
    assert [text for _, chat, text in bot.sent if chat == 7] == ["to 7"]
    assert outcomes[6].throttled == 1
    # Nothing at all was sent during the pause Telegram asked for.
    refused_at = next(at for at, chat, _ in bot.sent if chat == 6)
    after = [at for at, chat, _ in bot.sent if at > refused_at]
    assert min(after) >= refused_at + 3.0 - 0.05
    await sender.stop()


async def test_permanent_failures_are_reported_once_and_not_retried() -> None:
    t = FakeTime()
    bot = FakeBot(t)
    bot.failures[2] = [Forbidden("Forbidden: bot was blocked by the user")]
    bot.failures[3] = [BadRequest("Bad Request: chat not found")]
    seen: list[Any] = []

    async def record(outcome: Any) -> None:
        seen.append(outcome)

    sender = pacer(bot, t)
    futures = [sender.submit(c, View("x"), record) for c in (1, 2, 3)]
    ok, blocked, missing = await asyncio.gather(*futures)
    assert ok.ok and not blocked.ok and not missing.ok
    assert blocked.permanent and "blocked" in (blocked.error or "")
    assert missing.permanent and "chat not found" in (missing.error or "").lower()
    assert bot.calls[2] == 1 and bot.calls[3] == 1
    assert len(seen) == 3
    await sender.stop()


async def test_transient_failures_are_retried_then_given_up() -> None:
    t = FakeTime()
    bot = FakeBot(t)
    bot.failures[1] = [NetworkError("timeout"), NetworkError("timeout")]
    bot.failures[2] = [NetworkError("down")] * 10
    sender = pacer(bot, t, max_attempts=3)
    first, second = await asyncio.gather(sender.submit(1, View("a")), sender.submit(2, View("b")))
    assert first.ok and bot.calls[1] == 3
    assert not second.ok and not second.permanent and bot.calls[2] == 3
    await sender.stop()


async def test_long_views_go_as_several_messages_with_buttons_under_the_last() -> None:
    t = FakeTime()
    bot = FakeBot(t)
    sender = pacer(bot, t)
    view = View("段落\n" * 3000, ((Button("确认", "al:ack:1"),),))
    outcome = await sender.send(5, view)
    assert outcome.ok and len(bot.sent) >= 2
    stamps = [at for at, _, _ in bot.sent]
    assert all(b - a >= 1.0 - 1e-9 for a, b in itertools.pairwise(stamps))
    await sender.stop()


async def test_stop_drops_what_is_queued() -> None:
    t = FakeTime()
    bot = FakeBot(t)
    sender = pacer(bot, t)
    gate = asyncio.Event()

    async def blocked_sleep(seconds: float) -> None:
        await gate.wait()

    sender._sleep = blocked_sleep  # the worker waits for its next slot forever
    futures = [sender.submit(1, View(f"m{n}")) for n in range(3)]
    await futures[0]
    await asyncio.sleep(0)
    await sender.stop()
    assert [text for _, _, text in bot.sent] == ["m0"]
    assert all(f.done() for f in futures)


# ---------------------------------------------------------------- retries after a timeout


def caused(exc: Exception, cause: Exception) -> Exception:
    """An error as PTB raises it from httpx: the transport error is its __cause__."""
    exc.__cause__ = cause
    return exc


def test_what_a_failure_says_about_delivery() -> None:
    request = httpx.Request("POST", "https://api.telegram.org/bot/sendMessage")
    maybe = [
        TimedOut(),  # read timeout: Telegram may have processed the request
        caused(TimedOut(), httpx.ReadTimeout("read", request=request)),
        caused(TimedOut(), httpx.WriteTimeout("write", request=request)),
        caused(NetworkError("httpx.ReadError"), httpx.ReadError("reset", request=request)),
        caused(NetworkError("dropped"), httpx.RemoteProtocolError("eof", request=request)),
        caused(NetworkError("Unknown error in HTTP implementation"), RuntimeError("?")),
    ]
    never = [
        caused(TimedOut(), httpx.ConnectTimeout("connect", request=request)),
        caused(TimedOut("Pool timeout"), httpx.PoolTimeout("pool", request=request)),
        caused(NetworkError("httpx.ConnectError"), httpx.ConnectError("refused", request=request)),
        NetworkError("Bad Gateway (502)"),  # Telegram answered: not delivered
    ]
    assert all(maybe_delivered(exc) for exc in maybe)  # type: ignore[arg-type]
    assert not any(maybe_delivered(exc) for exc in never)  # type: ignore[arg-type]


async def test_a_timeout_after_sending_is_not_resent_and_is_uncertain() -> None:
    t = FakeTime()
    bot = FakeBot(t)
    bot.failures[1] = [TimedOut()]
    sender = pacer(bot, t, max_attempts=5)
    outcome = await sender.submit(1, View("P1"))
    assert bot.calls[1] == 1  # sent once, never again
    assert not outcome.ok and outcome.uncertain and not outcome.permanent
    await sender.stop()


async def test_a_request_that_never_left_is_retried_and_arrives_once() -> None:
    t = FakeTime()
    bot = FakeBot(t)
    request = httpx.Request("POST", "https://api.telegram.org/bot/sendMessage")
    bot.failures[1] = [
        caused(NetworkError("httpx.ConnectError"), httpx.ConnectError("refused", request=request)),
        caused(TimedOut(), httpx.ConnectTimeout("connect", request=request)),
    ]
    sender = pacer(bot, t, max_attempts=5)
    outcome = await sender.submit(1, View("briefing"))
    assert outcome.ok and not outcome.uncertain
    assert bot.calls[1] == 3 and [text for _, _, text in bot.sent] == ["briefing"]
    await sender.stop()


async def test_an_uncertain_piece_is_not_resent_but_the_rest_and_the_buttons_go_out() -> None:
    t = FakeTime()
    bot = FakeBot(t)
    view = View("段落\n" * 3000, ((Button("确认", "al:ack:1"),),))
    bot.failures[5] = [TimedOut()]  # the first piece times out after it may have arrived
    sender = pacer(bot, t)
    outcome = await sender.send(5, view)
    pieces = len(split_html(view.text))
    assert pieces >= 2
    assert bot.calls[5] == pieces and len(bot.sent) == pieces - 1
    assert outcome.uncertain and not outcome.ok and outcome.message_id == len(bot.sent)
    await sender.stop()


async def test_an_urgent_message_overtakes_the_bulk_queue() -> None:
    t = FakeTime()
    bot = FakeBot(t)
    sender = pacer(bot, t, overall_per_second=1)
    bulk = [sender.submit(chat, View(f"briefing {chat}")) for chat in range(1, 6)]
    ping = sender.submit(99, View("ping"), urgent=True)
    second = sender.submit(98, View("ping 2"), urgent=True)
    await asyncio.gather(*bulk, ping, second)
    # queued behind five briefings, the pings go first, in their own order
    assert [text for _, _, text in bot.sent] == [
        "ping",
        "ping 2",
        *(f"briefing {chat}" for chat in range(1, 6)),
    ]
    await sender.stop()
