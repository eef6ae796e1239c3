"""Errors routed by type, once: a domain error becomes the user's reply in her language;
anything else is logged under a short id, and the user is told that id.

Like aiogram's error router. `MESSAGE_REPLIES` (a reply under the message) and `BUTTON_REPLIES`
(a toast, a dialog or a redraw of the pressed message) map an exception type to its reply. The
`None` section holds the default reading; a feature section holds the types that feature reads
its own way (a NotAuthorizedError is 「按钮已过期」 on most buttons, 「您无权处理该预警」 on an
alert). Lookup walks the exception's MRO, most specific type first; at the same type the
feature's reading wins. A message entry may return None: nothing to say (an edit of a message
that is not her note). Handlers don't catch what is mapped here: command and message handlers
name their feature with `@maps_errors(feature)`, buttons with `handlers.buttons.button`, and
`on_error` (PTB's error handler) maps what reaches it with the default section.
"""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from html import escape
from typing import Any, Literal, TypeVar

from telegram import Update
from telegram.ext import Application

from crm.broadcasts import BroadcastRefusedError
from crm.busy import is_busy
from crm.errors import (
    AlreadyClosedError,
    InvalidDateError,
    InviteError,
    MessageReusedError,
    NoBookError,
    NoMatchingClientError,
    NotAuthorizedError,
    NoteDeletedError,
    NoteTooLongError,
    NotFoundError,
    SnoozeNotLaterError,
    StorageBusyError,
    TaskTooLongError,
    TopLevelError,
    UndoWindowClosedError,
    UsageError,
    WhenError,
)
from crm.tickets import ResolutionTooLongError
from handlers.callback_data import CallbackDataError
from handlers.context import AppContext
from handlers.guards import user_language
from handlers.i18n import role_name, t
from handlers.render import View
from handlers.render.broadcast import refusal_text
from handlers.render.followups import (
    closed_view,
    invalid_date_view,
    snooze_not_later_text,
    usage_view,
    when_error_view,
)
from handlers.render.lexicon import gone_text, input_error_text
from handlers.render.notes import undo_expired_text
from handlers.render.review import review_error_text, review_press_error_text
from handlers.render.start import error_text, invite_error_text
from handlers.reply import ignore_query_gone, reply_view
from knowledge_base.compliance.lexicon_edit import LexiconEntryGoneError, LexiconInputError
from knowledge_base.errors import (
    EmptyQuestionError,
    KnowledgeBaseError,
    QuestionTooLongError,
    UnknownDocumentError,
)
from knowledge_base.errors import NotAuthorizedError as KbNotAuthorizedError
from knowledge_base.errors import NotFoundError as KbNotFoundError
from knowledge_base.errors import UsageError as KbUsageError

log = logging.getLogger(__name__)

Feature = Literal[
    "notes", "note_edits", "followups", "alerts", "review", "team", "broadcast", "tickets"
]
Handler = Callable[[Update, AppContext], Awaitable[None]]
HandlerT = TypeVar("HandlerT", bound=Handler)


@dataclass(frozen=True)
class ButtonReply:
    """How a press that failed is answered: a toast (or a dialog), and maybe a redraw."""

    toast: str | None = None
    alert: bool = False
    redraw: View | None = None


MessageReply = Callable[[Any, str], View | None]
ButtonReplyFor = Callable[[Any, str], ButtonReply]


def _say(key: str) -> MessageReply:
    """A plain (non-HTML) text as the reply."""
    return lambda _exc, language: View(escape(t(language, key)))


def _toast(key: str) -> ButtonReplyFor:
    return lambda _exc, language: ButtonReply(t(language, key))


def _too_long(exc: NoteTooLongError, language: str) -> View:
    return View(escape(t(language, "note_too_long", length=exc.length, limit=exc.limit)))


def _nothing(_exc: Exception, _language: str) -> None:
    return None


