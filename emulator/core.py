"""An in-memory Telegram Bot API at the JSON level, independent of any transport.

`BotApiEmulator.call(method, params, files)` answers like api.telegram.org (status code and the
`{"ok": …}` body), validating the way Telegram does. Tests and the console inject what users
do (`user_sends_text`, `user_presses`, …) and inspect what the bot sent (`sent_messages`).
Waiting is event-driven: `wait_until(predicate)` wakes on every change, never by sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import logging
import re
import struct
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Literal

from emulator.html import html_to_entities, utf16_length
from emulator.models import (
    ApiCallError,
    BotActivity,
    BotMessage,
    EmulatedChat,
    EmulatedUser,
    EntityOverflow,
    MessageVersion,
    StoredFile,
    UploadedFile,
)
from emulator.ratelimit import RateLimiter, RateLimits
from emulator.validation import (
    MAX_ENTITIES,
    ApiError,
    JSONDict,
    Params,
    bad_request,
    check_caption,
    check_markup,
    check_text,
)

_LOGGER = logging.getLogger(__name__)

DEFAULT_TOKEN = "123456789:EMULATED-bot-api-token"

_COMMAND = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
_BOT_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")


def command_entities(text: str) -> list[JSONDict]:
    """The bot_command entities Telegram marks in a user's text (new or edited alike)."""
    return [
        {
            "type": "bot_command",
            "offset": utf16_length(text[: match.start()]),
            "length": utf16_length(match.group(0)),
        }
        for match in _COMMAND.finditer(text)
    ]


_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
# Leading bytes → (extension, MIME type), so stored files get a usable name.
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
    (b"\xff\xd8\xff", "jpg", "image/jpeg"),
    (b"GIF8", "gif", "image/gif"),
    (b"%PDF", "pdf", "application/pdf"),
    (b"OggS", "oga", "audio/ogg"),
)

Files = Mapping[str, UploadedFile]
Handler = Callable[["Params", Files], Awaitable[Any]]


class _Poll:
    """One getUpdates call in progress; a newer one terminates it with 409."""

    conflicted = False


