"""Turn pure views into Telegram calls: HTML parse mode, inline keyboards, long texts split."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest

from handlers.render import View
from handlers.splitting import split_html

TYPING_WAIT = 2.0  # seconds a reply waits for its "typing…" action to be sent


def keyboard(view: View) -> InlineKeyboardMarkup | None:
    if not view.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.text, callback_data=b.data) for b in row] for row in view.buttons]
    )


def without_button(
    markup: InlineKeyboardMarkup | None, data: str | None
) -> InlineKeyboardMarkup | None:
    """A message's buttons less the one whose data is `data` (None when none is left): a
    pressed one-time button goes, the others stay."""
    if markup is None:
        return None
    rows = [[b for b in row if b.callback_data != data] for row in markup.inline_keyboard]
    kept = [row for row in rows if row]
    return InlineKeyboardMarkup(kept) if kept else None


async def reply_view(message: Message, view: View) -> Message:
    """Reply with view (HTML); a text over Telegram's limit goes as several messages, the
    buttons under the last one. Returns the last message sent."""
    pieces = split_html(view.text)
    sent = message
    for index, piece in enumerate(pieces):
        last = index == len(pieces) - 1
        sent = await message.reply_text(
            piece,
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(view) if last else None,
            do_quote=False,
        )
    return sent


async def send_view(bot: Bot, chat_id: int, view: View) -> Message:
    """Send view to a chat (jobs, pings); split like reply_view. Returns the last message."""
    pieces = split_html(view.text)
    sent: Message | None = None
    for index, piece in enumerate(pieces):
        last = index == len(pieces) - 1
        sent = await bot.send_message(
            chat_id, piece, parse_mode=ParseMode.HTML, reply_markup=keyboard(view) if last else None
        )
    assert sent is not None
    return sent


@asynccontextmanager
async def typing(message: Message) -> AsyncIterator[None]:
    """Show "typing…" while slow work (search, charts) runs; a failure to show it is ignored.

    The chat action goes out while the work runs, not before it: the work no longer waits a
    round trip to Telegram. Leaving waits (at most TYPING_WAIT seconds) until the action is
    sent, so it never arrives after the reply and leaves a stale "typing…" on her screen."""
    shown = asyncio.create_task(_show_typing(message))
    try:
        yield
    finally:
        with suppress(TimeoutError):
            await asyncio.wait_for(shown, TYPING_WAIT)


async def _show_typing(message: Message) -> None:
    with suppress(Exception):  # cosmetic only; never fail the request over it
        await message.get_bot().send_chat_action(message.chat_id, ChatAction.TYPING)


@contextmanager
def ignore_bad_request(*fragments: str) -> Iterator[None]:
    """Suppress a BadRequest whose message contains one of `fragments`; any other propagates."""
    try:
        yield
    except BadRequest as exc:
        message = exc.message.lower()
        if not any(fragment in message for fragment in fragments):
            raise


def ignore_not_modified() -> contextlib.AbstractContextManager[None]:
    """An edit to the content the message already has (the same choice pressed twice) is fine;
    every other BadRequest propagates."""
    return ignore_bad_request("message is not modified")


def ignore_query_gone() -> contextlib.AbstractContextManager[None]:
    """Answering a press Telegram no longer knows (answered already, or too old: a redelivered
    update) is fine; every other BadRequest propagates."""
    return ignore_bad_request("query is too old", "query id is invalid")
