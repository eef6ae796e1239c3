"""The one error mapping: each domain error type → the reply a user reads, in Chinese and
English; unknown errors are not mapped (they get an error id)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from crm.errors import (
    AlreadyClosedError,
    InviteError,
    NoBookError,
    NoMatchingClientError,
    NotAuthorizedError,
    NoteDeletedError,
    NoteTooLongError,
    NotFoundError,
    StaleRequestError,
    TaskTooLongError,
    TopLevelError,
    UndoWindowClosedError,
    UsageError,
    WhenError,
)
from handlers.callback_data import CallbackDataError
from handlers.errors import button_reply, is_mapped, message_reply, on_error
from knowledge_base.errors import NotFoundError as KbNotFoundError
from tests.unit.handlers.plumbing_fakes import RecordingBot, message_update, update_of

EXPIRED = {"zh": "按钮已过期", "en": "This button has expired"}

# (feature, error, Chinese reply, English reply) under a message.
MESSAGE_CASES: list[tuple[Any, Exception, str, str]] = [
    (None, InviteError("used"), "该邀请码已被使用", "That invite code has already been used"),
    (None, InviteError("expired"), "该邀请码已过期", "That invite code has expired"),
    (
        None,
        NoBookError("compliance"),
        "您的角色（合规专员）不直接管理客户",
        "Your role (compliance officer) has no client book",
    ),
    (None, WhenError("past"), "这个时间已经过去了", "That time has passed"),
    (None, WhenError("unparseable"), "没看懂时间", "I couldn't read the time"),
    (
        "notes",
        NoteTooLongError(limit=20000, length=25000),
        "记录过长（25000 字，上限 20000 字），未保存",
        "The note is too long (25000 characters, limit 20000)",
    ),
    ("notes", UsageError("empty note"), "记录内容为空", "The note is empty"),
    ("notes", NotAuthorizedError("C1"), "无法查看该客户", "You cannot view this client"),
    ("notes", NotFoundError("C1"), "无法查看该客户", "You cannot view this client"),
    ("notes", NoBookError("admin"), "您的角色（管理员）", "Your role (administrator)"),
    ("note_edits", NoteDeletedError(7), "记录 #7 已撤销", "Note #7 was undone"),
    ("note_edits", UsageError("empty"), "修改后的内容为空", "The edited text is empty"),
    (
        "note_edits",
        NoteTooLongError(limit=20000, length=20001),
        "记录过长（20001 字",
        "(20001 characters, limit 20000)",
    ),
    (
        "followups",
        NoMatchingClientError("<张>"),
        "没有找到客户「&lt;张&gt;」",
        "No client “&lt;张&gt;” found",
    ),
    ("followups", NoBookError("admin"), "只有客户经理和团队主管", "Only account managers"),
    ("followups", NotAuthorizedError("C1"), "这位客户不在您的权限范围内", "outside your book"),
    (
        "followups",
        TaskTooLongError(limit=500, length=600),
        "事项太长了（最多 500 字）",
        "The task is too long",
    ),
    (
        "followups",
        UsageError("empty"),
        "用法：/todo 客户 时间 事项",
        "Usage: /todo client when what",
    ),
    ("followups", WhenError("no_task"), "请在时间后面写上要做什么", "Please say what to do"),
]


@pytest.mark.parametrize(("feature", "error", "zh", "en"), MESSAGE_CASES)
def test_each_domain_error_reads_as_its_reply_in_both_languages(
    feature: Any, error: Exception, zh: str, en: str
) -> None:
    for language, expected in (("zh", zh), ("en", en)):
        view = message_reply(error, language, feature)
        assert view is not None
        assert expected in view.text
        assert not view.buttons


def test_an_edit_of_a_message_that_is_not_her_note_gets_no_reply() -> None:
    assert message_reply(NotFoundError("1/2"), "zh", "note_edits") is None
    assert message_reply(NotAuthorizedError("not the author"), "en", "note_edits") is None


def test_plain_texts_are_escaped_for_html() -> None:
    view = message_reply(NoteDeletedError(3), "en", "note_edits")
    assert view is not None and "<" not in view.text


# (feature, error, Chinese toast, English toast, shown as a dialog) on a button.
BUTTON_CASES: list[tuple[Any, Exception, str, str, bool]] = [
    (None, CallbackDataError("forged"), EXPIRED["zh"], EXPIRED["en"], False),
    (None, NotFoundError("alert 5"), EXPIRED["zh"], EXPIRED["en"], False),
    (None, NotAuthorizedError("C1"), EXPIRED["zh"], EXPIRED["en"], False),
    (None, UsageError("closed"), EXPIRED["zh"], EXPIRED["en"], False),
    (None, StaleRequestError("edited"), EXPIRED["zh"], EXPIRED["en"], False),
    (None, KbNotFoundError("doc"), EXPIRED["zh"], EXPIRED["en"], False),
    (
        None,
        UndoWindowClosedError(12, window_minutes=5),
        "已超过 5 分钟，无法撤销 #12",
        "More than 5 minutes have passed; #12 can no longer be undone",
        True,
    ),
    (
        "alerts",
        NotAuthorizedError("ack"),
        "您无权处理该预警",
        "You may not act on this alert",
        False,
    ),
    (
        "alerts",
        AlreadyClosedError("x"),
        "该预警已处理，无需再操作",
        "This alert is already handled",
        False,
    ),
    (
        "alerts",
        UsageError("closed"),
        "该预警已处理，无需再操作",
        "This alert is already handled",
        False,
    ),
    (
        "alerts",
        TopLevelError("top"),
        "该预警已升级到最高级别",
        "This alert is already at the top escalation level",
        False,
    ),
    ("alerts", NotFoundError("alert 9"), EXPIRED["zh"], EXPIRED["en"], False),
    ("alerts", CallbackDataError("forged"), EXPIRED["zh"], EXPIRED["en"], False),
    ("followups", NotFoundError("7"), EXPIRED["zh"], EXPIRED["en"], False),
    ("followups", TaskTooLongError(limit=500, length=501), EXPIRED["zh"], EXPIRED["en"], False),
]


@pytest.mark.parametrize(("feature", "error", "zh", "en", "alert"), BUTTON_CASES)
def test_each_error_on_a_button_reads_as_its_toast_in_both_languages(
    feature: Any, error: Exception, zh: str, en: str, alert: bool
) -> None:
    for language, expected in (("zh", zh), ("en", en)):
        reply = button_reply(error, language, feature)
        assert reply.toast is not None and reply.toast.startswith(expected)
        assert reply.alert is alert
        assert reply.redraw is None


def test_a_closed_follow_up_is_said_and_redrawn() -> None:
    for language, text in (
        ("zh", "这条跟进已经完成或取消了。"),
        ("en", "This follow-up is already done"),
    ):
        reply = button_reply(AlreadyClosedError("done"), language, "followups")
        assert reply.toast is not None and reply.toast.startswith(text)
        assert reply.redraw is not None and reply.redraw.text.startswith(text)


def test_a_past_time_on_a_confirmation_redraws_it_without_a_toast() -> None:
    reply = button_reply(WhenError("past"), "en", "followups")
    assert reply.toast is None
    assert reply.redraw is not None and "That time has passed" in reply.redraw.text


@pytest.mark.parametrize(
    "error", [RuntimeError("boom"), OverflowError("int too big"), ValueError("x"), KeyError("k")]
)
def test_unknown_errors_are_not_mapped(error: Exception) -> None:
    for feature in (None, "notes", "note_edits", "followups", "alerts"):
        assert not is_mapped(error, feature, button=True)  # type: ignore[arg-type]
        assert not is_mapped(error, feature, button=False)  # type: ignore[arg-type]


def test_a_feature_reading_wins_only_at_the_same_type() -> None:
    """NoBookError is more specific than the notes section's NotAuthorizedError."""
    view = message_reply(NoBookError("compliance"), "zh", "notes")
    assert view is not None and "不直接管理客户" in view.text


