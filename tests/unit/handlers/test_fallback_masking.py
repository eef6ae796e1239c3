"""An unknown command is echoed back, and a phone number typed as one is echoed masked."""

from __future__ import annotations

import pytest

from tests.support.ptb import Chat


@pytest.mark.parametrize("typed", ["/13812345678", "/138\u200b1234\u200b5678"])
async def test_a_phone_number_sent_as_a_command_is_echoed_masked(li: Chat, typed: str) -> None:
    reply = await li.send(typed)
    assert reply.plain_text == "暂不支持 /138****5678 命令。发送 /help 查看可用的命令。"
