"""Telegram keeps 100 formatting entities per message: the emulator refuses more by default
(so the test that sends such a view fails), or truncates like Telegram when asked to."""

from __future__ import annotations

from typing import Any

import pytest

from emulator import BotApiEmulator, EmulatedUser, EntityOverflow
from tests.unit.emulator.conftest import FakeClock

LI = EmulatedUser(id=1001, first_name="丽", username="li", language_code="zh-hans")


def bold(count: int) -> str:
    return " ".join(f"<b>{i}</b>" for i in range(count))


def make(clock: FakeClock, **kwargs: Any) -> BotApiEmulator:
    emulator = BotApiEmulator(clock=clock, **kwargs)
    emulator.add_user(LI)
    return emulator


async def send(emulator: BotApiEmulator, text: str) -> tuple[int, dict[str, Any]]:
    return await emulator.call(
        "sendMessage", {"chat_id": LI.id, "text": text, "parse_mode": "HTML"}
    )


async def test_a_hundred_entities_are_fine(clock: FakeClock) -> None:
    emulator = make(clock)
    status, body = await send(emulator, bold(100))
    assert status == 200, body
    assert len(body["result"]["entities"]) == 100
    assert emulator.entity_overflows == []


async def test_the_101st_entity_is_refused_by_default(clock: FakeClock) -> None:
    emulator = make(clock)
    status, body = await send(emulator, bold(101))
    assert status == 400
    assert body["description"].startswith("Bad Request: too many message entities: 101 > 100")
    assert emulator.sent_messages(LI.id) == []
    assert emulator.entity_overflows == [EntityOverflow("sendMessage", LI.id, 101)]


async def test_edits_and_captions_are_held_to_the_same_limit(clock: FakeClock) -> None:
    emulator = make(clock)
    _, sent = await send(emulator, "x")
    status, body = await emulator.call(
        "editMessageText",
        {
            "chat_id": LI.id,
            "message_id": sent["result"]["message_id"],
            "text": bold(120),
            "parse_mode": "HTML",
        },
    )
    assert status == 400 and "too many message entities" in body["description"]
    assert [o.method for o in emulator.entity_overflows] == ["editMessageText"]


async def test_like_telegram_the_message_keeps_its_first_hundred_entities(clock: FakeClock) -> None:
    emulator = make(clock, entity_limit="telegram")
    status, body = await send(emulator, bold(243))
    assert status == 200
    entities = body["result"]["entities"]
    assert len(entities) == 100
    last = entities[-1]
    text = body["result"]["text"]
    assert text[last["offset"] : last["offset"] + last["length"]] == "99"  # the first 100 kept
    assert body["result"]["text"].endswith("242")  # the text itself is whole
    assert emulator.entity_overflows == [EntityOverflow("sendMessage", LI.id, 243)]


@pytest.mark.parametrize("count", [0, 99, 100])
async def test_empty_elements_make_no_entity(clock: FakeClock, count: int) -> None:
    emulator = make(clock)
    status, _ = await send(emulator, bold(count) + " " + "<i></i>" * 50 + "end")
    assert status == 200
