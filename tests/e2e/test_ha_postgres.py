"""High availability on PostgreSQL (issue 12): two `ambot run --webhook` processes, one database.

Updates spread over both processes are each handled once, and a copy of one update sent to both
is stored and answered once (bot/update_claims.py). Then the scheduler lock is freed while both
run: one takes it and starts the morning fan-out; it is killed (SIGKILL) in the middle, with two
briefings delivered and the third held by the emulated Telegram; the other process takes the lock
over once it expires and delivers the rest: exactly one briefing per manager and supervisor.

The processes are real (`python -m bot run --webhook`), so waiting is bounded polling of the
database or the emulator with a timeout; the lock lives 3 s and is renewed every second
(`proactive.yaml` in each data dir). The briefing times are set a minute before the wall clock
in Asia/Shanghai, and today is opened as a trading day, so the catch-up at takeover is due.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.bootstrap import build_runtime
from bot.settings import Settings
from emulator import BotApiEmulator, EmulatedUser
from emulator.html import HtmlParseError, html_to_plain
from storage.engine import create_engine
from storage.rows import ClientRow, StaffRow
from tests.support.botapi import BotApiServer
from tests.support.databases import POSTGRES_SKIP_REASON, fresh_database, postgres_url

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(postgres_url() is None, reason=POSTGRES_SKIP_REASON),
]

REPO = Path(__file__).resolve().parents[2]
ZONE = ZoneInfo("Asia/Shanghai")
SECRET = "ha-Secret_token"
LOCK_TTL = 3
LOCK_RENEW = 1
SUPERVISOR = ("S001", 9300)
MANAGERS = tuple((f"M00{n}", 9300 + n) for n in range(1, 7))
RECIPIENTS = (SUPERVISOR, *MANAGERS)
NOTE_AUTHOR = 9301  # M001, who owns 张伟


def is_briefing_text(raw: str) -> bool:
    try:
        plain = html_to_plain(raw)
    except HtmlParseError:
        plain = raw
    return plain.startswith(("☀️", "🧭"))


class GatedEmulator(BotApiEmulator):
    """Telegram that lets the first `allow` briefings through and holds the next ones until
    `opened` is set (the held request of a killed process is never recorded)."""

    def __init__(self, allow: int) -> None:
        super().__init__()
        self.allow = allow
        self.passed = 0
        self.held = asyncio.Event()
        self.opened = asyncio.Event()

    async def call(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        files: Any = None,
        *,
        token: str | None = None,
    ) -> tuple[int, dict[str, Any]]:
        if (
            method.lower() == "sendmessage"
            and is_briefing_text(str((params or {}).get("text", "")))
            and not self.opened.is_set()
        ):
            if self.passed >= self.allow:
                self.held.set()
                await self.opened.wait()
                return 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}
            self.passed += 1
        return await super().call(method, params, files, token=token)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def seed(url: str, data_dir: Path, now: datetime) -> None:
    """Migrated schema, a supervisor and six managers bound to Telegram, briefings due a minute
    ago, one client for the notes, and a scheduler lock held by nobody alive (until released)."""
    runtime = await build_runtime(
        Settings(_env_file=None, data_dir=data_dir, database_url=url, embedder="hashing")  # type: ignore[call-arg]
    )
    local = now.astimezone(ZONE)
    due = max(local - timedelta(minutes=1), local.replace(hour=0, minute=0, second=0))
    briefing_time = clock_time(due.hour, due.minute)
    try:
        async with runtime.uow() as work:
            work.session.add(
                StaffRow(
                    staff_id=SUPERVISOR[0],
                    name="周强",
                    role="supervisor",
                    telegram_user_id=SUPERVISOR[1],
                    briefing_time=briefing_time,
                )
            )
            await work.session.flush()
            for staff_id, telegram_id in MANAGERS:
                work.session.add(
                    StaffRow(
                        staff_id=staff_id,
                        name=f"经理{staff_id[-1]}",
                        role="manager",
                        supervisor_id=SUPERVISOR[0],
                        telegram_user_id=telegram_id,
                        briefing_time=briefing_time,
                    )
                )
            await work.session.flush()
            work.session.add(
                ClientRow(
                    client_id="C900001",
                    name="张伟",
                    manager_id="M001",
                    opened_on=date(2020, 1, 2),
                    risk_level="C3",
                )
            )
            await work.commit()
        async with runtime.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO scheduler_lock (name, owner, acquired_at, expires_at) "
                    "VALUES ('scheduler', 'seed:held', :now, :until)"
                ),
                {"now": now, "until": now + timedelta(days=1)},
            )
    finally:
        await runtime.aclose()


@dataclass(frozen=True)
class LockTiming:
    ttl: int = LOCK_TTL
    renew: int = LOCK_RENEW


def proactive_yaml(today: date, timing: LockTiming) -> str:
    return (
        f"scheduler:\n  lock_ttl_seconds: {timing.ttl}\n  lock_renew_seconds: {timing.renew}\n"
        f"calendar:\n  extra_open: [{today.isoformat()}]\n"
    )


def write_proactive_yaml(data_dir: Path, today: date, timing: LockTiming) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "proactive.yaml").write_text(proactive_yaml(today, timing), encoding="utf-8")


@dataclass
class BotProcess:
    """One `ambot run --webhook` and everything it printed."""

    name: str
    port: int
    process: asyncio.subprocess.Process
    lines: list[str] = field(default_factory=list)
    reader: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/telegram"

    @property
    def pid(self) -> int:
        return self.process.pid

    async def _read(self) -> None:
        assert self.process.stdout is not None
        while line := await self.process.stdout.readline():
            self.lines.append(line.decode(errors="replace"))

    def output(self) -> str:
        return "".join(self.lines)


async def start_process(
    name: str, server: BotApiServer, url: str, data_dir: Path, today: date, timing: LockTiming
) -> BotProcess:
    write_proactive_yaml(data_dir, today, timing)
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        "AMBOT_TELEGRAM_TOKEN": server.emulator.token,
        "AMBOT_TELEGRAM_BASE_URL": server.base_url,
        "AMBOT_DATA_DIR": str(data_dir),
        "AMBOT_DATABASE_URL": url,
        "AMBOT_WEBHOOK_SECRET": SECRET,
        "AMBOT_EMBEDDER": "hashing",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--webhook",
        "--listen",
        "127.0.0.1",
        "--port",
        str(port),
        "--url",
        f"http://127.0.0.1:{port}",
        env=env,
        cwd=data_dir,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    bot = BotProcess(name, port, process)
    bot.reader = asyncio.create_task(bot._read())
    return bot


async def wait_for(condition: Any, timeout: float, what: str, *processes: BotProcess) -> None:  # noqa: ASYNC109 - a safety net with a diagnosis
    """Bounded polling (real processes: no event to wait on) until condition() is true."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {p.name}\n{p.output()[-3000:]}" for p in processes)
            raise AssertionError(f"{what}: not within {timeout} s\n{logs}")
        await asyncio.sleep(0.05)


