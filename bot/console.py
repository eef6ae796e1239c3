"""The console chat: the real Application, long polling an in-process Bot API, from a terminal.

Each typed line becomes a message from the chosen staff member in their private chat; the bot's
messages are printed as they arrive, inline keyboards as numbered choices under a letter
(`B: [1] 确认  [2] 稍后`): a typed number presses a button of the latest keyboard, a letter and a
number (`B1`) one of any keyboard still on screen, as a tap on an earlier message does.
"""

from __future__ import annotations

import asyncio
import re
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from emulator import (
    BotActivity,
    BotApiEmulator,
    BotMessage,
    Button,
    EmulatedUser,
    InProcessRequest,
)
from emulator.html import EndTag, HtmlParseError, StartTag, Text, tokenize
from emulator.running import AnyApplication, polling, wait_idle

QUIT_COMMANDS = frozenset({"/quit", "/exit"})
DEFAULT_PROMPT = "你 › "
BOT_PREFIX = "ambot › "

_ANSI_STYLE = {
    "b": "1",
    "strong": "1",
    "i": "3",
    "em": "3",
    "u": "4",
    "ins": "4",
    "s": "9",
    "strike": "9",
    "del": "9",
    "code": "36",
    "pre": "36",
    "tg-spoiler": "7",
    "span": "7",
    "blockquote": "2",
    "a": "4",
}


@dataclass(frozen=True)
class ConsoleUser:
    """Who the console chats as: a staff member's Telegram account."""

    telegram_user_id: int
    first_name: str
    language_code: str = "zh-hans"
    username: str | None = None

    def to_emulated(self) -> EmulatedUser:
        return EmulatedUser(
            id=self.telegram_user_id,
            first_name=self.first_name,
            username=self.username,
            language_code=self.language_code,
        )


def render_html(source: str, *, ansi: bool) -> str:
    """Telegram HTML as terminal text: styles as ANSI codes (or dropped), links as `text (url)`."""
    try:
        tokens = tokenize(source)
    except HtmlParseError:
        return source
    parts: list[str] = []
    styles: list[str] = []
    links: list[tuple[str, int]] = []
    for token in tokens:
        if isinstance(token, Text):
            parts.append(token.text)
        elif isinstance(token, StartTag):
            if token.name == "a":
                links.append((token.attrs.get("href", ""), len(parts)))
            if ansi and token.name in _ANSI_STYLE:
                styles.append(_ANSI_STYLE[token.name])
                parts.append(f"\x1b[{_ANSI_STYLE[token.name]}m")
        elif isinstance(token, EndTag):
            if ansi and token.name in _ANSI_STYLE:
                styles.pop()
                parts.append("\x1b[0m" + "".join(f"\x1b[{s}m" for s in styles))
            if token.name == "a":
                href, start = links.pop()
                label = "".join(p for p in parts[start:] if not p.startswith("\x1b")).strip()
                if href and href != label:
                    parts.append(f" ({href})")
    return "".join(parts)


def render_text(message: BotMessage, *, ansi: bool) -> str:
    text = message.text or ""
    if (message.parse_mode or "").lower() == "html":
        return render_html(text, ansi=ansi)
    return text


def render_choices(buttons: list[Button]) -> str:
    """`[1] 确认  [2] 稍后` — numbers start at 1, row by row."""
    return "  ".join(f"[{i}] {button.text}" for i, button in enumerate(buttons, start=1))


def keyboard_lines(rows: list[list[Button]], *, width: int = 80) -> list[str]:
    """The choices on one line, or row by row (numbered on) when one line would be long."""
    flat = render_choices([button for row in rows for button in row])
    if len(rows) < 2 or len(flat) <= width:
        return [flat]
    lines: list[str] = []
    number = 1
    for row in rows:
        lines.append("  ".join(f"[{number + i}] {b.text}" for i, b in enumerate(row)))
        number += len(row)
    return lines


def keyboard_tag(index: int) -> str:
    """The letter of the index-th keyboard of a session: A … Z, then AA, AB …"""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


_TAGGED_PRESS = re.compile(r"([A-Za-z]{1,2})([0-9]{1,3})")


