"""How long the morning fan-out stops when the process holding the scheduler lock dies.

Each run starts two `ambot run --webhook` processes on a fresh PostgreSQL database (the local
server, or AMBOT_TEST_POSTGRES_URL), frees the scheduler lock, lets its new holder deliver two
briefings, SIGKILLs it while the third waits at the emulated Telegram, and measures the time
from the kill until the other process holds the lock (then checks that every one of the seven
recipients got exactly one briefing). The scenario is tests/e2e/test_ha_postgres.py's.

    python bench/ha_takeover.py --runs 3 --ttl 3 --renew 1

Expected: between ttl − renew and ttl + renew (the lock expires ttl after the holder's last
renewal, which was at most one renew period before the kill; the survivor looks once per renew
period), i.e. about ttl on average. With the defaults of crm/proactive.yaml (ttl 180 s, renew
60 s) that is 2–4 minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.test_ha_postgres import (
    RECIPIENTS,
    LockTiming,
    cluster,
    is_briefing_text,
    kill_holder_mid_fanout,
    sent_briefings,
    wait_for,
)
from tests.support.databases import POSTGRES_SKIP_REASON, postgres_url


async def one_run(folder: Path, timing: LockTiming) -> tuple[float, float]:
    """(takeover seconds, seconds from the kill until the last briefing went out)."""
    async with cluster(folder, timing=timing) as (server, gate, engine, bots):
        emulator = server.emulator
        takeover = await kill_holder_mid_fanout(server, gate, engine, bots, timing)
        started = time.monotonic() - takeover.seconds

        async def done() -> bool:
            return await sent_briefings(engine) == len(RECIPIENTS)

        await wait_for(done, 30, "every briefing settled", takeover.survivor)
        finished = time.monotonic() - started
        counts = [
            sum(1 for m in emulator.sent_messages(tid) if is_briefing_text(m.text or ""))
            for _, tid in RECIPIENTS
        ]
        if counts != [1] * len(RECIPIENTS):
            raise SystemExit(f"briefings per recipient: {counts} (expected one each)")
        return takeover.seconds, finished


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--ttl", type=int, default=3, help="lock_ttl_seconds")
    parser.add_argument("--renew", type=int, default=1, help="lock_renew_seconds")
    args = parser.parse_args()
    if postgres_url() is None:
        raise SystemExit(POSTGRES_SKIP_REASON)
    timing = LockTiming(ttl=args.ttl, renew=args.renew)
    takeovers: list[float] = []
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory(prefix="ha-takeover-") as folder:
            takeover, finished = await one_run(Path(folder), timing)
        takeovers.append(takeover)
        print(
            f"run {run}: lock taken over {takeover:.2f} s after the kill, "
            f"fan-out finished {finished:.2f} s after it",
            flush=True,
        )
    print(
        f"takeover with ttl {args.ttl} s, renew {args.renew} s over {args.runs} runs: "
        f"min {min(takeovers):.2f} s, median {statistics.median(takeovers):.2f} s, "
        f"max {max(takeovers):.2f} s (bound: {args.ttl - args.renew}–{args.ttl + args.renew} s)"
    )


if __name__ == "__main__":
    asyncio.run(main())
