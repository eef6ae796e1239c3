"""Split Telegram HTML into messages of at most 4096 UTF-16 code units and 100 entities.

Cuts fall at line breaks where possible, never inside a tag, an entity or a surrogate pair, and
tags open at a cut are closed at its end and reopened in the next piece.

Telegram keeps only the first 100 formatting entities of a message and shows the rest as plain
text, so a piece also carries at most 100 of them. Every start tag counts as one (a tag reopened
at the start of a piece too): Telegram's HTML tags (b, i, u, s, code, pre, a, tg-spoiler,
blockquote, …) each make one entity, except an empty element or `<pre><code>`, which make
fewer, so the count is an upper bound and the limit always holds.
"""

from __future__ import annotations

import re

TELEGRAM_LIMIT = 4096
TELEGRAM_MAX_ENTITIES = 100
_TOKEN = re.compile(r"<[^>]*>|&[#\w]+;|[\s\S]", re.UNICODE)
_TAG_NAME = re.compile(r"</?\s*([a-zA-Z-]+)")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _is_start_tag(token: str) -> bool:
    return (
        len(token) > 2
        and token[0] == "<"
        and token[-1] == ">"
        and token[1] != "/"
        and not token.endswith("/>")
        and _TAG_NAME.match(token) is not None
    )


def count_entities(text: str) -> int:
    """An upper bound of the formatting entities Telegram makes of this HTML (its start tags)."""
    return sum(1 for token in _TOKEN.findall(text) if _is_start_tag(token))


def _closing(stack: list[tuple[str, str]]) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def _opening(stack: list[tuple[str, str]]) -> str:
    return "".join(tag for _, tag in stack)


def split_html(
    text: str, limit: int = TELEGRAM_LIMIT, max_entities: int = TELEGRAM_MAX_ENTITIES
) -> list[str]:
    """Pieces of valid HTML, each ≤ limit UTF-16 code units (tags included, so always safe)
    and with at most `max_entities` start tags (reopened ones included)."""
    if utf16_len(text) <= limit and count_entities(text) <= max_entities:
        return [text]
    pieces: list[str] = []
    stack: list[tuple[str, str]] = []  # (tag name, full opening tag) currently open
    current: list[str] = []
    size = 0
    entities = 0  # start tags in current (the reopened ones included)
    # The last line break: (index in current, size, entities and stack before it).
    last_break: tuple[int, int, int, list[tuple[str, str]]] | None = None

    def flush(upto: int, stack_at_cut: list[tuple[str, str]]) -> None:
        nonlocal current, size, entities, last_break
        body = "".join(current[:upto]) + _closing(stack_at_cut)
        if body.strip():
            pieces.append(body)
        rest = current[upto:]
        current = [_opening(stack_at_cut), *rest]
        size = sum(utf16_len(t) for t in current)
        entities = len(stack_at_cut) + sum(1 for t in rest if _is_start_tag(t))
        last_break = None

    def cut() -> None:
        # At the last line break if that leaves a reasonably full piece, else right here.
        if last_break is not None and (
            last_break[1] > limit // 4 or last_break[2] > max_entities // 4
        ):
            index, _, _, stack_at = last_break
            # Replay the stack as it will be after the tokens that move to the next piece.
            flush(index, stack_at)
        else:
            flush(len(current), list(stack))

    for token in _TOKEN.findall(text):
        token_size = utf16_len(token)
        budget = limit - utf16_len(_closing(stack)) - 16  # room for closing tags at a cut
        if size + token_size > budget and current:
            cut()
        starts = _is_start_tag(token)
        if starts and entities + 1 > max_entities and current:
            cut()
            if entities + 1 > max_entities:  # the line moved over still had too many
                flush(len(current), list(stack))
        current.append(token)
        size += token_size
        if token.startswith("<") and token.endswith(">") and len(token) > 1:
            match = _TAG_NAME.match(token)
            if match:
                name = match.group(1).lower()
                if token.startswith("</"):
                    for i in range(len(stack) - 1, -1, -1):
                        if stack[i][0] == name:
                            del stack[i]
                            break
                elif not token.endswith("/>"):
                    stack.append((name, token))
                    entities += 1
        elif token == "\n":
            last_break = (len(current), size, entities, list(stack))
    tail = "".join(current)
    if tail.strip() and tail != _opening(stack):
        pieces.append(tail + _closing(stack))
    return pieces