class _ConsoleChat:
    """Shows the bot's activity and turns typed lines into updates."""

    def __init__(
        self,
        emulator: BotApiEmulator,
        user: EmulatedUser,
        *,
        write: Callable[[str], None],
        ansi: bool,
        media_dir: Path,
        prompt: str,
    ) -> None:
        self.emulator = emulator
        self.user = user
        self.write = write
        self.ansi = ansi
        self.media_dir = media_dir
        self.prompt = prompt
        self.prompt_visible = False
        self.keyboard_message: BotMessage | None = None
        self.keyboards: dict[str, BotMessage] = {}  # letter → message, for `B1`
        self._letters: dict[tuple[int, int], str] = {}

    def on_activity(self, activity: BotActivity) -> None:
        lines = self._describe(activity)
        if not lines:
            return
        if self.prompt_visible:
            # A message arrived while the prompt waits: clear the line, print, show it again.
            sys.stdout.write("\r\x1b[K")
        for line in lines:
            self.write(line)
        if self.prompt_visible:
            sys.stdout.write(self.prompt)
            sys.stdout.flush()

    def _describe(self, activity: BotActivity) -> list[str]:
        message = activity.message
        own_chat = activity.chat_id == self.user.id
        if activity.kind == "callback_answered" and own_chat:
            text = activity.details.get("text")
            if text:
                marker = "⚠" if activity.details.get("show_alert") else "💬"
                return [f"{BOT_PREFIX}{marker} {text}"]
            return []
        if message is None:
            return []
        if not own_chat:
            chat = self.emulator.chats.get(message.chat_id)
            name = (chat.first_name or chat.title) if chat else None
            summary = message.plain_text.replace("\n", " ")
            if len(summary) > 60:
                summary = summary[:59] + "…"
            return [self.dim(f"(ambot → {name or message.chat_id}: {summary})")]
        if activity.kind == "deleted":
            if message is self.keyboard_message:
                self.keyboard_message = None
            return [self.dim("(ambot 删除了一条消息 / deleted a message)")]
        if activity.kind == "edited":
            if message.buttons:
                self.keyboard_message = message
            elif message is self.keyboard_message:
                self.keyboard_message = None
            return self._render(message, prefix=f"{BOT_PREFIX}✎ ")
        if activity.kind == "sent":
            if message.buttons:
                self.keyboard_message = message
            return self._render(message, prefix=BOT_PREFIX)
        return []

    def _render(self, message: BotMessage, *, prefix: str) -> list[str]:
        lines: list[str] = []
        text = render_text(message, ansi=self.ansi)
        media = message.photo or message.document
        if media is not None:
            label = "图片" if message.photo else "文件"
            caption = text or (media.filename if message.document else "") or ""
            head = f"[{label}: {caption}]" if caption else f"[{label}]"
            if media.content:
                path = self._save(message)
                lines.append(f"{prefix}{head} saved to {path}")
            else:
                lines.append(f"{prefix}{head} {media.url or ''}".rstrip())
        else:
            indent = " " * len(prefix)
            body = text.replace("\n", "\n" + indent)
            lines.append(f"{prefix}{body}")
        if message.buttons:
            tag = f"{self._letter(message)}: "
            indent = " " * len(BOT_PREFIX)
            for number, row in enumerate(keyboard_lines(message.keyboard)):
                lines.append(indent + (tag if number == 0 else " " * len(tag)) + row)
        return lines

    def _letter(self, message: BotMessage) -> str:
        """A message keeps its letter when it is edited."""
        key = (message.chat_id, message.message_id)
        tag = self._letters.get(key)
        if tag is None:
            tag = self._letters[key] = keyboard_tag(len(self._letters))
        self.keyboards[tag] = message
        return tag

    def _save(self, message: BotMessage) -> Path:
        media = message.photo or message.document
        assert media is not None
        suffix = Path(media.file_path).suffix or ".bin"
        self.media_dir.mkdir(parents=True, exist_ok=True)
        path = self.media_dir / f"{message.chat_id}_{message.message_id}{suffix}"
        path.write_bytes(media.content)
        return path

    def dim(self, text: str) -> str:
        return f"\x1b[2m{text}\x1b[0m" if self.ansi else text

    def handle_line(self, line: str) -> bool:
        """Turn one typed line into an update; False when nothing was sent to the bot."""
        text = line.strip()
        if not text:
            return False
        message = self.keyboard_message
        number_text = text
        tagged = _TAGGED_PRESS.fullmatch(text)
        if tagged and tagged.group(1).upper() in self.keyboards:
            message = self.keyboards[tagged.group(1).upper()]
            number_text = tagged.group(2)
            if message.deleted or not 1 <= int(number_text) <= len(message.buttons):
                self.write(f"（{tagged.group(1).upper()} 没有这个按钮 · no such button）")
                return False
        if number_text.isdigit() and message is not None and not message.deleted:
            buttons = message.buttons
            number = int(number_text)
            if 1 <= number <= len(buttons):
                button = buttons[number - 1]
                if button.callback_data is not None:
                    self.emulator.user_presses(
                        self.user, None, message.message_id, button.callback_data
                    )
                    return True
                self.write(f"打开链接 / open: {button.url}")
                return False
        self.emulator.user_sends_text(self.user, None, text)
        return True


