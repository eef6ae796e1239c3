"""The emulated Bot API served over HTTP on 127.0.0.1, and a conversation-style test driver.

    async with BotApiServer() as server:
        app = server.application_builder().build()      # or build_application(..., base_url)
        async with polling(app):
            telegram = Conversation(server.emulator, app)
            li = telegram.user(id=1001, first_name="丽", username="li")
            await telegram.user_sends(li, "/start")
            reply = await telegram.next_message(li)
            await telegram.press(li, reply, "确认")
            await telegram.settle()
            telegram.assert_no_more_messages(li)

How "nothing else is sent" is decided: `settle()` waits until the bot has confirmed every
queued update with a later getUpdates offset (so the updater handed it to the Application)
and, when the driver knows the Application, until `application.update_queue.join()` returns
(every handler for those updates finished). Only then is the absence of a message meaningful;
`assert_no_more_messages` refuses to judge before a `settle()` that covers the last action.
Timeouts are safety nets that turn a hang into a readable failure; nothing waits by sleeping.
"""

from __future__ import annotations

import asyncio
import json
import socket
from functools import partial
from types import TracebackType
from typing import Any

from aiohttp import web
from telegram.ext import ApplicationBuilder

from emulator import (
    BotApiEmulator,
    BotMessage,
    EmulatedChat,
    EmulatedUser,
    UploadedFile,
)
from emulator.running import AnyApplication

_dumps = partial(json.dumps, ensure_ascii=False)


class BotApiServer:
    """`POST|GET /bot<token>/<method>` and `GET /file/bot<token>/<path>` for one emulator."""

    def __init__(
        self,
        emulator: BotApiEmulator | None = None,
        *,
        token: str | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        if emulator is None:
            emulator = BotApiEmulator(token=token) if token else BotApiEmulator()
        elif token is not None and token != emulator.token:
            raise ValueError("token differs from the emulator's token")
        self.emulator = emulator
        self.host = host
        self.port = 0
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        """For `ApplicationBuilder.base_url` (PTB appends the token)."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self.port}/file/bot"

    def application_builder(self) -> ApplicationBuilder:
        """An ApplicationBuilder already pointed at this server with the emulator's token."""
        return (
            ApplicationBuilder()
            .token(self.emulator.token)
            .base_url(self.base_url)
            .base_file_url(self.base_file_url)
        )

    async def __aenter__(self) -> BotApiServer:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._file)
        # handler_cancellation: a long poll whose client went away must not linger.
        runner = web.AppRunner(
            app, handler_cancellation=True, access_log=None, shutdown_timeout=1.0
        )
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind((self.host, 0))
            site = web.SockSite(runner, sock)
            await site.start()
        except BaseException:
            sock.close()
            await runner.cleanup()
            raise
        self.port = sock.getsockname()[1]
        self._runner = runner
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.emulator.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _api(self, request: web.Request) -> web.Response:
        params: dict[str, Any] = dict(request.query)
        files: dict[str, UploadedFile] = {}
        if request.content_type == "application/json":
            body = await request.read()
            if body:
                try:
                    decoded = json.loads(body)
                except ValueError:
                    return _error(400, "Bad Request: can't parse JSON")
                if not isinstance(decoded, dict):
                    return _error(400, "Bad Request: JSON object expected")
                params.update(decoded)
        elif request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
            form = await request.post()
            for name, value in form.items():
                if isinstance(value, web.FileField):
                    files[name] = UploadedFile(
                        filename=value.filename,
                        content=value.file.read(),
                        mime_type=value.content_type,
                    )
                else:
                    params[name] = value
        status, body_json = await self.emulator.call(
            request.match_info["method"], params, files, token=request.match_info["token"]
        )
        return web.json_response(body_json, status=status, dumps=_dumps)

    async def _file(self, request: web.Request) -> web.Response:
        stored = self.emulator.file(request.match_info["path"])
        if request.match_info["token"] != self.emulator.token or stored is None:
            return _error(404, "Not Found")
        return web.Response(
            body=stored.content, content_type=stored.mime_type or "application/octet-stream"
        )


def _error(status: int, description: str) -> web.Response:
    return web.json_response(
        {"ok": False, "error_code": status, "description": description}, status=status
    )


Who = EmulatedUser | EmulatedChat | int