def _context(error: Exception, language: str | None) -> Any:
    async def by_telegram_user(user_id: int) -> Any:
        return None if language is None else SimpleNamespace(language=language)

    services = SimpleNamespace(
        staff=SimpleNamespace(by_telegram_user=by_telegram_user), default_language="zh"
    )
    return SimpleNamespace(error=error, services=services, language="zh")


async def test_the_error_handler_replies_to_a_mapped_error_in_her_language() -> None:
    bot = RecordingBot()
    update = update_of(message_update("/start used-code", language_code="zh-hans"), bot)
    await on_error(update, _context(NoBookError("admin"), "en"))
    [sent] = bot.calls_of("send_message")
    assert "Your role (administrator) has no client book" in sent["text"]
    assert "error id" not in sent["text"]


async def test_the_error_handler_uses_the_telegram_hint_for_strangers() -> None:
    bot = RecordingBot()
    update = update_of(message_update("/start x", language_code="en-US"), bot)
    await on_error(update, _context(InviteError("unknown"), None))
    [sent] = bot.calls_of("send_message")
    assert sent["text"].startswith("That invite code is not valid")


async def test_the_error_handler_gives_an_id_for_anything_else(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bot = RecordingBot()
    update = update_of(message_update("/today"), bot)
    await on_error(update, _context(RuntimeError("secret client data"), "zh"))
    [sent] = bot.calls_of("send_message")
    assert sent["text"].startswith("抱歉，处理您的请求时出错了（错误编号 ")
    error_id = sent["text"].split("错误编号 ")[1][:8]
    assert any(error_id in record.getMessage() for record in caplog.records)
