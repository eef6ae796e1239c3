"""Telegram's HTML parse mode: a strict tokenizer that fails where Telegram fails.

Modelled on tdlib's `parse_html`: only the documented tags are accepted, tags must nest and
close, `<` must start a tag; a `&` that does not start an entity is kept literally.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

SUPPORTED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "code",
        "pre",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "blockquote",
    }
)

_TAG_NAME = re.compile(r"[A-Za-z0-9-]*")
_ATTR_NAME = re.compile(r"[A-Za-z0-9_-]*")
_ENTITY = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|lt|gt|amp|quot);")


class HtmlParseError(ValueError):
    """The text is not valid Telegram HTML; the message mirrors Telegram's description."""


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class StartTag:
    name: str
    attrs: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class EndTag:
    name: str


Token = Text | StartTag | EndTag


def tokenize(source: str) -> list[Token]:
    """Split Telegram HTML into text and tag tokens, raising HtmlParseError like Telegram."""
    tokens: list[Token] = []
    open_tags: list[str] = []
    buffer: list[str] = []
    i = 0
    n = len(source)

    def flush() -> None:
        if buffer:
            tokens.append(Text("".join(buffer)))
            buffer.clear()

    def byte_offset(pos: int) -> int:
        return len(source[:pos].encode("utf-8"))

    while i < n:
        ch = source[i]
        if ch == "&":
            match = _ENTITY.match(source, i)
            if match:
                buffer.append(html.unescape(match.group(0)))
                i = match.end()
            else:
                buffer.append("&")
                i += 1
            continue
        if ch != "<":
            buffer.append(ch)
            i += 1
            continue

        begin = i
        i += 1
        if i < n and source[i] == "/":
            i += 1
            name_match = _TAG_NAME.match(source, i)
            assert name_match is not None  # the pattern matches the empty string
            name = name_match.group(0).lower()
            i = name_match.end()
            while i < n and source[i].isspace():
                i += 1
            if i >= n or source[i] != ">":
                raise HtmlParseError(
                    f"Can't find end of the tag at byte offset {byte_offset(begin)}"
                )
            i += 1
            if not open_tags:
                raise HtmlParseError(f"Unexpected end tag at byte offset {byte_offset(begin)}")
            expected = open_tags[-1]
            if name != expected:
                raise HtmlParseError(
                    f'Unmatched end tag at byte offset {byte_offset(begin)}, expected "</{expected}>", '
                    f'found "</{name}>"'
                )
            open_tags.pop()
            flush()
            tokens.append(EndTag(name))
            continue

        name_match = _TAG_NAME.match(source, i)
        assert name_match is not None
        name = name_match.group(0).lower()
        i = name_match.end()
        if name not in SUPPORTED_TAGS:
            raise HtmlParseError(
                f'Unsupported start tag "{name}" at byte offset {byte_offset(begin)}'
            )
        attrs: dict[str, str] = {}
        while True:
            while i < n and source[i].isspace():
                i += 1
            if i >= n:
                raise HtmlParseError(f"Unclosed start tag at byte offset {byte_offset(begin)}")
            if source[i] == ">":
                i += 1
                break
            attr_match = _ATTR_NAME.match(source, i)
            assert attr_match is not None
            attr = attr_match.group(0).lower()
            if not attr:
                raise HtmlParseError(
                    f'Empty attribute name in the tag "{name}" at byte offset {byte_offset(begin)}'
                )
            i = attr_match.end()
            while i < n and source[i].isspace():
                i += 1
            if i < n and source[i] == "=":
                i += 1
                while i < n and source[i].isspace():
                    i += 1
                if i >= n:
                    raise HtmlParseError(f"Unclosed start tag at byte offset {byte_offset(begin)}")
                if source[i] in "\"'":
                    quote = source[i]
                    end = source.find(quote, i + 1)
                    if end < 0:
                        raise HtmlParseError(
                            f"Unclosed start tag at byte offset {byte_offset(begin)}"
                        )
                    raw_value = source[i + 1 : end]
                    i = end + 1
                else:
                    start = i
                    while i < n and not source[i].isspace() and source[i] != ">":
                        i += 1
                    raw_value = source[start:i]
                attrs[attr] = html.unescape(raw_value)
            else:
                attrs[attr] = ""
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise HtmlParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset(begin)}'
            )
        open_tags.append(name)
        flush()
        tokens.append(StartTag(name, attrs))

    if open_tags:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{open_tags[-1]}"')
    flush()
    return tokens


def html_to_plain(source: str) -> str:
    """The text Telegram shows for an HTML message: tags removed, entities decoded."""
    return "".join(token.text for token in tokenize(source) if isinstance(token, Text))


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's text limits and entity offsets."""
    return len(text.encode("utf-16-le")) // 2


_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
    "a": "text_link",
    "tg-emoji": "custom_emoji",
}


def html_to_entities(source: str) -> tuple[str, list[dict[str, object]]]:
    """The plain text and Bot API `MessageEntity` dicts (UTF-16 offsets) for Telegram HTML."""
    text_parts: list[str] = []
    entities: list[dict[str, object]] = []
    offset = 0
    stack: list[tuple[StartTag, int]] = []
    for token in tokenize(source):
        if isinstance(token, Text):
            text_parts.append(token.text)
            offset += utf16_length(token.text)
        elif isinstance(token, StartTag):
            stack.append((token, offset))
        else:
            start_tag, start = stack.pop()
            if offset == start:
                continue
            entity: dict[str, object] = {
                "type": _ENTITY_TYPES[start_tag.name],
                "offset": start,
                "length": offset - start,
            }
            if start_tag.name == "a":
                if not start_tag.attrs.get("href"):
                    continue
                entity["url"] = start_tag.attrs["href"]
            elif start_tag.name == "tg-emoji":
                entity["custom_emoji_id"] = start_tag.attrs.get("emoji-id", "")
            elif start_tag.name == "blockquote" and "expandable" in start_tag.attrs:
                entity["type"] = "expandable_blockquote"
            elif start_tag.name == "code" and stack and stack[-1][0].name == "pre":
                language = start_tag.attrs.get("class", "").removeprefix("language-")
                if language:
                    # Telegram folds <pre><code class="language-x"> into one pre entity.
                    stack[-1] = (StartTag("pre", {"language": language}), stack[-1][1])
                continue
            elif start_tag.name == "pre" and start_tag.attrs.get("language"):
                entity["language"] = start_tag.attrs["language"]
            entities.append(entity)
    entities.sort(key=lambda e: (e["offset"], -int(e["length"])))  # type: ignore[call-overload]
    return "".join(text_parts), entities
