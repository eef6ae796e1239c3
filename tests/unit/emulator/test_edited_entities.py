"""An edited message carries the entities of its new text, as Telegram sends it (issue 12 §8):
an edited "/note …" is a command again, so PTB's command handlers see the edit."""

from __future__ import annotations

from telegram import Bot, MessageEntity, Update

from emulator import BotApiEmulator, EmulatedUser
from tests.support.ptb import edited_message_update, message_json, user_json
from tests.unit.emulator.conftest import FakeClock

LI = EmulatedUser(id=1001, first_name="丽", username="li", language_code="zh-hans")
BOT = Bot("123:x")


def commands(message: dict[str, object]) -> list[str]:
    update = Update.de_json({"update_id": 1, "edited_message": message}, BOT)
    assert update is not None and update.edited_message is not None
    parsed = update.edited_message.parse_entities([MessageEntity.BOT_COMMAND])
    return list(parsed.values())


def test_the_emulator_marks_the_commands_of_an_edited_text() -> None:
    emulator = BotApiEmulator(clock=FakeClock())
    emulator.add_user(LI)
    sent = emulator.user_sends_text(LI, None, "张伟 买入100股")
    edited = emulator.user_edits_text(LI, None, sent["message_id"], "/note 张伟 买入1000股")
    assert commands(edited) == ["/note"]
    plain = emulator.user_edits_text(LI, None, sent["message_id"], "只是文字")
    assert "entities" not in plain  # the command's entity went with its text


def test_the_harness_marks_the_commands_of_an_edited_text() -> None:
    user = user_json(1001, "丽")
    sent = message_json("张伟 买入100股", user=user, message_id=7, date=1)
    update = edited_message_update(sent, "/note 张伟 买入1000股", update_id=2, date=5)
    assert commands(update["edited_message"]) == ["/note"]
    again = edited_message_update(update["edited_message"], "纯文字", update_id=3, date=9)
    assert "entities" not in again["edited_message"]
