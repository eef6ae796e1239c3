"""Small fakes for the handler plumbing tests: a Bot that records every call, and update JSON."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update

USER_ID = 1001
MESSAGE_DATE = 1_763_600_000


class RecordingBot:
    """Stands in for telegram.Bot: every awaited method is recorded and answers `True`, or
    raises what `fail` holds for that method name."""

    defaults = None

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.fail: dict[str, Exception] = {}

    def __getattr__(self, name: str) -> Callable[..., Coroutine[Any, Any, Any]]:
        if name.startswith("_"):
            raise AttributeError(name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, kwargs))
            if name in self.fail:
                raise self.fail[name]
            return True

        return call

    def calls_of(self, name: str) -> list[dict[str, Any]]:
        return [kwargs for called, kwargs in self.calls if called == name]


def user_json(language_code: str | None = "zh-hans") -> dict[str, Any]:
    user: dict[str, Any] = {"id": USER_ID, "is_bot": False, "first_name": "李娜"}
    if language_code:
        user["language_code"] = language_code
    return user


def message_json(
    text: str, *, message_id: int = 10, buttons: list[str] | None = None, from_bot: bool = False
) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": message_id,
        "date": MESSAGE_DATE,
        "chat": {"id": USER_ID, "type": "private"},
        "from": {"id": 42, "is_bot": True, "first_name": "ambot"} if from_bot else user_json(),
        "text": text,
    }
    if text.startswith("/"):
        length = len(text.split()[0])
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    if buttons:
        message["reply_markup"] = {
            "inline_keyboard": [[{"text": data, "callback_data": data}] for data in buttons]
        }
    return message


def message_update(
    text: str, *, language_code: str | None = "zh-hans", update_id: int = 1
) -> dict[str, Any]:
    message = message_json(text)
    message["from"] = user_json(language_code)
    return {"update_id": update_id, "message": message}


def press_update(
    data: str, *, buttons: list[str] | None = None, accessible: bool = True, update_id: int = 2
) -> dict[str, Any]:
    """A press of `data` on a bot message showing `buttons` (by default, that very button)."""
    query: dict[str, Any] = {"id": "q1", "from": user_json(), "chat_instance": "ci", "data": data}
    if accessible:
        query["message"] = message_json(
            "card", message_id=20, buttons=buttons or [data], from_bot=True
        )
    else:  # no message we can read (an inline message)
        query["inline_message_id"] = "inline-1"
    return {"update_id": update_id, "callback_query": query}


def update_of(data: dict[str, Any], bot: RecordingBot) -> Update:
    update = Update.de_json(data, bot)  # type: ignore[arg-type]
    assert update is not None
    return update
