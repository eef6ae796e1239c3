"""Plain records the emulator keeps: users, chats, files, and what the bot sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from emulator.html import HtmlParseError, html_to_plain


@dataclass(frozen=True)
class EmulatedUser:
    """A Telegram user; `to_api()` is the Bot API `User` object."""

    id: int
    first_name: str
    username: str | None = None
    last_name: str | None = None
    language_code: str | None = None
    is_bot: bool = False

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


@dataclass
class EmulatedChat:
    """A private chat (id == the user's id) or a group (negative id)."""

    id: int
    type: Literal["private", "group", "supergroup", "channel"]
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    # The user blocked the bot (private) or removed it (group): sends fail with 403.
    blocked: bool = False

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        for key in ("title", "username", "first_name", "last_name"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


@dataclass(frozen=True)
class UploadedFile:
    """One multipart file part as the transport received it."""

    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"


@dataclass(frozen=True)
class StoredFile:
    """A file the emulator can hand out again by file_id (getFile, downloads, re-sends)."""

    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    filename: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0
    url: str | None = None  # sent by URL: Telegram would fetch it; the emulator keeps no bytes

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True)
class Button:
    """One inline keyboard button."""

    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class MessageVersion:
    """What a bot message looked like before an edit."""

    text: str | None
    parse_mode: str | None
    reply_markup: dict[str, Any] | None


@dataclass
class BotMessage:
    """A message the bot sent, kept current through edits and deletion."""

    chat_id: int
    message_id: int
    date: int
    method: str
    text: str | None = None  # the text, or the caption of a photo/document
    parse_mode: str | None = None
    reply_markup: dict[str, Any] | None = None
    photo: StoredFile | None = None
    document: StoredFile | None = None
    reply_to_message_id: int | None = None
    edit_date: int | None = None
    edits: list[MessageVersion] = field(default_factory=list)
    deleted: bool = False

    @property
    def plain_text(self) -> str:
        """The text as the user reads it (HTML tags removed)."""
        if self.text is None:
            return ""
        if self.parse_mode and self.parse_mode.lower() == "html":
            try:
                return html_to_plain(self.text)
            except HtmlParseError:
                return self.text
        return self.text

    @property
    def keyboard(self) -> list[list[Button]]:
        """The inline keyboard rows (empty when there is none)."""
        if not self.reply_markup:
            return []
        rows = self.reply_markup.get("inline_keyboard") or []
        return [
            [
                Button(
                    text=str(button.get("text", "")),
                    callback_data=button.get("callback_data"),
                    url=button.get("url"),
                )
                for button in row
            ]
            for row in rows
        ]

    @property
    def buttons(self) -> list[Button]:
        """All inline buttons, row by row."""
        return [button for row in self.keyboard for button in row]

    def button(self, choice: str | int) -> Button:
        """A button by its text or its 0-based position in `buttons`; KeyError when absent."""
        buttons = self.buttons
        if isinstance(choice, int):
            if 0 <= choice < len(buttons):
                return buttons[choice]
        else:
            for button in buttons:
                if button.text == choice:
                    return button
        shown = ", ".join(repr(b.text) for b in buttons) or "no buttons"
        raise KeyError(f"no button {choice!r} on message {self.message_id} ({shown})")

    def describe(self) -> str:
        """A one-line summary for test failure messages."""
        kind = "photo" if self.photo else "document" if self.document else "text"
        parts = [f"#{self.message_id} {kind}: {self.plain_text!r}"]
        if self.buttons:
            parts.append("buttons " + " | ".join(b.text for b in self.buttons))
        if self.edits:
            parts.append(f"edited {len(self.edits)}x")
        if self.deleted:
            parts.append("deleted")
        return "  ".join(parts)


ActivityKind = Literal["sent", "edited", "deleted", "callback_answered", "chat_action"]


@dataclass(frozen=True)
class BotActivity:
    """Something the bot did that a watcher (console, test driver) may want to show."""

    kind: ActivityKind
    chat_id: int | None
    message: BotMessage | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ApiCallError:
    """An error the emulator returned to the bot (for diagnostics in tests)."""

    method: str
    error_code: int
    description: str
    chat_id: int | str | None = None


@dataclass(frozen=True)
class EntityOverflow:
    """A text the bot sent with more formatting entities than Telegram keeps (100)."""

    method: str
    chat_id: int
    entities: int
