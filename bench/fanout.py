"""Fan-out of 2,000 messages through the paced sender to the emulated Bot API with Telegram's
limits enforced (30/s overall, 1/s per private chat, 429 with retry_after beyond that).

Real clock (this bench only), in-process transport. Prints the 429s provoked, the wall time and
whether every message arrived exactly once.

    .venv/bin/python bench/fanout.py [--messages 2000] [--chats 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter

from telegram import Bot

from crm.proactive import load_proactive_config
from emulator import BotApiEmulator, EmulatedUser, InProcessRequest, RateLimits
from handlers.render import View
from scheduler.pacing import PacedSender


async def main(messages: int, chats: int) -> None:
    emulator = BotApiEmulator(
        rate_limits=RateLimits(overall_per_second=30, per_private_chat_per_second=1)
    )
    for n in range(chats):
        emulator.add_user(EmulatedUser(id=10_000 + n, first_name=f"经理{n}"))
    bot = Bot(emulator.token, request=InProcessRequest(emulator))
    await bot.initialize()
    config = load_proactive_config()
    sender = PacedSender(
        bot,
        overall_per_second=config.overall_per_second,
        per_chat_per_second=config.per_chat_per_second,
    )
    started = time.perf_counter()
    futures = [
        sender.submit(10_000 + (n % chats), View(f"☀️ 晨报 #{n}：今日重点客户 8 项"))
        for n in range(messages)
    ]
    outcomes = await asyncio.gather(*futures)
    elapsed = time.perf_counter() - started
    await sender.stop()
    await bot.shutdown()
    texts = Counter(m.text for m in emulator.sent_messages())
    throttled = sum(1 for e in emulator.api_errors if e.error_code == 429)
    print(f"messages: {messages} to {chats} chats at ≤ {config.overall_per_second:g}/s")
    print(f"delivered ok: {sum(o.ok for o in outcomes)}; distinct texts received: {len(texts)}")
    print(f"each exactly once: {len(texts) == messages and set(texts.values()) == {1}}")
    print(f"429s provoked: {throttled}")
    print(f"wall time: {elapsed:.1f} s ({messages / elapsed:.1f} msg/s)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--chats", type=int, default=1000)
    args = parser.parse_args()
    asyncio.run(main(args.messages, args.chats))
