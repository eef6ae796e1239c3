"""`ambot run` as an operator starts it: a separate process polling the emulated Bot API."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from emulator import EmulatedUser
from tests.support.botapi import BotApiServer


async def test_ambot_run_polls_refuses_strangers_and_keeps_the_token_out_of_logs(tmp_path: Path):
    async with BotApiServer() as server:
        env = {
            **os.environ,
            "AMBOT_TELEGRAM_TOKEN": server.emulator.token,
            "AMBOT_TELEGRAM_BASE_URL": server.base_url,
            "AMBOT_DATA_DIR": str(tmp_path),
        }
        env.pop("AMBOT_DATABASE_URL", None)
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            env=env,
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        try:
            stranger = server.emulator.add_user(
                EmulatedUser(id=424242, first_name="陌生人", language_code="zh")
            )
            server.emulator.user_sends_text(stranger, None, "客户13812345678的资产")
            async with asyncio.timeout(60):  # safety net: process start-up and migrations
                await server.emulator.wait_until(
                    lambda: bool(server.emulator.sent_messages(424242))
                )
            assert "仅限已授权的员工" in server.emulator.sent_messages(424242)[0].text
        finally:
            process.send_signal(signal.SIGINT)
            output, _ = await asyncio.wait_for(process.communicate(), 30)
    log = output.decode()
    assert process.returncode == 0, log
    assert "long polling" in log
    assert server.emulator.token not in log
    assert "13812345678" not in log
