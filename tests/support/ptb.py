"""Fast handler tests the PTB way: the very Application of `bot.app.build_application`, an
offline recording Bot, update factories, and `Application.process_update` — no HTTP, no sockets.

    harness = await Harness.open(data_dir)                 # real SQLite file, hashing embedder
    li = await harness.staff("M001", 1001)                 # bound through a real /start invite
    card = await li.send("/client 张伟")                    # the last message the bot sent back
    press = await li.press(card, "📈")                      # a button by its (start of) label
    assert press.toast is None and press.message.photo is not None
    await harness.close()                                  # fails on unexpected calls or errors

The Bot's transport is `RecordingRequest`: every Bot API call is recorded and answered by an
in-memory `BotApiEmulator` (plausible JSON, HTML and keyboard validation, message state for
edits and presses); a method outside `ALLOWED_METHODS` is recorded as unexpected and fails the
test at `close()`. Every exception that reaches the Application's error handlers is recorded too
and fails the test unless the test takes it with `harness.take_errors()`. Services run on a
`FakeClock` (no wall-clock reads); PTB's job queue is never started, so no job fires by itself.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

from telegram import Update
from telegram.ext import Application, CallbackContext
from telegram.request import BaseRequest, RequestData

from audit import Journal
from bot.app import build_application
from bot.bootstrap import Runtime, build_runtime
from bot.settings import Settings
from crm.alerts import AlertService
from crm.briefings import BriefingService
from crm.clients import ClientService
from crm.errors import DomainError
from crm.followups import FollowUpService
from crm.notes import NoteService
from crm.proactive import ProactiveConfig
from crm.rules import RulesService
from crm.rules.config import load_rules_config
from crm.staff import StaffService
from crm.tickets import TicketService
from emulator import BotApiEmulator, BotMessage, EmulatedUser, InProcessRequest
from handlers.callback_data import CallbackDataError
from knowledge_base import answering
from knowledge_base.asking import AskingService
from knowledge_base.compliance.lexicon_edit import LexiconEditor
from knowledge_base.errors import KnowledgeBaseError
from knowledge_base.feedback import FeedbackService
from knowledge_base.gaps import GapService
from knowledge_base.review import ReviewService
from runtime.ledger import DeliveryLedger
from runtime.lock import SchedulerLock
from tests.support.proactive import FakeClock

AnyApplication = Application[Any, Any, Any, Any, Any, Any]
JSONDict = dict[str, Any]

# What handlers may call. Anything else (getUpdates, setWebhook, sendAudio, …) is a test failure.
ALLOWED_METHODS = frozenset(
    {
        "getMe",
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendChatAction",
        "editMessageText",
        "editMessageCaption",
        "editMessageReplyMarkup",
        "deleteMessage",
        "answerCallbackQuery",
        "getFile",
        "setMyCommands",
    }
)
# Errors a handler may raise on purpose: the error mapping turns them into a short reply.
EXPECTED_ERRORS = (DomainError, KnowledgeBaseError, CallbackDataError)
EMBEDDER = "hashing:64"  # model-free vectors: the real model never loads in these tests
# Friday 2026-11-20 14:00 in Shanghai: the demo book's as-of day.
DEFAULT_NOW = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)


# ---------------------------------------------------------------------- update factories


def user_json(
    user_id: int, first_name: str = "用户", language_code: str | None = "zh-hans"
) -> JSONDict:
    """A Bot API `User`."""
    data: JSONDict = {"id": user_id, "is_bot": False, "first_name": first_name}
    if language_code:
        data["language_code"] = language_code
    return data


def chat_json(chat_id: int, kind: str = "private", title: str | None = None) -> JSONDict:
    """A Bot API `Chat`: private (id == the user's id) or a group (negative id)."""
    data: JSONDict = {"id": chat_id, "type": kind}
    if title:
        data["title"] = title
    return data


def message_json(
    text: str | None,
    *,
    user: JSONDict,
    message_id: int,
    date: int,
    chat: JSONDict | None = None,
    reply_to: JSONDict | None = None,
) -> JSONDict:
    """A Bot API `Message` from `user`; a leading /command gets its bot_command entity."""
    message: JSONDict = {
        "message_id": message_id,
        "from": user,
        "chat": chat or chat_json(user["id"]),
        "date": date,
    }
    if text is not None:
        message["text"] = text
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [
                {
                    "type": "bot_command",
                    "offset": 0,
                    "length": len(command.encode("utf-16-le")) // 2,
                }
            ]
    if reply_to is not None:
        message["reply_to_message"] = reply_to
    return message


def message_update(
    text: str,
    *,
    user: JSONDict,
    update_id: int = 1,
    message_id: int = 1,
    date: int = int(DEFAULT_NOW.timestamp()),
    chat: JSONDict | None = None,
    reply_to: JSONDict | None = None,
) -> JSONDict:
    """`{"update_id": …, "message": …}` — a user types `text`."""
    message = message_json(
        text, user=user, message_id=message_id, date=date, chat=chat, reply_to=reply_to
    )
    return {"update_id": update_id, "message": message}


def edited_message_update(message: JSONDict, text: str, *, update_id: int, date: int) -> JSONDict:
    """The user edits `message`: Telegram sends it whole again, with the new text's entities (an
    edited "/note …" carries its bot_command entity as a new message would)."""
    edited = {k: v for k, v in message.items() if k != "entities"}
    edited.update(text=text, edit_date=date)
    entities = message_json(text, user=message["from"], message_id=0, date=date).get("entities")
    if entities:
        edited["entities"] = entities
    return {"update_id": update_id, "edited_message": edited}


def callback_update(
    data: str, *, message: JSONDict, user: JSONDict, update_id: int = 1, query_id: str = "1"
) -> JSONDict:
    """`{"update_id": …, "callback_query": …}` — `user` presses a button with `data` on `message`."""
    query = {
        "id": query_id,
        "from": user,
        "message": message,
        "chat_instance": str(message["chat"]["id"]),
        "data": data,
    }
    return {"update_id": update_id, "callback_query": query}


def document_update(
    file_name: str,
    *,
    user: JSONDict,
    update_id: int = 1,
    message_id: int = 1,
    date: int = int(DEFAULT_NOW.timestamp()),
    mime_type: str = "text/csv",
    file_id: str = "doc-1",
    caption: str | None = None,
) -> JSONDict:
    """A user sends a file as a document."""
    message = message_json(None, user=user, message_id=message_id, date=date)
    message["document"] = {
        "file_id": file_id,
        "file_unique_id": f"u-{file_id}",
        "file_name": file_name,
        "mime_type": mime_type,
        "file_size": 42,
    }
    if caption:
        message["caption"] = caption
    return {"update_id": update_id, "message": message}


# ---------------------------------------------------------------------- the offline Bot


@dataclass(frozen=True)
class ApiCall:
    """One Bot API call the bot made: its method and parameters (as PTB serialised them)."""

    method: str
    params: JSONDict


class RecordingRequest(InProcessRequest):
    """An offline `BaseRequest`: records every call, answers from an in-memory emulator, and
    refuses (and records) any method outside `allowed`."""

    def __init__(self, emulator: BotApiEmulator, allowed: frozenset[str] = ALLOWED_METHODS):
        super().__init__(emulator)
        self.allowed = allowed
        self.calls: list[ApiCall] = []
        self.unexpected: list[ApiCall] = []

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if "/file/bot" not in url:
            api_method = url.rsplit("/", 1)[-1]
            call = ApiCall(api_method, dict(request_data.parameters) if request_data else {})
            self.calls.append(call)
            if api_method not in self.allowed:
                self.unexpected.append(call)
                return 400, (
                    b'{"ok":false,"error_code":400,"description":"unexpected Bot API method '
                    b'in an offline test"}'
                )
        return await super().do_request(url, method, request_data)

    def methods(self) -> list[str]:
        return [call.method for call in self.calls]


# ---------------------------------------------------------------------- results


@dataclass
class Outcome:
    """What one update made the bot do in the sender's chat."""

    messages: list[BotMessage] = field(default_factory=list)  # new messages, in order
    edited: list[BotMessage] = field(default_factory=list)  # messages edited while handling
    answer: JSONDict | None = None  # the callback answer (toast), for a press
    calls: list[ApiCall] = field(default_factory=list)

    @property
    def message(self) -> BotMessage:
        """The one message this update produced (sent, or else edited)."""
        found = self.messages or self.edited
        if len(found) != 1:
            described = [m.describe() for m in found]
            raise AssertionError(f"expected exactly one message, got {described}")
        return found[0]

    @property
    def toast(self) -> str | None:
        if self.answer is None:
            raise AssertionError("the press was not answered (the button would spin)")
        text = self.answer.get("text")
        return text if isinstance(text, str) else None


def labels(message: BotMessage) -> list[str]:
    """The texts of a message's inline buttons, row by row."""
    return [button.text for button in message.buttons]


# ---------------------------------------------------------------------- the conversation


class Chat:
    """One person's private chat with the bot; each call is one `process_update`."""

    def __init__(self, harness: Harness, user: EmulatedUser) -> None:
        self.harness = harness
        self.user = user
        self.id = user.id
        self.last_request: JSONDict | None = None  # the message dict of the last send()

    async def send(self, text: str, *, reply_to: BotMessage | None = None) -> BotMessage:
        """The user types `text`; returns the last message the bot sent back (fails if none)."""
        outcome = await self.send_all(text, reply_to=reply_to)
        if not outcome.messages:
            raise AssertionError(f"no reply to {text!r}\n{self.harness.transcript(self.id)}")
        return outcome.messages[-1]

    async def send_all(self, text: str, *, reply_to: BotMessage | None = None) -> Outcome:
        emulator = self.harness.emulator
        message = emulator.user_sends_text(
            self.user, None, text, reply_to_message_id=reply_to.message_id if reply_to else None
        )
        self.last_request = message
        return await self.harness.deliver("message", message, self.id)

    async def send_voice(self, *, duration: int = 3) -> Outcome:
        message = self.harness.emulator.user_sends_voice(self.user, duration=duration)
        return await self.harness.deliver("message", message, self.id)

    async def send_document(self, file_name: str) -> Outcome:
        """A file sent as a document (built by the factory: no feature quotes or downloads it,
        so the emulator need not know the message)."""
        update = document_update(
            file_name,
            user=self.user.to_api(),
            update_id=self.harness.next_update_id(),
            message_id=10_000 + self.harness.next_update_id(),
            date=self.harness.timestamp(),
        )
        return await self.harness.process(update, self.id)

    async def send_file(
        self, file_name: str, content: bytes, *, mime_type: str = "text/markdown"
    ) -> Outcome:
        """A file sent as a document whose bytes the bot can download (getFile)."""
        message = self.harness.emulator.user_sends_document(
            self.user, content=content, file_name=file_name, mime_type=mime_type
        )
        return await self.harness.deliver("message", message, self.id)

    async def edit(self, message: JSONDict, text: str) -> Outcome:
        """The user edits a message they sent (e.g. `chat.last_request`)."""
        edited = self.harness.emulator.user_edits_text(self.user, None, message["message_id"], text)
        return await self.harness.deliver("edited_message", edited, self.id)

    async def redeliver(self, message: JSONDict) -> Outcome:
        """Telegram delivers the same message again (a new update_id)."""
        return await self.harness.deliver("message", dict(message), self.id)

    async def press(self, message: BotMessage, button: str | int) -> Outcome:
        """Press a button of `message` by index, exact label, or the start of a unique label."""
        chosen = _button(message, button)
        if chosen.callback_data is None:
            raise AssertionError(f"button {chosen.text!r} opens a URL; nothing to press")
        return await self.press_data(message, chosen.callback_data, strict=True)

    async def press_data(self, message: BotMessage, data: str, *, strict: bool = False) -> Outcome:
        """A press carrying `data` on `message`; strict=False forges one the message lacks."""
        query = self.harness.emulator.user_presses(
            self.user, None, message.message_id, data, strict=strict
        )
        outcome = await self.harness.deliver("callback_query", query, self.id)
        outcome.answer = self.harness.emulator.callback_answers.get(query["id"])
        return outcome


def _button(message: BotMessage, choice: str | int) -> Any:
    if isinstance(choice, int) or choice in labels(message):
        return message.button(choice)
    starting = [b for b in message.buttons if b.text.startswith(choice)]
    if len(starting) != 1:
        raise AssertionError(f"no single button {choice!r} on {message.describe()}")
    return starting[0]


# ---------------------------------------------------------------------- the harness


def clocked_services(runtime: Runtime, clock: FakeClock, proactive: ProactiveConfig) -> Any:
    """The runtime's services with every time-aware one on `clock` (no wall-clock reads)."""
    services = runtime.services
    settings = runtime.settings
    uow, tz = runtime.uow, settings.timezone
    rules_config = load_rules_config(settings.rules_config)
    staff = StaffService(uow, clock=clock, invite_ttl_days=settings.invite_ttl_days)
    clients = ClientService(uow, clock=clock, timezone=tz, tiers=rules_config.tiers)
    alerts = AlertService(uow, proactive, clock=clock, timezone=tz)
    services.staff = staff
    services.clients = clients
    services.notes = NoteService(uow, checker=services.checker, clock=clock)
    services.followups = FollowUpService(uow, clients, clock=clock)
    services.asking = AskingService(uow, services.curation, clock=clock, timezone=tz)
    services.feedback = FeedbackService(uow, clock=clock)
    services.alerts = alerts
    services.briefings = BriefingService(
        uow, proactive, alerts, clock=clock, timezone=tz, staff_changed=staff.forget
    )
    services.deliveries = DeliveryLedger(uow, clock=clock)
    services.scheduler_lock = SchedulerLock(
        uow, clock=clock, ttl_seconds=proactive.lock_ttl_seconds
    )
    services.rules = RulesService(uow, rules_config, clock=clock, timezone=tz)
    services.journal = Journal(uow, clock=clock)
    services.tickets = TicketService(uow, proactive, clock=clock, timezone=tz)
    services.team.clock = clock
    services.broadcasts.clock = clock
    services.review = ReviewService(
        uow, services.curation, clock=clock, timezone=tz, journal=services.journal
    )
    services.gaps = GapService(
        uow, services.curation, clock=clock, timezone=tz, journal=services.journal
    )
    if services.lexicon is not None:
        services.lexicon = LexiconEditor(
            uow,
            services.lexicon._checker,  # the live checker the runtime built it with
            services.lexicon.shipped,
            journal=services.journal,
            clock=clock,
        )
    return services


_shipped_glossary = functools.cache(answering.load_glossary)
_shipped_policy = functools.cache(answering.load_policy)


def harness_settings(data_dir: Path) -> Settings:
    return Settings(_env_file=None, data_dir=data_dir, embedder=EMBEDDER)  # type: ignore[call-arg]


class Harness:
    """The bot's Application on a data directory, driven update by update."""

    def __init__(
        self,
        runtime: Runtime,
        application: AnyApplication,
        emulator: BotApiEmulator,
        request: RecordingRequest,
        clock: FakeClock,
    ) -> None:
        self.runtime = runtime
        self.application = application
        self.emulator = emulator
        self.request = request
        self.clock = clock
        self.errors: list[BaseException] = []
        self._update_ids = itertools.count(1_000_000)
        self._telegram_ids = itertools.count(900_001)

    @classmethod
    async def open(
        cls, data_dir: Path, *, now: datetime = DEFAULT_NOW, migrate: bool = True
    ) -> Harness:
        """The bot on data_dir; migrate=False for a copy of a database already migrated."""
        clock = FakeClock(now)
        emulator = BotApiEmulator(clock=lambda: clock.now.timestamp())
        request = RecordingRequest(emulator)
        settings = harness_settings(data_dir)
        # The shipped glossary and policy are read once per session, not once per test: they
        # are read-only, and parsing them was most of a test's set-up time.
        with (
            mock.patch.object(answering, "load_glossary", _shipped_glossary),
            mock.patch.object(answering, "load_policy", _shipped_policy),
        ):
            runtime = await build_runtime(settings, migrate=migrate)
        services = clocked_services(runtime, clock, runtime.services.briefings.config)
        application = build_application(
            settings,
            services,
            token=emulator.token,
            request=request,
            get_updates_request=RecordingRequest(emulator, allowed=frozenset()),
        )
        harness = cls(runtime, application, emulator, request, clock)

        async def record(update: object, context: CallbackContext[Any, Any, Any, Any]) -> None:
            # Domain errors are mapped to short replies (the tests assert those replies);
            # anything else is a bug the user would only see as an error id.
            if context.error is not None and not isinstance(context.error, EXPECTED_ERRORS):
                harness.errors.append(context.error)

        application.add_error_handler(record)
        await application.initialize()
        return harness

    async def close(self) -> None:
        """Shut down; fail on unexpected Bot API methods or unhandled handler errors."""
        try:
            await self.application.shutdown()
        finally:
            await self.runtime.aclose()
        assert not self.request.unexpected, f"unexpected Bot API calls: {self.request.unexpected}"
        assert not self.errors, f"handler errors nobody expected: {self.errors!r}"

    def take_errors(self) -> list[BaseException]:
        """The handler errors so far (a test that provokes one takes it, so close() passes)."""
        taken, self.errors = self.errors, []
        return taken

    @property
    def services(self) -> Any:
        return self.application.bot_data.services

    # -------------------------------------------------------------- people

    def user(
        self,
        telegram_id: int | None = None,
        first_name: str = "用户",
        language_code: str | None = "zh-hans",
    ) -> Chat:
        """Someone with a private chat to the bot (not bound to any staff member)."""
        user = EmulatedUser(
            id=telegram_id or next(self._telegram_ids),
            first_name=first_name,
            language_code=language_code,
        )
        return Chat(self, self.emulator.add_user(user))

    async def staff(
        self, staff_id: str, telegram_id: int | None = None, name: str = "用户"
    ) -> Chat:
        """A chat bound to staff_id through a real invite and `/start <code>`."""
        chat = self.user(telegram_id, name)
        invite = await self.services.staff.create_invite(staff_id)
        await chat.send(f"/start {invite.code}")
        bound = await self.services.staff.by_telegram_user(chat.id)
        assert bound is not None and bound.staff_id == staff_id, self.transcript(chat.id)
        return chat

    # -------------------------------------------------------------- updates

    def next_update_id(self) -> int:
        return next(self._update_ids)

    def timestamp(self) -> int:
        return int(self.clock.now.timestamp())

    async def deliver(self, kind: str, payload: JSONDict, chat_id: int) -> Outcome:
        """Hand one update of `kind` to the Application and collect what it did in chat_id."""
        return await self.process({"update_id": self.next_update_id(), kind: payload}, chat_id)

    async def process(self, update: JSONDict, chat_id: int) -> Outcome:
        """`Application.process_update(Update.de_json(update))`, and what changed in chat_id."""
        before_sent = len(self.emulator.sent_messages(chat_id))
        before_edits = {id(m): len(m.edits) for m in self.emulator.sent_messages(chat_id)}
        before_calls = len(self.request.calls)
        await self.application.process_update(Update.de_json(update, self.application.bot))
        sent = self.emulator.sent_messages(chat_id)
        edited = [m for m in sent[:before_sent] if len(m.edits) > before_edits.get(id(m), 0)]
        return Outcome(
            messages=sent[before_sent:], edited=edited, calls=self.request.calls[before_calls:]
        )

    def sent_to(self, chat: Chat | int) -> list[BotMessage]:
        return self.emulator.sent_messages(chat if isinstance(chat, int) else chat.id)

    def transcript(self, chat_id: int) -> str:
        lines = [f"messages to chat {chat_id}:"]
        lines += ["  " + m.describe() for m in self.emulator.sent_messages(chat_id)]
        lines += [
            f"  ! {e.method} {e.error_code} {e.description}" for e in self.emulator.api_errors
        ]
        lines += [f"  ! handler error {e!r}" for e in self.errors]
        return "\n".join(lines)


def texts(messages: Sequence[BotMessage]) -> list[str]:
    return [m.plain_text for m in messages]
