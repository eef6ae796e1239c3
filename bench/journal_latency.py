"""Benchmark: what the journal (DESIGN §9) costs `/note` and `/ask`, through the full Application.

    .venv/bin/python bench/journal_latency.py [--managers N] [--commands N] [--think SECONDS]
                                              [--rounds N] [--journal on|off|both]
                                              [--append docs/benchmarks.md]

The set-up of bench/bot_concurrency.py (demo book through the real importer, the sample
knowledge base indexed with the real default embedder, N bound managers, build_application in
polling mode against the in-process emulated Bot API), with the demo's clients shared out so
that every manager has some. Each manager sends N commands one after another, alternating
`/note <client id> …` and `/ask <question>`, after an exponential think time; all managers at
once. Latency per command = the update queued → the bot's reply in that chat. With
`--journal on` every update in and every message out is journaled (bot/journaling.py: queued,
and written by one transaction for all queued at that moment), and every change and read of a
client's data in the services' own transactions; with `off` nothing is journaled.
`both` alternates off/on for `--rounds` rounds on the same database, so drift on a shared host
hits both modes alike. Also: the cost of one append alone (1,000 in a row, one writer).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bot_concurrency import load_questions, machine, percentile, prepare  # noqa: E402
from sqlalchemy import select, update  # noqa: E402

from audit import Journal  # noqa: E402
from bot.app import build_application  # noqa: E402
from bot.bootstrap import build_runtime  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.warmup import warm_up  # noqa: E402
from emulator import (  # noqa: E402
    BotActivity,
    BotApiEmulator,
    EmulatedUser,
    InProcessRequest,
    polling,
)
from storage.rows import ClientRow  # noqa: E402

NOTES = ("已电话沟通，客户暂不加仓", "客户关注科创板，下周二再约", "提醒客户风险测评到期")


async def share_clients(settings: Settings, managers: int) -> dict[str, list[str]]:
    """Give every manager some of the demo's clients; manager id → client ids."""
    runtime = await build_runtime(settings, migrate=False)
    try:
        async with runtime.uow() as work:
            ids = list(
                (
                    await work.session.execute(
                        select(ClientRow.client_id).order_by(ClientRow.client_id)
                    )
                )
                .scalars()
                .all()
            )
            owned: dict[str, list[str]] = {f"M{n:03d}": [] for n in range(1, managers + 1)}
            for i, client_id in enumerate(ids):
                manager = f"M{i % managers + 1:03d}"
                owned[manager].append(client_id)
                await work.session.execute(
                    update(ClientRow)
                    .where(ClientRow.client_id == client_id)
                    .values(manager_id=manager)
                )
            await work.commit()
        return owned
    finally:
        await runtime.aclose()


async def one_run(
    settings: Settings,
    args: argparse.Namespace,
    journal_on: bool,
    owned: dict[str, list[str]],
    questions: list[str],
    seed: int,
) -> dict[str, list[float]]:
    runtime = await build_runtime(settings, migrate=False)
    skip_domain = mock.patch.object(Journal, "append", _no_append)
    if not journal_on:
        runtime.services.journal = None
        # …and the services' own entries (changes, reads of a client's data) are not written.
        skip_domain.start()
    try:
        return await _run(runtime, settings, args, owned, questions, seed)
    finally:
        if not journal_on:
            skip_domain.stop()


async def _no_append(*_args: Any, **_kwargs: Any) -> None:
    return None


