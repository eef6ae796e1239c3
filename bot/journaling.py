"""The journal's two hooks on the Telegram side (DESIGN §9: every message in and out).

In: a TypeHandler in group −110, before the guard, so every update is recorded — strangers'
too, under `telegram:<user id>`; a staff member under their staff id (the guard's cached
lookup). Out: `JournalingRequest` wraps the Bot API request object, the one path every
outgoing call takes (handlers' replies, jobs, the paced sender, the console); a call that sends,
edits or deletes a message is recorded once Telegram accepted it (actor `bot`).

Bodies are masked (`crm.masking.mask_text`: phone and ID numbers) and hold the text or caption,
the button pressed or the file name — never the file. Record keeping does not gate the bot: the
entries are queued (`Journal.record`) and written a quarter of a second after the first of a
burst, by one transaction for all queued by then, so no update and no reply waits for the disk
and a busy minute costs a few writes, not one per message; an entry that cannot be written is
logged (without content). `Runtime.aclose` flushes the queue; a crash loses at most the last
quarter of a second.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from telegram import Update
from telegram.ext import Application, TypeHandler
from telegram.request import BaseRequest, RequestData

from audit import Journal
from crm.masking import mask_text
from handlers.context import AppContext

log = logging.getLogger(__name__)

IN_GROUP = -110  # before handlers.guards (−100)
OUT_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendMediaGroup",
        "copyMessage",
        "forwardMessage",
        "editMessageText",
        "editMessageCaption",
        "editMessageMedia",
        "deleteMessage",
        "answerCallbackQuery",
    }
)


def incoming(update: Update) -> tuple[str, str, dict[str, Any]] | None:
    """(kind, subject, body) of an update worth recording, or None (polls, channel posts…)."""
    query = update.callback_query
    if query is not None:
        chat_id = query.message.chat.id if query.message is not None else 0
        message_id = query.message.message_id if query.message is not None else 0
        return "button.in", f"chat:{chat_id}:{message_id}", {"button": query.data or ""}
    message = update.message or update.edited_message
    if message is None:
        return None
    body: dict[str, Any] = {}
    text = message.text or message.caption
    if text and text.startswith("/start "):
        text = "/start ***"  # an invite code is a credential until it is used
    if text:
        body["text"] = mask_text(text)
    if message.document is not None:
        body["file"] = message.document.file_name or ""
    elif message.photo:
        body["file"] = "photo"
    elif message.voice is not None:
        body["file"] = "voice"
    kind = "message.edited.in" if update.edited_message is not None else "message.in"
    return kind, f"chat:{message.chat.id}:{message.message_id}", body


async def on_update(update: Update, context: AppContext) -> None:
    journal = context.services.journal
    record = incoming(update)
    if journal is None or record is None:
        return
    user = update.effective_user
    actor = "unknown"
    try:
        if user is not None:
            staff = await context.services.staff.by_telegram_user(user.id)
            actor = staff.staff_id if staff is not None else f"telegram:{user.id}"
        journal.record(actor, *record)
    except Exception:
        log.exception("journal: an incoming %s was not recorded", record[0])


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(TypeHandler(Update, on_update), group=IN_GROUP)


def outgoing(method: str, params: dict[str, Any], payload: bytes) -> tuple[str, dict[str, Any]]:
    """(subject, body) of an accepted outgoing call."""
    message_id = params.get("message_id")
    try:
        result = json.loads(payload).get("result")
    except (ValueError, AttributeError):
        result = None
    if isinstance(result, dict) and "message_id" in result:
        message_id = result["message_id"]
    chat_id = params.get("chat_id", "")
    subject = f"chat:{chat_id}:{message_id}" if message_id is not None else f"chat:{chat_id}"
    if method == "answerCallbackQuery":
        subject = f"callback:{params.get('callback_query_id', '')}"
    body: dict[str, Any] = {"method": method}
    text = params.get("text") or params.get("caption")
    if isinstance(text, str) and text:
        body["text"] = mask_text(text)
    return subject, body


class JournalingRequest(BaseRequest):
    """A Bot API request object that records every accepted message out, then answers as the
    request it wraps."""

    def __init__(self, inner: BaseRequest, journal: Journal) -> None:
        self.inner = inner
        self._journal = journal

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        code, payload = await self.inner.do_request(
            url,
            method,
            request_data,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )
        api_method = url.rsplit("/", 1)[-1]
        if code == 200 and request_data is not None and api_method in OUT_METHODS:
            params = request_data.parameters
            if api_method != "answerCallbackQuery" or params.get("text"):
                try:
                    subject, body = outgoing(api_method, params, payload)
                    self._journal.record("bot", "message.out", subject, body)
                except Exception:
                    log.exception("journal: an outgoing %s was not recorded", api_method)
        return code, payload
