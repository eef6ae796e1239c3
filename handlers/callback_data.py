"""Typed, packed callback data (`prefix:field:field`, ≤ 64 bytes), parsed back on every press.

Packed data survives restarts (no in-memory cache); a press whose data does not parse is stale or
forged and gets 「按钮已过期」.

A field that holds a stored id (a client, staff member, ticket or document id: the bank's data
controls it, so any characters and any length) is declared with its kind,
`client_id: str = dataclasses.field(metadata=CLIENT_ID)` (STAFF_ID, TICKET_ID, DOCUMENT_ID; or
`stored_id(kind, none="-")` when the field may be empty, None in Python). It is packed as
crm/id_refs.ref_of — the id itself when plain, otherwise a 12-byte hash — so no stored id can
break the ':' split or the 64-byte limit, and the button wrapper resolves hashed refs (`resolve`)
among the ids of that kind the presser may see before the handler sees the button. Every other
str field must be a closed vocabulary its `validate` checks (an action, a page, a hex key):
tests/unit/test_stored_id_buttons.py enumerates every button kind and fails on a str field
that accepts an id without being declared.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, Self, TypeVar

from telegram import CallbackQuery, Message

from crm.id_refs import MAX_REF_BYTES, is_hashed, is_ref, ref_of

MAX_BYTES = 64
# Numbers in buttons are ids, offsets and minutes. Anything beyond 64 bits is forged (and would
# overflow a query instead of reading as stale); row ids are 32-bit, checked by `is_row_id`.
MAX_INT = 2**63 - 1
MAX_ROW_ID = 2**31 - 1
_INTEGER = re.compile(r"-?[0-9]{1,19}")


def is_row_id(value: int) -> bool:
    """A positive number that fits the database's integer ids (a button's validate uses it)."""
    return 0 < value <= MAX_ROW_ID


STORED_ID = "stored_id"
NONE_TOKEN = "none_token"
PLAIN_LIMIT = "plain_limit"
# The kinds of stored ids a button may carry; the button wrapper has a lookup for each.
STORED_KINDS = ("client", "staff", "ticket", "document")


def stored_id(
    kind: str, *, none: str | None = None, plain: int = MAX_REF_BYTES
) -> dict[str, str | int]:
    """Field metadata of a stored id of `kind`; with `none`, the field may be None, packed as
    that token (never a ref: refs start with a letter, a digit or '~'); `plain`: the longest
    plain id that stands for itself (a button with room to spare may allow more than 24)."""
    if kind not in STORED_KINDS:
        raise ValueError(f"unknown stored id kind {kind!r}")
    if none is not None and is_ref(none, plain):
        raise ValueError(f"{none!r} could be a ref")
    metadata: dict[str, str | int] = {STORED_ID: kind, PLAIN_LIMIT: plain}
    if none is not None:
        metadata[NONE_TOKEN] = none
    return metadata


# Field metadata of a stored id: `client_id: str = dataclasses.field(metadata=CLIENT_ID)`
# (a plain dataclasses.field call, so type checkers still see a field without a default).
CLIENT_ID = stored_id("client")
STAFF_ID = stored_id("staff")
TICKET_ID = stored_id("ticket")
DOCUMENT_ID = stored_id("document", plain=40)  # the /ask buttons have room for 40


ButtonT = TypeVar("ButtonT", bound="CallbackData")
_REGISTRY: dict[str, type[CallbackData]] = {}


class CallbackDataError(ValueError):
    """The callback data does not parse as any known button."""


@dataclasses.dataclass(frozen=True)
class CallbackData:
    """Base for one button kind; subclasses are frozen dataclasses with str/int fields."""

    prefix: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.prefix or ":" in cls.prefix:
            raise TypeError(f"{cls.__name__} needs a prefix without ':'")
        if cls.prefix in _REGISTRY:
            raise TypeError(f"callback prefix {cls.prefix!r} already used")
        _REGISTRY[cls.prefix] = cls

    def pack(self) -> str:
        parts = [self.prefix]
        for field in dataclasses.fields(self):
            raw = getattr(self, field.name)
            value = _pack_stored(field, raw) if field.metadata.get(STORED_ID) else str(raw)
            if ":" in value:
                raise ValueError(f"{field.name} may not contain ':'")
            parts.append(value)
        data = ":".join(parts)
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data longer than {MAX_BYTES} bytes: {data!r}")
        return data

    @classmethod
    def unpack(cls, data: str) -> Self:
        parsed = parse(data)
        if not isinstance(parsed, cls):
            raise CallbackDataError(data)
        return parsed

    @classmethod
    def matches(cls, data: object) -> bool:
        """PTB pattern: does this press belong to this button kind (by prefix)?"""
        return isinstance(data, str) and data.split(":", 1)[0] == cls.prefix


def _pack_stored(field: dataclasses.Field[Any], value: object) -> str:
    none = field.metadata.get(NONE_TOKEN)
    if value is None and none is not None:
        return str(none)
    if not isinstance(value, str):
        raise ValueError(f"{field.name} must be a stored id, not {value!r}")
    return ref_of(value, int(field.metadata.get(PLAIN_LIMIT, MAX_REF_BYTES)))


def parse(data: str) -> CallbackData:
    """Parse packed data into its button kind, validating field count and types."""
    if not isinstance(data, str) or len(data.encode()) > MAX_BYTES:
        raise CallbackDataError("not a packed button")
    prefix, *values = data.split(":")
    kind = _REGISTRY.get(prefix)
    if kind is None:
        raise CallbackDataError(f"unknown button {prefix!r}")
    fields = dataclasses.fields(kind)
    if len(values) != len(fields):
        raise CallbackDataError(f"wrong field count for {prefix!r}")
    converted: dict[str, Any] = {}
    for field, raw in zip(fields, values, strict=True):
        if field.type in (int, "int"):
            if not _INTEGER.fullmatch(raw) or abs(int(raw)) > MAX_INT:
                raise CallbackDataError(f"{field.name} is not a number in range")
            converted[field.name] = int(raw)
        elif field.metadata.get(STORED_ID):
            if raw == field.metadata.get(NONE_TOKEN):
                converted[field.name] = None
            elif is_ref(raw, int(field.metadata.get(PLAIN_LIMIT, MAX_REF_BYTES))):
                converted[field.name] = raw
            else:
                raise CallbackDataError(f"{field.name} is not a stored id's ref")
        else:
            converted[field.name] = raw
    instance = kind(**converted)
    validate = getattr(instance, "validate", None)
    if validate is not None and not validate():
        raise CallbackDataError(f"invalid values for {prefix!r}")
    return instance


RefLookup = Callable[[str, str], Awaitable[str | None]]


async def resolve(button: ButtonT, lookup: RefLookup) -> ButtonT:
    """The button with each hashed stored-id ref replaced by the id it stands for;
    lookup(kind, ref) gives None when the presser may see no such id (stale)."""
    changes: dict[str, str] = {}
    for field in dataclasses.fields(button):
        kind = field.metadata.get(STORED_ID)
        value = getattr(button, field.name)
        if kind and isinstance(value, str) and is_hashed(value):
            found = await lookup(kind, value)
            if found is None:
                raise CallbackDataError(f"{field.name} names no {kind} the presser may see")
            changes[field.name] = found
    return dataclasses.replace(button, **changes) if changes else button


@dataclasses.dataclass(frozen=True)
class LanguageChoice(CallbackData):
    """Switch the presser's own language."""

    prefix: ClassVar[str] = "lang"
    language: str

    def validate(self) -> bool:
        return self.language in ("zh", "en")


def pressed_button(query: CallbackQuery, kind: type[ButtonT]) -> ButtonT | None:
    """The press, if its data parses as `kind` and is really a button of the pressed message
    (a forged press carries data that no message of ours shows)."""
    try:
        button = kind.unpack(query.data or "")
    except CallbackDataError:
        return None
    message = query.message
    if not isinstance(message, Message) or message.reply_markup is None:
        return None
    on_message = {
        b.callback_data
        for row in message.reply_markup.inline_keyboard
        for b in row
        if b.callback_data
    }
    return button if query.data in on_message else None


def quoted_message(query: CallbackQuery, *, unedited: bool = False) -> Message | None:
    """The presser's own message that the pressed reply quotes (restart-proof state: Telegram
    keeps it). None when gone, someone else's, or — with unedited — changed since."""
    message = query.message
    if not isinstance(message, Message):
        return None
    quoted = message.reply_to_message
    if quoted is None or quoted.from_user is None or not quoted.text:
        return None
    if quoted.from_user.id != query.from_user.id:
        return None
    if unedited and quoted.edit_date is not None:
        return None
    return quoted