class BotApiEmulator:
    """The Bot API of one bot: its users and chats, the update queue and everything it sent."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "ambot_demo_bot",
        bot_first_name: str = "ambot",
        rate_limits: RateLimits | None = None,
        clock: Callable[[], float] = time.time,
        entity_limit: Literal["reject", "telegram"] = "reject",
    ) -> None:
        """`entity_limit`: what a text with more than 100 formatting entities gets. Telegram
        accepts it and shows everything after the 100th entity unformatted ("telegram": the
        same here, the message keeps its first 100 entities); "reject" (the default) answers
        400 instead, so a view that would lose its formatting fails the test that sends it.
        Either way the overflow is recorded in `entity_overflows`."""
        prefix = token.split(":", 1)[0]
        self.token = token
        self.bot_user = EmulatedUser(
            id=int(prefix) if prefix.isdigit() else 123456789,
            first_name=bot_first_name,
            username=bot_username,
            is_bot=True,
        )
        self._clock = clock
        self._limiter: RateLimiter | None = None
        self.rate_limits = rate_limits

        self.users: dict[int, EmulatedUser] = {}
        self.chats: dict[int, EmulatedChat] = {}
        self._next_message_id: dict[int, int] = {}
        self._incoming: dict[tuple[int, int], JSONDict] = {}
        self._bot_messages: dict[tuple[int, int], BotMessage] = {}
        self.outbox: list[BotMessage] = []
        self._outbox_by_chat: dict[int, list[BotMessage]] = {}
        self.activity: list[BotActivity] = []
        self.files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._file_counter = 0
        self.callback_queries: dict[str, JSONDict] = {}
        self.callback_answers: dict[str, JSONDict] = {}
        self._callback_counter = 0
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}
        self.menu_buttons: dict[int | None, JSONDict] = {}
        self.webhook: JSONDict | None = None
        self.chat_actions: list[tuple[int, str]] = []

        self._updates: list[JSONDict] = []
        self.last_update_id = 0
        # getUpdates was called with this offset: every update below it is confirmed.
        self.confirmed_offset = 0
        self.delivered_update_id = 0
        self._active_poll: _Poll | None = None
        self._closed = False

        self.calls: Counter[str] = Counter()
        self.api_errors: list[ApiCallError] = []
        self.entity_limit = entity_limit
        self.entity_overflows: list[EntityOverflow] = []
        self._listeners: list[Callable[[BotActivity], None]] = []
        self._changed: asyncio.Event | None = None

        self._methods: dict[str, Handler] = {
            "getme": self._get_me,
            "getupdates": self._get_updates,
            "deletewebhook": self._delete_webhook,
            "setwebhook": self._set_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "logout": self._ok,
            "close": self._ok,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "setchatmenubutton": self._set_chat_menu_button,
            "getchatmenubutton": self._get_chat_menu_button,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagecaption": self._edit_message_caption,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "deletemessage": self._delete_message,
            "answercallbackquery": self._answer_callback_query,
            "sendchataction": self._send_chat_action,
            "sendphoto": self._send_photo,
            "senddocument": self._send_document,
            "getchat": self._get_chat,
            "getfile": self._get_file,
        }

    # ------------------------------------------------------------------ configuration

    @property
    def rate_limits(self) -> RateLimits | None:
        return self._limiter.limits if self._limiter else None

    @rate_limits.setter
    def rate_limits(self, limits: RateLimits | None) -> None:
        """Switch flood limits on (fresh windows) or off (None)."""
        self._limiter = RateLimiter(limits, self._clock) if limits else None

    def add_user(self, user: EmulatedUser) -> EmulatedUser:
        """Register a user and their private chat with the bot (chat id == user id)."""
        self.users[user.id] = user
        self.chats.setdefault(
            user.id,
            EmulatedChat(
                id=user.id,
                type="private",
                username=user.username,
                first_name=user.first_name,
                last_name=user.last_name,
            ),
        )
        return user

    def add_group(self, chat_id: int, title: str, *, type: str = "group") -> EmulatedChat:
        """Register a group the bot is a member of (negative id)."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        if type not in ("group", "supergroup"):
            raise ValueError(f"unsupported group type {type!r}")
        chat = EmulatedChat(id=chat_id, type="group" if type == "group" else "supergroup")
        chat.title = title
        self.chats[chat_id] = chat
        return chat

    def set_blocked(self, chat: EmulatedChat | EmulatedUser | int, blocked: bool = True) -> None:
        """The user blocks (or unblocks) the bot: sends to that chat fail with 403."""
        self._chat(chat).blocked = blocked

    # ------------------------------------------------------------------ user actions

    def user_sends_text(
        self,
        user: EmulatedUser,
        chat: EmulatedChat | int | None,
        text: str,
        *,
        reply_to_message_id: int | None = None,
    ) -> JSONDict:
        """The user sends a text message; returns the message dict (commands get entities)."""
        message = self._new_user_message(user, chat)
        message["text"] = text
        if entities := command_entities(text):
            message["entities"] = entities
        if reply_to_message_id is not None:
            message["reply_to_message"] = self._message_dict_by_id(
                message["chat"]["id"], reply_to_message_id
            )
        self._store_incoming(message)
        self.enqueue("message", message)
        return message

    def user_edits_text(
        self, user: EmulatedUser, chat: EmulatedChat | int | None, message_id: int, text: str
    ) -> JSONDict:
        """The user edits one of their text messages (an `edited_message` update)."""
        chat_id = self._chat(chat if chat is not None else user.id).id
        original = self._incoming.get((chat_id, message_id))
        if original is None or original["from"]["id"] != user.id:
            raise LookupError(f"user {user.id} sent no message {message_id} in chat {chat_id}")
        edited = copy.deepcopy(original)
        edited["text"] = text
        edited.pop("entities", None)  # the old text's; the new text's, as Telegram sends them
        if entities := command_entities(text):
            edited["entities"] = entities
        edited["edit_date"] = self._now()
        self._incoming[(chat_id, message_id)] = edited
        self.enqueue("edited_message", edited)
        return edited

    def user_presses(
        self,
        user: EmulatedUser,
        chat: EmulatedChat | int | None,
        message_id: int,
        callback_data: str,
        *,
        strict: bool = True,
    ) -> JSONDict:
        """The user presses an inline button; `strict` requires the button to be on screen."""
        chat_id = self._chat(chat if chat is not None else user.id).id
        message = self._bot_messages.get((chat_id, message_id))
        if message is None or message.deleted:
            raise LookupError(f"the bot has no message {message_id} in chat {chat_id}")
        if strict and callback_data not in {b.callback_data for b in message.buttons}:
            raise LookupError(
                f"message {message_id} has no button with callback_data {callback_data!r}"
            )
        self._callback_counter += 1
        query_id = f"{self.bot_user.id}{self._callback_counter:08d}"
        query = {
            "id": query_id,
            "from": user.to_api(),
            "message": self._bot_message_dict(message),
            "chat_instance": str(abs(hash((self.bot_user.id, chat_id)))),
            "data": callback_data,
        }
        self.callback_queries[query_id] = query
        self.enqueue("callback_query", query)
        return query

    def user_sends_voice(
        self,
        user: EmulatedUser,
        chat: EmulatedChat | int | None = None,
        *,
        content: bytes = b"OggS",
        duration: int = 3,
        mime_type: str = "audio/ogg",
        caption: str | None = None,
    ) -> JSONDict:
        """The user sends a voice note; its bytes are downloadable through getFile."""
        stored = self._store_file(content, kind="voice", filename=None, mime_type=mime_type)
        message = self._new_user_message(user, chat)
        message["voice"] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": duration,
            "mime_type": mime_type,
            "file_size": stored.size,
        }
        if caption:
            message["caption"] = caption
        self._store_incoming(message)
        self.enqueue("message", message)
        return message

    def user_sends_document(
        self,
        user: EmulatedUser,
        chat: EmulatedChat | int | None = None,
        *,
        content: bytes,
        file_name: str,
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
    ) -> JSONDict:
        """The user sends a file as a document; its bytes are downloadable through getFile."""
        stored = self._store_file(content, kind="document", filename=file_name, mime_type=mime_type)
        message = self._new_user_message(user, chat)
        message["document"] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": stored.size,
        }
        if caption:
            message["caption"] = caption
        self._store_incoming(message)
        self.enqueue("message", message)
        return message

    def enqueue(self, kind: str, payload: JSONDict) -> JSONDict:
        """Queue an update of any kind (`message`, `callback_query`, …); returns the update."""
        self.last_update_id += 1
        update = {"update_id": self.last_update_id, kind: payload}
        self._updates.append(update)
        self._notify()
        return update

    def replay(self, update: JSONDict) -> JSONDict:
        """Deliver the same update again under a new update_id (Telegram redelivery)."""
        kinds = [key for key in update if key != "update_id"]
        if len(kinds) != 1:
            raise ValueError("an update has exactly one payload")
        return self.enqueue(kinds[0], copy.deepcopy(update[kinds[0]]))

    # ------------------------------------------------------------------ inspection

    def sent_messages(
        self, chat: EmulatedChat | EmulatedUser | int | None = None
    ) -> list[BotMessage]:
        """Messages the bot sent, oldest first (to one chat, or to all)."""
        if chat is None:
            return list(self.outbox)
        return list(self._outbox_by_chat.get(self._chat_id(chat), ()))

    def bot_message(self, chat: EmulatedChat | EmulatedUser | int, message_id: int) -> BotMessage:
        return self._bot_messages[(self._chat_id(chat), message_id)]

    def file(self, file_path: str) -> StoredFile | None:
        """A stored file by its path (what `/file/bot<token>/<path>` serves)."""
        return self._files_by_path.get(file_path)

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Updates not yet confirmed by the bot."""
        return list(self._updates)

    @property
    def polling(self) -> bool:
        """A getUpdates call is waiting (the bot is connected and has fetched everything)."""
        return self._active_poll is not None

    def add_listener(self, listener: Callable[[BotActivity], None]) -> Callable[[], None]:
        """Call `listener` on every bot activity; returns a function that removes it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    # ------------------------------------------------------------------ waiting

    async def wait_until(self, predicate: Callable[[], bool]) -> None:
        """Return once `predicate()` holds, re-checked on every change (bound it with a timeout)."""
        while not predicate():
            if self._changed is None:
                self._changed = asyncio.Event()
            await self._changed.wait()

    async def wait_confirmed(self, update_id: int | None = None) -> None:
        """Return once the bot confirmed `update_id` (default: the last one) by a later offset.

        PTB's updater hands fetched updates to `application.update_queue` before it asks for
        the next batch, so a confirmed update is in the Application's hands.
        """
        target = self.last_update_id if update_id is None else update_id
        await self.wait_until(lambda: self.confirmed_offset > target)

    def close(self) -> None:
        """Release pending long polls and answer further getUpdates at once (shutdown)."""
        self._closed = True
        self._notify()

    def _notify(self) -> None:
        if self._changed is not None:
            self._changed.set()
            self._changed = None

    def _emit(self, activity: BotActivity) -> None:
        self.activity.append(activity)
        for listener in list(self._listeners):
            try:
                listener(activity)
            except Exception:
                _LOGGER.exception("emulator listener failed")
        self._notify()

    # ------------------------------------------------------------------ the API

    async def call(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        files: Files | None = None,
        *,
        token: str | None = None,
    ) -> tuple[int, JSONDict]:
        """Answer one Bot API call: (HTTP status, response body)."""
        self.calls[method] += 1
        p = Params(params)
        try:
            if token is not None and token != self.token:
                raise ApiError(401, "Unauthorized")
            handler = self._methods.get(method.lower())
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            result = await handler(p, files or {})
        except ApiError as exc:
            chat_id = p.raw.get("chat_id")
            self.api_errors.append(ApiCallError(method, exc.error_code, exc.description, chat_id))
            body: JSONDict = {
                "ok": False,
                "error_code": exc.error_code,
                "description": exc.description,
            }
            if exc.parameters:
                body["parameters"] = exc.parameters
            return exc.error_code, body
        except Exception as exc:  # a bug in the emulator: answer like a failing server
            _LOGGER.exception("emulator failed on %s", method)
            self.api_errors.append(ApiCallError(method, 500, repr(exc)))
            return 500, {
                "ok": False,
                "error_code": 500,
                "description": f"Internal Server Error: {exc!r}",
            }
        return 200, {"ok": True, "result": result}

    async def _ok(self, p: Params, files: Files) -> bool:
        return True

    async def _get_me(self, p: Params, files: Files) -> JSONDict:
        return {
            **self.bot_user.to_api(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _get_updates(self, p: Params, files: Files) -> list[JSONDict]:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = p.integer("offset")
        limit = min(max(p.integer("limit") or 100, 1), 100)
        timeout = max(p.number("timeout") or 0.0, 0.0)
        if offset is not None:
            self._confirm(offset)
        if self._active_poll is not None:
            self._active_poll.conflicted = True
            self._notify()
        poll = _Poll()
        self._active_poll = poll
        self._notify()
        try:
            if timeout and not self._closed:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(timeout):
                        await self.wait_until(
                            lambda: bool(self._updates) or poll.conflicted or self._closed
                        )
            if poll.conflicted:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            batch = [copy.deepcopy(u) for u in self._updates[:limit]]
        finally:
            if self._active_poll is poll:
                self._active_poll = None
                self._notify()
        if batch:
            self.delivered_update_id = max(self.delivered_update_id, batch[-1]["update_id"])
        return batch

    def _confirm(self, offset: int) -> None:
        if offset < 0:
            # Negative offsets keep only the last -offset updates.
            self._updates = self._updates[offset:]
            return
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if offset > self.confirmed_offset:
            self.confirmed_offset = offset
            self._notify()

    async def _delete_webhook(self, p: Params, files: Files) -> bool:
        self.webhook = None
        if p.flag("drop_pending_updates"):
            if self._updates:
                self._confirm(self._updates[-1]["update_id"] + 1)
            self._updates.clear()
        return True

    async def _set_webhook(self, p: Params, files: Files) -> bool:
        url = p.string("url") or ""
        if not url:
            self.webhook = None
            return True
        if not url.startswith("https://") and not url.startswith("http://127.0.0.1"):
            raise bad_request("bad webhook: HTTPS url must be provided for webhook")
        self.webhook = {"url": url, "secret_token": p.string("secret_token")}
        if p.flag("drop_pending_updates"):
            self._updates.clear()
        self._notify()
        return True

    async def _get_webhook_info(self, p: Params, files: Files) -> JSONDict:
        return {
            "url": self.webhook["url"] if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    @staticmethod
    def _commands_key(p: Params) -> tuple[str, str]:
        scope = p.json("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), p.string("language_code") or ""

    async def _set_my_commands(self, p: Params, files: Files) -> bool:
        commands = p.json("commands")
        if not isinstance(commands, list):
            raise bad_request("commands is empty")
        for command in commands:
            if not isinstance(command, dict) or not _BOT_COMMAND_NAME.match(
                str(command.get("command", ""))
            ):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._commands_key(p)] = commands
        return True

    async def _get_my_commands(self, p: Params, files: Files) -> list[JSONDict]:
        return self.commands.get(self._commands_key(p), [])

    async def _delete_my_commands(self, p: Params, files: Files) -> bool:
        self.commands.pop(self._commands_key(p), None)
        return True

    async def _set_chat_menu_button(self, p: Params, files: Files) -> bool:
        chat_id = p.integer("chat_id")
        if chat_id is not None:
            self._chat(chat_id)
        self.menu_buttons[chat_id] = p.json("menu_button") or {"type": "default"}
        return True

    async def _get_chat_menu_button(self, p: Params, files: Files) -> JSONDict:
        chat_id = p.integer("chat_id")
        return self.menu_buttons.get(chat_id) or self.menu_buttons.get(None) or {"type": "commands"}

    async def _get_chat(self, p: Params, files: Files) -> JSONDict:
        chat = self._resolve_chat(p, for_sending=False)
        data = chat.to_api()
        data["accent_color_id"] = 0
        data["max_reaction_count"] = 11
        return data

    async def _get_file(self, p: Params, files: Files) -> JSONDict:
        stored = self.files.get(p.string("file_id") or "")
        if stored is None:
            raise bad_request("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.file_path,
        }

    async def _send_chat_action(self, p: Params, files: Files) -> bool:
        chat = self._resolve_chat(p)
        action = p.string("action")
        if not action:
            raise bad_request("action is empty")
        self.chat_actions.append((chat.id, action))
        self._emit(BotActivity("chat_action", chat.id, details={"action": action}))
        return True

    async def _send_message(self, p: Params, files: Files) -> JSONDict:
        chat = self._resolve_chat(p)
        text = p.string("text") or ""
        parse_mode = p.string("parse_mode")
        self._entities_within_limit("sendMessage", chat.id, check_text(text, parse_mode))
        markup = check_markup(p.json("reply_markup"))
        reply_to = self._reply_target(p, chat)
        self._acquire(chat)
        return self._store_bot_message(
            BotMessage(
                chat_id=chat.id,
                message_id=self._allocate_message_id(chat.id),
                date=self._now(),
                method="sendMessage",
                text=text,
                parse_mode=parse_mode,
                reply_markup=markup,
                reply_to_message_id=reply_to,
            )
        )

    async def _send_photo(self, p: Params, files: Files) -> JSONDict:
        return await self._send_media(p, files, "photo")

    async def _send_document(self, p: Params, files: Files) -> JSONDict:
        return await self._send_media(p, files, "document")

    async def _send_media(self, p: Params, files: Files, kind: str) -> JSONDict:
        chat = self._resolve_chat(p)
        caption = p.string("caption")
        parse_mode = p.string("parse_mode")
        if caption:
            method = "sendPhoto" if kind == "photo" else "sendDocument"
            self._entities_within_limit(method, chat.id, check_caption(caption, parse_mode))
        markup = check_markup(p.json("reply_markup"))
        stored = self._input_file(p, files, kind)
        reply_to = self._reply_target(p, chat)
        self._acquire(chat)
        message = BotMessage(
            chat_id=chat.id,
            message_id=self._allocate_message_id(chat.id),
            date=self._now(),
            method="sendPhoto" if kind == "photo" else "sendDocument",
            text=caption,
            parse_mode=parse_mode,
            reply_markup=markup,
            reply_to_message_id=reply_to,
        )
        if kind == "photo":
            message.photo = stored
        else:
            message.document = stored
        return self._store_bot_message(message)

    async def _edit_message_text(self, p: Params, files: Files) -> JSONDict:
        message = self._editable(p)
        if message.photo or message.document:
            raise bad_request("there is no text in the message to edit")
        text = p.string("text") or ""
        parse_mode = p.string("parse_mode")
        self._entities_within_limit(
            "editMessageText", message.chat_id, check_text(text, parse_mode)
        )
        markup = check_markup(p.json("reply_markup"))
        return self._apply_edit(message, text, parse_mode, markup)

    async def _edit_message_caption(self, p: Params, files: Files) -> JSONDict:
        message = self._editable(p)
        if not (message.photo or message.document):
            raise bad_request("there is no caption in the message to edit")
        caption = p.string("caption")
        parse_mode = p.string("parse_mode")
        if caption:
            self._entities_within_limit(
                "editMessageCaption", message.chat_id, check_caption(caption, parse_mode)
            )
        markup = check_markup(p.json("reply_markup"))
        return self._apply_edit(message, caption, parse_mode, markup)

    async def _edit_message_reply_markup(self, p: Params, files: Files) -> JSONDict:
        message = self._editable(p)
        markup = check_markup(p.json("reply_markup"))
        return self._apply_edit(message, message.text, message.parse_mode, markup)

    async def _delete_message(self, p: Params, files: Files) -> bool:
        chat = self._resolve_chat(p, for_sending=False)
        message_id = p.integer("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        message = self._bot_messages.get((chat.id, message_id))
        if message is not None and not message.deleted:
            message.deleted = True
            self._emit(BotActivity("deleted", chat.id, message))
            return True
        if self._incoming.pop((chat.id, message_id), None) is not None:
            return True
        raise bad_request("message to delete not found")

    async def _answer_callback_query(self, p: Params, files: Files) -> bool:
        query_id = p.string("callback_query_id") or ""
        query = self.callback_queries.get(query_id)
        if query is None or query_id in self.callback_answers:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = p.string("text")
        if text is not None and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        answer = {"text": text, "show_alert": p.flag("show_alert"), "url": p.string("url")}
        self.callback_answers[query_id] = answer
        chat_id = query["message"]["chat"]["id"] if query.get("message") else None
        self._emit(
            BotActivity("callback_answered", chat_id, details={"query_id": query_id, **answer})
        )
        return True

    def _reply_target(self, p: Params, chat: EmulatedChat) -> int | None:
        reply = p.json("reply_parameters")
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            allow_missing = bool(reply.get("allow_sending_without_reply"))
        else:
            message_id = p.integer("reply_to_message_id")
            allow_missing = p.flag("allow_sending_without_reply")
        if message_id is None:
            return None
        message_id = int(message_id)
        exists = (chat.id, message_id) in self._incoming or (
            chat.id,
            message_id,
        ) in self._bot_messages
        if not exists:
            if allow_missing:
                return None
            raise bad_request("message to be replied not found")
        return message_id

    def _acquire(self, chat: EmulatedChat) -> None:
        if self._limiter is None:
            return
        retry_after = self._limiter.acquire(chat.id, chat.type)
        if retry_after is not None:
            raise ApiError(
                429,
                f"Too Many Requests: retry after {retry_after}",
                {"retry_after": retry_after},
            )

    # ------------------------------------------------------------------ helpers

    def _now(self) -> int:
        return int(self._clock())

    def _chat_id(self, chat: EmulatedChat | EmulatedUser | int) -> int:
        return chat if isinstance(chat, int) else chat.id

    def _chat(self, chat: EmulatedChat | EmulatedUser | int) -> EmulatedChat:
        chat_id = self._chat_id(chat)
        try:
            return self.chats[chat_id]
        except KeyError:
            raise LookupError(f"unknown chat {chat_id}: add_user/add_group first") from None

    def _resolve_chat(self, p: Params, *, for_sending: bool = True) -> EmulatedChat:
        chat_id = p.chat_id()
        if isinstance(chat_id, str):
            found = next((c for c in self.chats.values() if f"@{c.username}" == chat_id), None)
        else:
            found = self.chats.get(chat_id)
        if found is None:
            raise bad_request("chat not found")
        if for_sending and found.blocked:
            if found.type == "private":
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            raise ApiError(403, "Forbidden: bot was kicked from the group chat")
        return found

    def _allocate_message_id(self, chat_id: int) -> int:
        next_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = next_id + 1
        return next_id

    def _new_user_message(self, user: EmulatedUser, chat: EmulatedChat | int | None) -> JSONDict:
        if user.id not in self.users:
            self.add_user(user)
        target = self._chat(chat if chat is not None else user.id)
        return {
            "message_id": self._allocate_message_id(target.id),
            "from": user.to_api(),
            "chat": target.to_api(),
            "date": self._now(),
        }

    def _store_incoming(self, message: JSONDict) -> None:
        self._incoming[(message["chat"]["id"], message["message_id"])] = message

    def _message_dict_by_id(self, chat_id: int, message_id: int) -> JSONDict:
        if (chat_id, message_id) in self._bot_messages:
            return self._bot_message_dict(self._bot_messages[(chat_id, message_id)])
        if (chat_id, message_id) in self._incoming:
            return copy.deepcopy(self._incoming[(chat_id, message_id)])
        raise LookupError(f"no message {message_id} in chat {chat_id}")

    def _entities_within_limit(self, method: str, chat_id: int, count: int) -> None:
        """Record a text over Telegram's entity limit; refuse it unless emulating Telegram's
        silent truncation."""
        if count <= MAX_ENTITIES:
            return
        self.entity_overflows.append(EntityOverflow(method, chat_id, count))
        if self.entity_limit == "reject":
            raise bad_request(
                f"too many message entities: {count} > {MAX_ENTITIES} "
                "(Telegram would show the formatting after the 100th as plain text)"
            )

    def _store_bot_message(self, message: BotMessage) -> JSONDict:
        self._bot_messages[(message.chat_id, message.message_id)] = message
        self.outbox.append(message)
        self._outbox_by_chat.setdefault(message.chat_id, []).append(message)
        self._emit(BotActivity("sent", message.chat_id, message))
        return self._bot_message_dict(message)

    def _bot_message_dict(self, message: BotMessage) -> JSONDict:
        data: JSONDict = {
            "message_id": message.message_id,
            "from": self.bot_user.to_api(),
            "chat": self.chats[message.chat_id].to_api(),
            "date": message.date,
        }
        text_key = "caption" if (message.photo or message.document) else "text"
        if message.text:
            plain, entities = message.text, list[dict[str, object]]()
            if (message.parse_mode or "").lower() == "html":
                plain, entities = html_to_entities(message.text)
                entities = entities[:MAX_ENTITIES]  # Telegram ignores the rest
            data[text_key] = plain
            if entities:
                data["entities" if text_key == "text" else "caption_entities"] = entities
        if message.photo:
            data["photo"] = [
                {
                    "file_id": message.photo.file_id,
                    "file_unique_id": message.photo.file_unique_id,
                    "width": message.photo.width,
                    "height": message.photo.height,
                    "file_size": message.photo.size,
                }
            ]
        if message.document:
            document: JSONDict = {
                "file_id": message.document.file_id,
                "file_unique_id": message.document.file_unique_id,
                "file_size": message.document.size,
            }
            if message.document.filename:
                document["file_name"] = message.document.filename
            if message.document.mime_type:
                document["mime_type"] = message.document.mime_type
            data["document"] = document
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            data["reply_markup"] = copy.deepcopy(message.reply_markup)
        if message.edit_date is not None:
            data["edit_date"] = message.edit_date
        if message.reply_to_message_id is not None:
            with contextlib.suppress(LookupError):
                replied = self._message_dict_by_id(message.chat_id, message.reply_to_message_id)
                replied.pop("reply_to_message", None)
                data["reply_to_message"] = replied
        return data

    def _editable(self, p: Params) -> BotMessage:
        if p.get("inline_message_id") is not None:
            raise bad_request("inline messages are not supported by the emulator")
        chat = self._resolve_chat(p)
        message_id = p.integer("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        message = self._bot_messages.get((chat.id, message_id))
        if message is None or message.deleted:
            if (chat.id, message_id) in self._incoming:
                raise bad_request("message can't be edited")
            raise bad_request("message to edit not found")
        return message

    def _apply_edit(
        self,
        message: BotMessage,
        text: str | None,
        parse_mode: str | None,
        markup: JSONDict | None,
    ) -> JSONDict:
        # Telegram drops an inline keyboard that an edit does not repeat.
        if (text, parse_mode, markup) == (message.text, message.parse_mode, message.reply_markup):
            raise bad_request(_NOT_MODIFIED)
        message.edits.append(MessageVersion(message.text, message.parse_mode, message.reply_markup))
        message.text = text
        message.parse_mode = parse_mode
        message.reply_markup = markup
        message.edit_date = self._now()
        self._emit(BotActivity("edited", message.chat_id, message))
        return self._bot_message_dict(message)

    def _input_file(self, p: Params, files: Files, kind: str) -> StoredFile:
        value = p.get(kind)
        upload: UploadedFile | None = None
        if isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value.removeprefix("attach://"))
        elif kind in files:
            upload = files[kind]
        if upload is not None:
            return self._store_file(
                upload.content, kind=kind, filename=upload.filename, mime_type=upload.mime_type
            )
        if isinstance(value, str) and value:
            if value in self.files:
                return self.files[value]
            if value.startswith(("http://", "https://")):
                return self._store_file(b"", kind=kind, filename=None, mime_type=None, url=value)
            raise bad_request("wrong file identifier/HTTP URL specified")
        raise bad_request(f"there is no {kind} in the request")

    def _store_file(
        self,
        content: bytes,
        *,
        kind: str,
        filename: str | None,
        mime_type: str | None,
        url: str | None = None,
    ) -> StoredFile:
        self._file_counter += 1
        number = self._file_counter
        width = height = 0
        if content.startswith(b"\x89PNG\r\n\x1a\n") and len(content) >= 24:
            width, height = struct.unpack(">II", content[16:24])
        sniffed = next((m for m in _MAGIC if content.startswith(m[0])), None)
        if sniffed is not None:
            extension, sniffed_type = sniffed[1], sniffed[2]
            if not mime_type or mime_type == "application/octet-stream":
                mime_type = sniffed_type
        elif filename and "." in filename:
            extension = filename.rsplit(".", 1)[1]
        else:
            extension = {"photo": "jpg", "voice": "oga"}.get(kind, "bin")
        suffix = f".{extension}"
        stored = StoredFile(
            file_id=f"{kind.upper()}-{number:06d}-emulated",
            file_unique_id=f"U{kind[:2]}{number:06d}",
            file_path=f"{kind}s/file_{number}{suffix}",
            content=content,
            filename=filename,
            mime_type=mime_type,
            width=width,
            height=height,
            url=url,
        )
        self.files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored
