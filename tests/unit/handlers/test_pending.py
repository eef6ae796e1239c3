"""One pending-step mechanism: a `PendingStepHandler(app, kind, callback)` claims the next
message only while the sender's pending step is of its kind; notes and follow-ups both use it."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from telegram import Update

from handlers import followups, notes
from handlers.session import Pending, PendingStepHandler, pending_in
from tests.unit.handlers.plumbing_fakes import USER_ID, RecordingBot, message_update, update_of


async def _noop(update: Update, context: Any) -> None:
    return None


def _app(step: Pending | None) -> Any:
    user_data = {USER_ID: {"pending": step}} if step is not None else {}
    return SimpleNamespace(user_data=user_data)


def _message(text: str) -> Update:
    return update_of(message_update(text), RecordingBot())


def test_the_step_of_its_kind_claims_the_next_plain_message() -> None:
    handler = PendingStepHandler(_app(Pending("note", client_id="C1")), "note", _noop)
    assert handler.check_update(_message("客户说下周再谈"))


def test_another_kind_no_step_or_a_command_is_not_claimed() -> None:
    assert not PendingStepHandler(_app(Pending("followup", "C1")), "note", _noop).check_update(
        _message("明天 回电")
    )
    assert not PendingStepHandler(_app(None), "note", _noop).check_update(_message("你好"))
    claimed = PendingStepHandler(_app(Pending("note", "C1")), "note", _noop)
    assert not claimed.check_update(_message("/todos"))


def test_an_edited_message_is_not_the_next_message() -> None:
    update = message_update("改过的", update_id=3)
    update["edited_message"] = update.pop("message")
    update["edited_message"]["edit_date"] = update["edited_message"]["date"] + 5
    handler = PendingStepHandler(_app(Pending("note", "C1")), "note", _noop)
    assert not handler.check_update(update_of(update, RecordingBot()))


def test_a_step_is_read_from_user_data_only_when_it_is_a_pending_step() -> None:
    assert pending_in({"pending": Pending("note")}) == Pending("note")
    assert pending_in({"pending": "note"}) is None
    assert pending_in(None) is None


def test_notes_and_follow_ups_both_register_a_pending_step() -> None:
    class Recorder:
        user_data: dict[int, Any] = {}

        def __init__(self) -> None:
            self.handlers: list[Any] = []

        def add_handler(self, handler: Any, group: int = 0) -> None:
            self.handlers.append(handler)

    kinds = set()
    for feature in (notes, followups):
        app = Recorder()
        feature.register(app)  # type: ignore[arg-type]
        kinds |= {h.kind for h in app.handlers if isinstance(h, PendingStepHandler)}
    assert kinds == {"note", followups.PENDING_KIND}
