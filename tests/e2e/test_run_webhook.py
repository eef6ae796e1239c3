"""`ambot run --webhook`: Telegram's calls carry the secret token; anything else is refused."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp

from emulator import EmulatedUser
from tests.support.botapi import BotApiServer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_webhook_checks_the_secret_and_answers(tmp_path: Path):
    port = free_port()
    secret = "s3cret-Token_value"
    async with BotApiServer() as server:
        env = {
            **os.environ,
            "AMBOT_TELEGRAM_TOKEN": server.emulator.token,
            "AMBOT_TELEGRAM_BASE_URL": server.base_url,
            "AMBOT_DATA_DIR": str(tmp_path),
            "AMBOT_WEBHOOK_SECRET": secret,
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
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        try:
            seen: list[str] = []
            async with asyncio.timeout(60):  # safety net for start-up
                # PTB registers the webhook before its server listens; "Application started"
                # is logged once both are up.
                assert process.stdout is not None
                while not any("Application started" in line for line in seen):
                    line = await process.stdout.readline()
                    assert line, "ambot run exited early:\n" + "".join(seen)
                    seen.append(line.decode())
            assert server.emulator.webhook == {
                "url": f"http://127.0.0.1:{port}/telegram",
                "secret_token": secret,
            }
            stranger = server.emulator.add_user(EmulatedUser(id=515151, first_name="陌生人"))
            message = server.emulator.user_sends_text(stranger, None, "你好")
            body = json.dumps({"update_id": 777, "message": message})
            url = f"http://127.0.0.1:{port}/telegram"
            async with aiohttp.ClientSession() as http:
                forged = await http.post(
                    url, data=body, headers={"Content-Type": "application/json"}
                )
                assert forged.status == 403
                wrong = await http.post(
                    url,
                    data=body,
                    headers={
                        "Content-Type": "application/json",
                        "X-Telegram-Bot-Api-Secret-Token": "nope",
                    },
                )
                assert wrong.status == 403
                genuine = await http.post(
                    url,
                    data=body,
                    headers={
                        "Content-Type": "application/json",
                        "X-Telegram-Bot-Api-Secret-Token": secret,
                    },
                )
                assert genuine.status == 200
            async with asyncio.timeout(30):
                await server.emulator.wait_until(
                    lambda: bool(server.emulator.sent_messages(515151))
                )
            assert len(server.emulator.sent_messages(515151)) == 1
        finally:
            process.send_signal(signal.SIGINT)
            output, _ = await asyncio.wait_for(process.communicate(), 30)
    log = "".join(seen) + output.decode()
    assert server.emulator.token not in log and secret not in log


def test_webhook_without_a_secret_is_refused_up_front(tmp_path: Path):
    import subprocess

    env = {**os.environ, "AMBOT_TELEGRAM_TOKEN": "123:abc", "AMBOT_DATA_DIR": str(tmp_path)}
    env.pop("AMBOT_WEBHOOK_SECRET", None)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--webhook", "--url", "https://example.invalid"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1 and "AMBOT_WEBHOOK_SECRET" in result.stderr