MESSAGE_REPLIES: dict[Feature | None, dict[type[BaseException], MessageReply]] = {
    "tickets": {  # the one-line resolution after ✅ 已解决
        ResolutionTooLongError: lambda exc, language: View(
            t(language, "ticket_resolution_too_long", limit=exc.limit, length=exc.length)
        ),
        AlreadyClosedError: lambda _exc, language: View(t(language, "ticket_already_done")),
        UsageError: lambda _exc, language: View(t(language, "ticket_resolution_empty")),
        NotAuthorizedError: lambda _exc, language: View(t(language, "ticket_not_allowed")),
        NotFoundError: lambda _exc, language: View(t(language, "ticket_not_allowed")),
    },
    None: {
        InviteError: lambda exc, language: View(escape(invite_error_text(exc.reason, language))),
        NoBookError: lambda exc, language: View(
            escape(t(language, "client_no_book", role=role_name(language, exc.role)))
        ),
        WhenError: lambda exc, language: when_error_view(exc.reason, language),
        InvalidDateError: invalid_date_view,
        # Nothing was saved: say so in her language, and to send it again (issue 12).
        StorageBusyError: lambda _exc, language: View(t(language, "storage_busy")),
        MessageReusedError: _say("message_reused"),
        LexiconInputError: lambda exc, language: View(input_error_text(exc, language)),
        LexiconEntryGoneError: lambda _exc, language: View(escape(gone_text(language))),
    },
    "notes": {
        NoteTooLongError: _too_long,
        UsageError: _say("note_empty"),
        NotAuthorizedError: _say("client_not_yours"),
        NotFoundError: _say("client_not_yours"),
    },
    "note_edits": {
        NoteDeletedError: lambda exc, language: View(
            escape(t(language, "note_edit_deleted", id=exc.note_id))
        ),
        NoteTooLongError: _too_long,
        UsageError: _say("note_edit_empty"),
        NotAuthorizedError: _nothing,  # an edit of a message that is not her note
        NotFoundError: _nothing,
    },
    "followups": {
        NoMatchingClientError: lambda exc, language: View(
            t(language, "fu_client_not_found", query=escape(exc.query[:64]))
        ),
        NoBookError: lambda _exc, language: View(t(language, "fu_no_book")),
        NotAuthorizedError: lambda _exc, language: View(t(language, "fu_not_your_client")),
        NotFoundError: lambda _exc, language: View(t(language, "fu_not_your_client")),
        TaskTooLongError: lambda _exc, language: View(t(language, "fu_too_long")),
        UsageError: lambda _exc, language: usage_view(language),
    },
    # /team: another supervisor's team, or no such team (issue 14)
    "team": {
        NotAuthorizedError: _say("team_not_yours"),
        NotFoundError: _say("team_not_found"),
    },
    # /broadcast: an unknown, unapproved or expired document, or no such team (issue 14)
    "broadcast": {
        BroadcastRefusedError: lambda exc, language: View(refusal_text(exc, language)),
    },
    # /review: gaps closed meanwhile, documents not in force, items gone (render/review.py)
    "review": {
        # similar questions (加为相似问): no such document, an empty or too long question
        UnknownDocumentError: lambda exc, language: View(review_error_text(exc, language)),
        EmptyQuestionError: lambda exc, language: View(review_error_text(exc, language)),
        QuestionTooLongError: lambda exc, language: View(review_error_text(exc, language)),
        KbNotAuthorizedError: lambda exc, language: View(review_error_text(exc, language)),
        KbNotFoundError: lambda exc, language: View(review_error_text(exc, language)),
        KbUsageError: lambda exc, language: View(review_error_text(exc, language)),
    },
}

_EXPIRED = _toast("button_expired")

BUTTON_REPLIES: dict[Feature | None, dict[type[BaseException], ButtonReplyFor]] = {
    "tickets": {
        AlreadyClosedError: _toast("ticket_already_done"),
        NotAuthorizedError: _toast("ticket_not_allowed"),
    },
    None: {
        # Stale or forged data, or an object the presser may no longer act on.
        CallbackDataError: _EXPIRED,
        NotFoundError: _EXPIRED,
        NotAuthorizedError: _EXPIRED,
        UsageError: _EXPIRED,
        KnowledgeBaseError: _EXPIRED,
        UndoWindowClosedError: lambda exc, language: ButtonReply(
            undo_expired_text(exc.note_id, exc.window_minutes, language), alert=True
        ),
        StorageBusyError: lambda _exc, language: ButtonReply(
            t(language, "storage_busy_toast"), alert=True
        ),
        MessageReusedError: lambda _exc, language: ButtonReply(
            t(language, "message_reused_toast"), alert=True
        ),
        LexiconInputError: lambda exc, language: ButtonReply(
            input_error_text(exc, language)[:190], alert=True
        ),
        LexiconEntryGoneError: lambda _exc, language: ButtonReply(gone_text(language)),
    },
    "alerts": {
        NotAuthorizedError: _toast("alert_not_allowed"),
        UsageError: _toast("alert_closed"),
        AlreadyClosedError: _toast("alert_closed"),
        TopLevelError: _toast("alert_top_level"),
    },
    "followups": {
        WhenError: lambda exc, language: ButtonReply(redraw=when_error_view(exc.reason, language)),
        InvalidDateError: lambda exc, language: ButtonReply(
            redraw=invalid_date_view(exc, language)
        ),
        SnoozeNotLaterError: lambda exc, language: ButtonReply(
            snooze_not_later_text(exc, language), alert=True
        ),
        AlreadyClosedError: lambda _exc, language: ButtonReply(
            t(language, "fu_closed")[:190], redraw=closed_view(language)
        ),
    },
    "review": {
        UnknownDocumentError: lambda exc, language: ButtonReply(
            review_press_error_text(exc, language)[:190], alert=True
        ),
        EmptyQuestionError: lambda exc, language: ButtonReply(
            review_press_error_text(exc, language)[:190], alert=True
        ),
        QuestionTooLongError: lambda exc, language: ButtonReply(
            review_press_error_text(exc, language)[:190], alert=True
        ),
        KbNotAuthorizedError: lambda exc, language: ButtonReply(
            review_error_text(exc, language)[:190], alert=True
        ),
        KbNotFoundError: lambda exc, language: ButtonReply(
            review_error_text(exc, language)[:190], alert=True
        ),
        KbUsageError: lambda exc, language: ButtonReply(
            review_error_text(exc, language)[:190], alert=True
        ),
    },
}