async def stop_process(bot: BotProcess) -> None:
    if bot.process.returncode is None:
        bot.process.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(bot.process.wait(), 20)
        except TimeoutError:
            bot.process.kill()
            await bot.process.wait()
    if bot.reader is not None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(bot.reader, 5)


async def post_update(http: aiohttp.ClientSession, bot: BotProcess, update: dict[str, Any]) -> None:
    response = await http.post(
        bot.url,
        data=json.dumps(update, ensure_ascii=False),
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET},
    )
    assert response.status == 200, await response.text()


async def lock_owner(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.scalar(text("SELECT owner FROM scheduler_lock WHERE name = 'scheduler'"))


def owner_pid(owner: str | None) -> int | None:
    """process_owner() is host:pid:random."""
    if not owner or owner.count(":") < 2:
        return None
    pid = owner.rsplit(":", 2)[1]
    return int(pid) if pid.isdigit() else None


async def sent_briefings(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(
            await conn.scalar(
                text("SELECT count(*) FROM deliveries WHERE kind = 'briefing' AND status = 'sent'")
            )
            or 0
        )


@dataclass
class Takeover:
    seconds: float  # from the SIGKILL to the other process holding the lock
    killed: BotProcess
    survivor: BotProcess


async def kill_holder_mid_fanout(
    server: BotApiServer,
    gate: GatedEmulator,
    engine: AsyncEngine,
    bots: list[BotProcess],
    timing: LockTiming = LockTiming(),
) -> Takeover:
    """Free the lock; once its new holder has sent `gate.allow` briefings (settled in the
    ledger) and waits on the next, SIGKILL it and time the other's takeover."""
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE scheduler_lock SET expires_at = :past WHERE name = 'scheduler'"),
            {"past": datetime.now(UTC) - timedelta(seconds=1)},
        )
    pids = {bot.pid: bot for bot in bots}

    async def held_by_one() -> bool:
        return owner_pid(await lock_owner(engine)) in pids

    await wait_for(held_by_one, timing.renew + 5, "a process takes the freed lock", *bots)
    holder = pids[owner_pid(await lock_owner(engine)) or 0]
    survivor = next(bot for bot in bots if bot is not holder)
    async with asyncio.timeout(30):
        await gate.held.wait()  # the holder's next briefing waits at Telegram

    async def settled() -> bool:
        return await sent_briefings(engine) >= gate.allow

    await wait_for(settled, 5, "the first briefings settle in the ledger", *bots)
    holder.process.send_signal(signal.SIGKILL)
    killed_at = time.monotonic()
    await holder.process.wait()
    gate.opened.set()  # what the dead process had in flight never arrives

    async def taken_over() -> bool:
        return owner_pid(await lock_owner(engine)) == survivor.pid

    await wait_for(taken_over, timing.ttl + timing.renew + 5, "the other process takes over", *bots)
    return Takeover(time.monotonic() - killed_at, holder, survivor)


@asynccontextmanager
async def cluster(
    tmp_path: Path, *, allow: int = 2, timing: LockTiming = LockTiming()
) -> AsyncIterator[tuple[Any, ...]]:
    """Two started processes on a fresh database, the emulated Telegram and an engine."""
    admin_url = postgres_url()
    assert admin_url is not None
    now = datetime.now(UTC)  # real processes schedule on the wall clock
    today = now.astimezone(ZONE).date()
    async with fresh_database(admin_url) as url:
        await seed(url, tmp_path / "seed", now)
        gate = GatedEmulator(allow)
        async with BotApiServer(gate) as server:
            for _, telegram_id in RECIPIENTS:
                server.emulator.add_user(EmulatedUser(id=telegram_id, first_name=str(telegram_id)))
            bots = [
                await start_process(name, server, url, tmp_path / name, today, timing)
                for name in ("a", "b")
            ]
            engine = create_engine(url)
            try:
                for bot in bots:
                    await wait_for(
                        lambda bot=bot: "Application started" in bot.output(),
                        90,
                        f"process {bot.name} starts",
                        bot,
                    )
                yield server, gate, engine, bots
            finally:
                gate.opened.set()
                for bot in bots:
                    await stop_process(bot)
                await engine.dispose()


async def test_two_processes_handle_each_update_once_and_survive_a_kill_mid_fanout(
    tmp_path: Path,
) -> None:
    async with cluster(tmp_path) as (server, gate, engine, bots):
        emulator = server.emulator
        author = emulator.users[NOTE_AUTHOR]

        # 1. Ten notes spread over both processes, three more sent to both at once.
        updates: list[dict[str, Any]] = []
        for n in range(13):
            message = emulator.user_sends_text(
                author, None, f"/note 张伟 HA 第{n}条：客户想了解定投"
            )
            updates.append({"update_id": 50_000 + n, "message": message})
        async with aiohttp.ClientSession() as http:
            for n, update in enumerate(updates[:10]):
                await post_update(http, bots[n % 2], update)
            await asyncio.gather(
                *(post_update(http, bot, update) for update in updates[10:] for bot in bots)
            )

        def saved() -> list[str]:
            return [
                m.plain_text
                for m in emulator.sent_messages(NOTE_AUTHOR)
                if "已保存" in m.plain_text
            ]

        await wait_for(lambda: len(saved()) >= 13, 30, "13 notes answered", *bots)

        # 2. The fan-out: its holder is killed after two briefings, the other one finishes.
        takeover = await kill_holder_mid_fanout(server, gate, engine, bots)
        assert takeover.seconds <= LOCK_TTL + LOCK_RENEW + 1.5, takeover.seconds

        def briefed() -> dict[int, int]:
            return {
                telegram_id: sum(
                    1 for m in emulator.sent_messages(telegram_id) if is_briefing_text(m.text or "")
                )
                for _, telegram_id in RECIPIENTS
            }

        await wait_for(
            lambda: all(briefed().values()), 20, "every recipient briefed", takeover.survivor
        )

        async def all_settled() -> bool:
            return await sent_briefings(engine) == len(RECIPIENTS)

        await wait_for(all_settled, 10, "every briefing settled", takeover.survivor)

        # Everything has been handled by now (the survivor's catch-up is over): count once more.
        assert briefed() == {telegram_id: 1 for _, telegram_id in RECIPIENTS}
        async with engine.connect() as conn:
            notes = (
                await conn.execute(
                    text("SELECT message_id, text FROM notes WHERE client_id = 'C900001'")
                )
            ).all()
            pending = await conn.scalar(
                text("SELECT count(*) FROM deliveries WHERE status <> 'sent'")
            )
        assert sorted(m for m, _ in notes) == sorted(u["message"]["message_id"] for u in updates)
        assert len({t for _, t in notes}) == 13
        answers = saved()
        assert len(answers) == 13, answers  # each update answered once, copies included
        assert pending == 0
        assert "Traceback" not in takeover.survivor.output(), takeover.survivor.output()[-3000:]