class Conversation:
    """Drive the bot like a person would and read its answers in order (errbot style)."""

    def __init__(
        self,
        emulator: BotApiEmulator,
        application: AnyApplication | None = None,
        *,
        timeout: float = 5.0,
    ) -> None:
        self.emulator = emulator
        self.application = application
        self.timeout = timeout
        self._consumed: dict[int, int] = {}
        self._settled_through: int | None = None

    # ---------------------------------------------------------------- people and chats

    def user(
        self,
        id: int,
        first_name: str,
        username: str | None = None,
        *,
        last_name: str | None = None,
        language_code: str | None = "zh-hans",
    ) -> EmulatedUser:
        """A Telegram user with a private chat to the bot."""
        return self.emulator.add_user(
            EmulatedUser(
                id=id,
                first_name=first_name,
                username=username,
                last_name=last_name,
                language_code=language_code,
            )
        )

    def group(self, id: int, title: str) -> EmulatedChat:
        return self.emulator.add_group(id, title)

    # ---------------------------------------------------------------- what people do

    async def user_sends(
        self,
        user: EmulatedUser,
        text: str,
        *,
        chat: EmulatedChat | None = None,
        reply_to: BotMessage | None = None,
    ) -> dict[str, Any]:
        """The user types `text` (in their private chat unless `chat` is given)."""
        return self.emulator.user_sends_text(
            user,
            chat,
            text,
            reply_to_message_id=reply_to.message_id if reply_to else None,
        )

    async def user_edits(
        self, user: EmulatedUser, message: dict[str, Any], text: str
    ) -> dict[str, Any]:
        """The user edits a message they sent earlier."""
        return self.emulator.user_edits_text(
            user, message["chat"]["id"], message["message_id"], text
        )

    async def user_sends_voice(
        self, user: EmulatedUser, content: bytes = b"OggS", *, duration: int = 3
    ) -> dict[str, Any]:
        return self.emulator.user_sends_voice(user, content=content, duration=duration)

    async def user_sends_document(
        self,
        user: EmulatedUser,
        file_name: str,
        content: bytes,
        *,
        mime_type: str = "text/markdown",
    ) -> dict[str, Any]:
        """The user sends a file as a document (downloadable by the bot through getFile)."""
        return self.emulator.user_sends_document(
            user, content=content, file_name=file_name, mime_type=mime_type
        )

    async def press(
        self, user: EmulatedUser, message: BotMessage, button: str | int
    ) -> dict[str, Any]:
        """The user presses a button of `message`, by its text or 0-based index."""
        chosen = message.button(button)
        if chosen.callback_data is None:
            raise AssertionError(f"button {chosen.text!r} opens {chosen.url!r}; nothing to press")
        return self.emulator.user_presses(
            user, message.chat_id, message.message_id, chosen.callback_data
        )

    async def replay(self, update: dict[str, Any]) -> dict[str, Any]:
        """Telegram delivers `update` again (new update_id, same message)."""
        return self.emulator.replay(update)

    def callback_answer(self, query: dict[str, Any]) -> dict[str, Any] | None:
        """What the bot answered to a button press (toast text, show_alert), if anything."""
        return self.emulator.callback_answers.get(query["id"])

    # ---------------------------------------------------------------- what the bot does

    async def next_message(self, who: Who, timeout: float | None = None) -> BotMessage:  # noqa: ASYNC109 - a safety net that fails with a diagnosis
        """The next message the bot sends to that chat (each message is returned once)."""
        chat_id = _chat_id(who)
        index = self._consumed.get(chat_id, 0)

        def arrived() -> bool:
            return len(self.emulator.sent_messages(chat_id)) > index

        limit = self.timeout if timeout is None else timeout
        try:
            async with asyncio.timeout(limit):
                await self.emulator.wait_until(arrived)
        except TimeoutError:
            raise AssertionError(
                f"no new message to chat {chat_id} within {limit} s\n" + self.transcript(chat_id)
            ) from None
        self._consumed[chat_id] = index + 1
        return self.emulator.sent_messages(chat_id)[index]

    async def next_edit(
        self,
        message: BotMessage,
        timeout: float | None = None,  # noqa: ASYNC109 - a safety net that fails with a diagnosis
    ) -> BotMessage:
        """Wait until the bot edits `message` once more than seen so far; returns it."""
        seen = len(message.edits)
        limit = self.timeout if timeout is None else timeout
        try:
            async with asyncio.timeout(limit):
                await self.emulator.wait_until(lambda: len(message.edits) > seen)
        except TimeoutError:
            raise AssertionError(
                f"message #{message.message_id} was not edited within {limit} s\n"
                + self.transcript(message.chat_id)
            ) from None
        return message

    async def settle(self, timeout: float | None = None) -> None:  # noqa: ASYNC109 - a safety net that fails with a diagnosis
        """Wait until the bot fetched and (with an Application) handled every update so far."""
        limit = self.timeout if timeout is None else timeout
        target = self.emulator.last_update_id
        try:
            async with asyncio.timeout(limit):
                await self.emulator.wait_confirmed(target)
                if self.application is not None:
                    await self.application.update_queue.join()
        except TimeoutError:
            raise AssertionError(
                f"the bot did not finish update {target} within {limit} s\n" + self.transcript()
            ) from None
        self._settled_through = target

    def assert_no_more_messages(self, who: Who) -> None:
        """Nothing was sent to that chat beyond what `next_message` returned (after settle())."""
        if self._settled_through != self.emulator.last_update_id:
            raise AssertionError("await telegram.settle() after the last user action first")
        chat_id = _chat_id(who)
        extra = self.emulator.sent_messages(chat_id)[self._consumed.get(chat_id, 0) :]
        if extra:
            lines = "\n".join("  " + m.describe() for m in extra)
            raise AssertionError(f"unexpected messages to chat {chat_id}:\n{lines}")

    def transcript(self, chat_id: int | None = None) -> str:
        """What happened so far, for failure messages."""
        lines: list[str] = []
        chats = [chat_id] if chat_id is not None else sorted(self.emulator.chats)
        for cid in chats:
            sent = self.emulator.sent_messages(cid)
            consumed = self._consumed.get(cid, 0)
            lines.append(f"messages to chat {cid}: {len(sent)} ({consumed} already read)")
            lines.extend(
                f"  {'✓' if i < consumed else '•'} {m.describe()}" for i, m in enumerate(sent)
            )
        pending = self.emulator.pending_updates
        if pending:
            kinds = ", ".join(
                f"{u['update_id']}:{next(k for k in u if k != 'update_id')}" for u in pending
            )
            lines.append(f"updates the bot has not confirmed: {kinds}")
            if self.emulator.calls["getUpdates"] == 0:
                lines.append("the bot never called getUpdates: is the Application polling?")
        if self.emulator.api_errors:
            lines.append("errors returned to the bot:")
            lines.extend(
                f"  {e.method} {e.error_code} {e.description}"
                for e in self.emulator.api_errors[-10:]
            )
        return "\n".join(lines)


def _chat_id(who: Who) -> int:
    return who if isinstance(who, int) else who.id
