"""BadRequest is ignored only where it is harmless: "message is not modified" on an edit, and a
query Telegram no longer knows on answering a press. Every other BadRequest propagates."""

from __future__ import annotations

import pytest
from telegram.error import BadRequest, Forbidden

from handlers.buttons import Press
from handlers.buttons_client import NoteUndo
from handlers.render import View
from handlers.reply import ignore_not_modified, ignore_query_gone
from tests.unit.handlers.plumbing_fakes import RecordingBot, press_update, update_of

NOT_MODIFIED = (
    "Message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)


def test_not_modified_is_ignored() -> None:
    with ignore_not_modified():
        raise BadRequest(NOT_MODIFIED)


@pytest.mark.parametrize(
    "message",
    [
        "Message to edit not found",
        "Can't parse entities: unsupported start tag",
        "Message_too_long",
        "Query is too old and response timeout expired or query id is invalid",
    ],
)
def test_every_other_bad_request_propagates(message: str) -> None:
    with pytest.raises(BadRequest), ignore_not_modified():
        raise BadRequest(message)


def test_other_telegram_errors_propagate() -> None:
    with pytest.raises(Forbidden), ignore_not_modified():
        raise Forbidden("bot was blocked by the user")


def test_a_gone_query_is_ignored_only_when_answering() -> None:
    with ignore_query_gone():
        raise BadRequest("Query is too old and response timeout expired or query id is invalid")
    with pytest.raises(BadRequest), ignore_query_gone():
        raise BadRequest(NOT_MODIFIED)


async def test_redrawing_the_pressed_message_with_the_same_content_is_fine() -> None:
    bot = RecordingBot()
    update = update_of(press_update("undo:5"), bot)
    assert update.callback_query is not None
    press = Press(update.callback_query, NoteUndo(5), object())  # type: ignore[arg-type]
    bot.fail["edit_message_text"] = BadRequest(NOT_MODIFIED)
    await press.edit(View("同样的内容"))
    bot.fail["edit_message_text"] = BadRequest("Can't parse entities: unclosed tag")
    with pytest.raises(BadRequest):
        await press.edit(View("<b>broken"))
    assert len(bot.calls_of("edit_message_text")) == 2