_MISSING = object()


def _lookup(
    table: dict[Feature | None, dict[type[BaseException], Any]],
    exc: BaseException,
    feature: Feature | None,
) -> Any:
    own = table.get(feature, {}) if feature is not None else {}
    default = table[None]
    for kind in type(exc).__mro__:
        if kind in own:
            return own[kind]
        if kind in default:
            return default[kind]
    if is_busy(exc):
        # A busy database anywhere on the way (a journal append, a read before the write) reads
        # as the typed StorageBusyError: the transaction rolled back, nothing was saved.
        log.warning("database busy or unavailable (%s): answered as not saved", type(exc).__name__)
        return _lookup(table, StorageBusyError("update"), feature)
    return _MISSING


def is_mapped(exc: BaseException, feature: Feature | None = None, *, button: bool) -> bool:
    """Does the mapping have a reply for exc (on a button press or under a message)?"""
    return _lookup(BUTTON_REPLIES if button else MESSAGE_REPLIES, exc, feature) is not _MISSING


def message_reply(exc: BaseException, language: str, feature: Feature | None = None) -> View | None:
    """The reply under a message for a mapped error (None: nothing to say). KeyError if unmapped."""
    render = _lookup(MESSAGE_REPLIES, exc, feature)
    if render is _MISSING:
        raise KeyError(type(exc).__name__)
    result: View | None = render(exc, language)
    return result


def button_reply(exc: BaseException, language: str, feature: Feature | None = None) -> ButtonReply:
    """How a press is answered for a mapped error. KeyError if unmapped."""
    render = _lookup(BUTTON_REPLIES, exc, feature)
    if render is _MISSING:
        raise KeyError(type(exc).__name__)
    result: ButtonReply = render(exc, language)
    return result


def maps_errors(feature: Feature) -> Callable[[HandlerT], HandlerT]:
    """A command or message handler of `feature`: its mapped errors get that feature's reading;
    anything else goes on to `on_error`."""

    def decorate(handler: HandlerT) -> HandlerT:
        @functools.wraps(handler)
        async def wrapped(update: Update, context: AppContext) -> None:
            try:
                await handler(update, context)
            except Exception as exc:
                message = update.effective_message
                if message is None or not is_mapped(exc, feature, button=False):
                    raise
                view = message_reply(exc, context.language, feature)
                if view is not None:
                    await reply_view(message, view)

        return wrapped  # type: ignore[return-value]

    return decorate


async def on_error(update: object, context: AppContext) -> None:
    """Mapped domain errors get their reply; anything else is logged under a short id (never
    the update's content) and the user is told that id."""
    error = context.error
    if isinstance(update, Update):
        # PTB hands the error handler a fresh context: find the user's language again.
        context.language = await _language_of(update, context)
        if error is not None and await _reply_mapped(update, error, context):
            return
    error_id = secrets.token_hex(4)
    log.error("error %s while handling an update", error_id, exc_info=error)
    if isinstance(update, Update) and update.effective_message is not None:
        try:
            await update.effective_message.reply_text(
                error_text(context.language, error_id), do_quote=False
            )
        except Exception:  # the error reply itself failed (e.g. network); already logged
            log.warning("could not tell the user about error %s", error_id)


async def _language_of(update: Update, context: AppContext) -> str:
    """The staff member's language, else Telegram's hint (as the guard decides it)."""
    services = context.services
    user = update.effective_user
    if user is not None:
        try:
            staff = await services.staff.by_telegram_user(user.id)
        except Exception:  # the database may be what failed; the hint will do
            staff = None
        if staff is not None:
            return staff.language
    return user_language(update, services.default_language)


async def _reply_mapped(update: Update, error: Exception, context: AppContext) -> bool:
    """Reply to a mapped error with the default reading; False if unmapped."""
    query = update.callback_query
    if query is not None:
        if not is_mapped(error, button=True):
            return False
        reply = button_reply(error, context.language)
        with ignore_query_gone():
            await query.answer(reply.toast, show_alert=reply.alert)
        return True
    message = update.effective_message
    if message is None or not is_mapped(error, button=False):
        return False
    view = message_reply(error, context.language)
    if view is not None:
        await reply_view(message, view)
    return True


def register(app: Application) -> None:
    app.add_error_handler(on_error)


__all__ = [
    "BUTTON_REPLIES",
    "MESSAGE_REPLIES",
    "ButtonReply",
    "Feature",
    "button_reply",
    "is_mapped",
    "maps_errors",
    "message_reply",
    "on_error",
    "register",
]