async def run_console(
    application: AnyApplication,
    emulator: BotApiEmulator,
    user: ConsoleUser,
    *,
    input_lines: AsyncIterator[str] | None = None,
    write: Callable[[str], None] = print,
    ansi: bool | None = None,
    media_dir: Path | None = None,
    prompt: str = DEFAULT_PROMPT,
    reply_timeout: float = 60.0,
    on_start: Callable[[], Awaitable[None]] | None = None,
    local_commands: Mapping[str, LocalCommand] | None = None,
) -> None:
    """Chat with the Application from the terminal (or from scripted `input_lines`) until
    /quit or end of input; the Application must use `InProcessRequest(emulator)`.

    `on_start` runs once the bot is polling (the proactive half: the morning briefing and new
    alerts); `local_commands` are typed commands the console handles itself and never sends to
    the bot (/demo_tick), each listed in the banner with its description.

    Ctrl-C cancels the task: the Application is stopped cleanly and the cancellation (a
    KeyboardInterrupt under `asyncio.run`) propagates to the caller.
    """
    request = application.bot.request
    while not isinstance(request, InProcessRequest) and hasattr(request, "inner"):
        request = request.inner  # a wrapper around the transport (bot/journaling.py)
    if not (isinstance(request, InProcessRequest) and request.emulator is emulator):
        raise ValueError("the console needs an Application built with InProcessRequest(emulator)")
    interactive = input_lines is None
    local = {name.lower(): command for name, command in (local_commands or {}).items()}
    if ansi is None:
        ansi = interactive and sys.stdout.isatty()
    chat = _ConsoleChat(
        emulator,
        emulator.add_user(user.to_emulated()),
        write=write,
        ansi=ansi,
        media_dir=media_dir if media_dir is not None else Path("data") / "console",
        prompt=prompt,
    )
    remove_listener = emulator.add_listener(chat.on_activity)
    try:
        async with polling(application):
            for line in banner(user, bot_username=emulator.bot_user.username, local=local):
                write(line)
            if on_start is not None:
                await _bounded(on_start(), reply_timeout, write)
            lines = input_lines if input_lines is not None else _terminal_lines(prompt, chat)
            async for line in lines:
                if not interactive:
                    write(f"{prompt}{line}")
                command = line.strip().lower()
                if command in QUIT_COMMANDS:
                    break
                if command in local:
                    await _bounded(local[command].run(), reply_timeout, write)
                    continue
                errors_before = len(emulator.api_errors)
                if not chat.handle_line(line):
                    continue
                try:
                    async with asyncio.timeout(reply_timeout):
                        await wait_idle(application, emulator)
                except TimeoutError:
                    write("(机器人仍在处理… / the bot is still working…)")
                for error in emulator.api_errors[errors_before:]:
                    write(chat.dim(f"(Bot API {error.error_code}: {error.description})"))
            write("再见 / bye")
    finally:
        remove_listener()


def banner(
    user: ConsoleUser,
    *,
    bot_username: str | None,
    local: Mapping[str, LocalCommand] | None = None,
) -> list[str]:
    """Who you are, how to press buttons, how to leave — Chinese first, then English."""
    bot = f"@{bot_username}" if bot_username else "ambot"
    who = f"{user.first_name}（Telegram id {user.telegram_user_id}）"
    lines = [
        f"ambot 控制台对话 · console chat with {bot}",
        f"你正以 {who} 的身份对话 · you are chatting as {user.first_name}",
        "按钮显示为 A: [1] [2] …，输入 1 点击最新一组按钮，输入 A1 点击 A 组 · "
        "type 1 for the latest buttons, A1 for keyboard A's",
        "输入 /start 开始，/quit 或 Ctrl-D 退出 · /start to begin, /quit or Ctrl-D to leave",
    ]
    lines.extend(f"{name}：{command.help}" for name, command in (local or {}).items())
    return lines


@dataclass(frozen=True)
class LocalCommand:
    """A command the console handles itself (never sent to the bot)."""

    run: Callable[[], Awaitable[None]]
    help: str  # one banner line, Chinese then English


async def _bounded(work: Awaitable[None], seconds: float, write: Callable[[str], None]) -> None:
    try:
        async with asyncio.timeout(seconds):
            await work
    except TimeoutError:
        write("(机器人仍在处理… / the bot is still working…)")


async def _terminal_lines(prompt: str, chat: _ConsoleChat) -> AsyncIterator[str]:
    """Lines typed at the terminal; input() runs in a daemon thread so Ctrl-C never hangs."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()
    wanted = threading.Event()

    def read() -> None:
        while True:
            wanted.wait()
            wanted.clear()
            try:
                line: str | None = input(prompt)
            except (EOFError, OSError):
                line = None
            try:
                loop.call_soon_threadsafe(queue.put_nowait, line)
            except RuntimeError:  # the loop is closed: we are exiting
                return
            if line is None:
                return

    threading.Thread(target=read, name="console-input", daemon=True).start()
    while True:
        chat.prompt_visible = True
        wanted.set()
        try:
            line = await queue.get()
        except asyncio.CancelledError:  # Ctrl-C: leave the prompt line before exiting
            print()
            raise
        finally:
            chat.prompt_visible = False
        if line is None:
            print()
            return
        yield line