async def _run(
    runtime: Any,
    settings: Settings,
    args: argparse.Namespace,
    owned: dict[str, list[str]],
    questions: list[str],
    seed: int,
) -> dict[str, list[float]]:
    emulator = BotApiEmulator()
    application = build_application(
        settings,
        runtime.services,
        request=InProcessRequest(emulator),
        get_updates_request=InProcessRequest(emulator),
    )
    await warm_up(runtime.services)
    users = [
        emulator.add_user(EmulatedUser(id=900_000 + n, first_name=f"经理{n}"))
        for n in range(1, args.managers + 1)
    ]
    loop = asyncio.get_running_loop()
    waiting: dict[int, tuple[int, asyncio.Future[float]]] = {}

    def on_activity(activity: BotActivity) -> None:
        message = activity.message
        if activity.kind != "sent" or message is None:
            return
        pending = waiting.get(message.chat_id)
        if pending is None or pending[1].done():
            return
        sent_id, future = pending
        # /ask answers quote the question; a /note's confirmation is the next message.
        if message.reply_to_message_id in (None, sent_id):
            future.set_result(time.perf_counter())

    emulator.add_listener(on_activity)

    async def manager(n: int, user: EmulatedUser) -> dict[str, list[float]]:
        rng = random.Random(seed * 1000 + n)
        clients = owned[f"M{n:03d}"]
        times: dict[str, list[float]] = {"note": [], "ask": []}
        for i in range(args.commands):
            await asyncio.sleep(rng.expovariate(1 / args.think) if args.think > 0 else 0)
            if i % 2 == 0:
                which = "note"
                text = f"/note {rng.choice(clients)} {rng.choice(NOTES)}"
            else:
                which, text = "ask", f"/ask {rng.choice(questions)}"
            future: asyncio.Future[float] = loop.create_future()
            started = time.perf_counter()
            sent = emulator.user_sends_text(user, None, text)
            waiting[user.id] = (int(sent["message_id"]), future)
            async with asyncio.timeout(60):
                answered = await future
            times[which].append(answered - started)
        return times

    async with polling(application):
        per_manager = await asyncio.gather(
            *(manager(n, user) for n, user in enumerate(users, start=1))
        )
    await runtime.aclose()
    errors = [m for m in emulator.sent_messages() if "错误编号" in (m.text or "")]
    if errors:
        raise SystemExit(f"{len(errors)} error replies: {errors[0].text}")
    return {which: [x for times in per_manager for x in times[which]] for which in ("note", "ask")}


async def append_cost(settings: Settings, count: int = 1000) -> float:
    """Milliseconds per append, one writer, each in its own transaction."""
    runtime = await build_runtime(settings, migrate=False)
    try:
        journal = Journal(runtime.uow)
        started = time.perf_counter()
        for i in range(count):
            await journal.append("M001", "bench", "chat:1:1", {"text": f"消息 {i}"})
        return (time.perf_counter() - started) / count * 1000
    finally:
        await runtime.aclose()


async def run_in(args: argparse.Namespace, folder: Path) -> str:
    print(f"preparing demo book and KB index in {folder} …", flush=True)
    settings = await prepare(folder, args.managers)
    owned = await share_clients(settings, args.managers)
    questions = load_questions(random.Random(args.seed), 200)
    modes = {"on": [True], "off": [False], "both": [False, True]}[args.journal]
    results: dict[bool, dict[str, list[float]]] = {mode: {"note": [], "ask": []} for mode in modes}
    for round_no in range(args.rounds):
        for mode in modes:
            got = await one_run(settings, args, mode, owned, questions, args.seed + round_no)
            for which in ("note", "ask"):
                results[mode][which].extend(got[which])
            note95 = percentile(got["note"], 0.95) * 1000
            ask95 = percentile(got["ask"], 0.95) * 1000
            print(
                f"round {round_no + 1} journal {'on' if mode else 'off'}: "
                f"/note p95 {note95:.0f} ms, /ask p95 {ask95:.0f} ms",
                flush=True,
            )
    cost = await append_cost(settings)
    lines = [
        "| journal | /note p50 | **/note p95** | /ask p50 | **/ask p95** | commands |",
        "|---|---|---|---|---|---|",
    ]
    for mode in modes:
        note, ask = results[mode]["note"], results[mode]["ask"]
        lines.append(
            f"| {'on' if mode else 'off'} | {percentile(note, 0.5) * 1000:.0f} ms | "
            f"**{percentile(note, 0.95) * 1000:.0f} ms** | {percentile(ask, 0.5) * 1000:.0f} ms | "
            f"**{percentile(ask, 0.95) * 1000:.0f} ms** | {len(note)} + {len(ask)} |"
        )
    lines.append("")
    lines.append(f"One append alone (SQLite, one writer, own transaction): {cost:.2f} ms.")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--managers", type=int, default=20)
    parser.add_argument("--commands", type=int, default=10)
    parser.add_argument("--think", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--journal", choices=("on", "off", "both"), default="both")
    parser.add_argument("--append", type=Path, help="append the results to this Markdown file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="journal-latency-") as tmp:
        rendered = asyncio.run(run_in(args, Path(tmp)))
    print(rendered)
    if args.append:
        command = "`.venv/bin/python bench/journal_latency.py " + " ".join(sys.argv[1:]) + "`"
        section = (
            "\n\n## The journal's cost to /note and /ask (issue 13)\n\n"
            f"{command}. Machine: {machine()}; date {datetime.now(UTC).date().isoformat()}.\n\n"
            f"{rendered}\n"
        )
        with args.append.open("a", encoding="utf-8") as handle:
            handle.write(section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
