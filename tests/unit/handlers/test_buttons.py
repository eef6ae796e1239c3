"""The one button wrapper: forged or stale data reads as 「按钮已过期」 (never an error id), a
domain error raised inside gets its mapped reply, and every press is answered exactly once."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from telegram.error import BadRequest

from crm.errors import AlreadyClosedError, NotAuthorizedError, UndoWindowClosedError
from handlers.buttons import Press, button
from handlers.buttons_client import NoteUndo
from handlers.buttons_followups import TodoAction
from handlers.buttons_proactive import AlertAction
from tests.unit.handlers.plumbing_fakes import RecordingBot, press_update, update_of

STAFF = SimpleNamespace(staff_id="M001", name="李娜", role="manager", timezone="Asia/Shanghai")


def _context(language: str = "zh") -> Any:
    return SimpleNamespace(language=language, require_staff=lambda: STAFF)


class Spy:
    """A handler body: records its presses, then does what the test asks."""

    def __init__(self, action: Any = None) -> None:
        self.presses: list[Press[Any]] = []
        self.action = action

    async def __call__(self, press: Press[Any], context: Any) -> None:
        self.presses.append(press)
        if self.action is not None:
            await self.action(press)


async def _press(
    data: str,
    kind: Any,
    spy: Spy,
    *,
    language: str = "zh",
    bot: RecordingBot | None = None,
    **options: Any,
) -> RecordingBot:
    bot = bot or RecordingBot()
    extra = {k: options.pop(k) for k in ("buttons", "accessible") if k in options}
    handler = button(kind, **options)(spy)
    await handler(update_of(press_update(data, **extra), bot), _context(language))
    return bot


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        ("undo:99999999999999999999", NoteUndo),  # overflowed the query before
        ("al:ack:99999999999999999999", AlertAction),
        ("undo:2147483648", NoteUndo),  # beyond a 32-bit row id
        ("undo:0", NoteUndo),
        ("undo:-5", NoteUndo),
        ("undo:abc", NoteUndo),
        ("undo: 5", NoteUndo),
        ("undo:5\n", NoteUndo),
        ("undo:", NoteUndo),
        ("undo:5:6", NoteUndo),
        ("undo:" + "9" * 70, NoteUndo),  # over 64 bytes
        ("al:ack:5", NoteUndo),  # another kind's data
        ("al:del:5", AlertAction),
        ("", NoteUndo),
    ],
)
async def test_forged_oversized_or_unparsable_data_reads_as_expired(data: str, kind: Any) -> None:
    spy = Spy()
    for language, expired in (("zh", "按钮已过期"), ("en", "This button has expired")):
        bot = await _press(data, kind, spy, language=language)
        [answer] = bot.calls_of("answer_callback_query")
        assert answer["text"] == expired
        assert not bot.calls_of("send_message")  # no error id
    assert spy.presses == []


async def test_a_valid_press_reaches_the_handler_with_typed_data_and_the_presser() -> None:
    spy = Spy()
    bot = await _press("undo:42", NoteUndo, spy)
    [press] = spy.presses
    assert press.button == NoteUndo(42)
    assert press.staff is STAFF
    [answer] = bot.calls_of("answer_callback_query")
    assert answer["text"] is None  # answered once, without a toast, after the handler


async def test_a_toast_from_the_handler_is_the_only_answer() -> None:
    async def toast_twice(press: Press[Any]) -> None:
        await press.answer("已确认")
        await press.answer("again")

    bot = await _press("undo:42", NoteUndo, Spy(toast_twice))
    [answer] = bot.calls_of("answer_callback_query")
    assert answer["text"] == "已确认"


async def test_a_domain_error_inside_gets_the_feature_reading() -> None:
    async def refuse(press: Press[Any]) -> None:
        raise NotAuthorizedError("ack")

    bot = await _press("al:ack:5", AlertAction, Spy(refuse), feature="alerts", language="en")
    [answer] = bot.calls_of("answer_callback_query")
    assert answer["text"] == "You may not act on this alert"
    bot = await _press("al:ack:5", AlertAction, Spy(refuse))  # no feature: the default reading
    [answer] = bot.calls_of("answer_callback_query")
    assert answer["text"] == "按钮已过期"


async def test_a_late_undo_is_a_dialog() -> None:
    async def late(press: Press[Any]) -> None:
        raise UndoWindowClosedError(42, window_minutes=5)

    bot = await _press("undo:42", NoteUndo, Spy(late))
    [answer] = bot.calls_of("answer_callback_query")
    assert answer["show_alert"] is True
    assert answer["text"].startswith("已超过 5 分钟，无法撤销 #42")


async def test_a_domain_error_after_the_answer_is_not_answered_again() -> None:
    async def answer_then_fail(press: Press[Any]) -> None:
        await press.answer("ok")
        raise AlreadyClosedError("closed")

    bot = await _press("todo:done:3", TodoAction, Spy(answer_then_fail), feature="followups")
    [answer] = bot.calls_of("answer_callback_query")
    assert answer["text"] == "ok"
    [edit] = bot.calls_of("edit_message_text")  # the mapped redraw still happens
    assert edit["text"] == "这条跟进已经完成或取消了。"


async def test_an_unknown_error_is_answered_once_and_goes_on_to_the_error_handler() -> None:
    async def crash(press: Press[Any]) -> None:
        raise RuntimeError("bug")

    spy = Spy(crash)
    bot = RecordingBot()
    with pytest.raises(RuntimeError):
        await _press("undo:42", NoteUndo, spy, bot=bot)
    [answer] = bot.calls_of("answer_callback_query")
    assert answer["text"] is None


async def test_data_not_shown_on_the_pressed_message_is_expired_when_checked() -> None:
    spy = Spy()
    bot = await _press("todo:done:3", TodoAction, spy, on_message=True, buttons=["todo:done:4"])
    [answer] = bot.calls_of("answer_callback_query")
    assert answer["text"] == "按钮已过期" and spy.presses == []
    bot = await _press("todo:done:3", TodoAction, spy, on_message=True)
    assert bot.calls_of("answer_callback_query")[0]["text"] is None and len(spy.presses) == 1


async def test_a_press_without_a_readable_message_is_expired_where_the_message_is_needed() -> None:
    async def needs_message(press: Press[Any]) -> None:
        press.message  # noqa: B018 - reading it is the test

    bot = await _press("undo:42", NoteUndo, Spy(needs_message), accessible=False)
    [answer] = bot.calls_of("answer_callback_query")
    assert answer["text"] == "按钮已过期"


async def test_a_redelivered_press_whose_query_is_gone_is_fine() -> None:
    bot = RecordingBot()
    bot.fail["answer_callback_query"] = BadRequest(
        "Query is too old and response timeout expired or query id is invalid"
    )
    spy = Spy()
    await _press("undo:42", NoteUndo, spy, bot=bot)
    assert len(spy.presses) == 1


async def test_another_bad_request_on_answering_propagates() -> None:
    bot = RecordingBot()
    bot.fail["answer_callback_query"] = BadRequest("Message_too_long")
    with pytest.raises(BadRequest):
        await _press("undo:42", NoteUndo, Spy(), bot=bot)
