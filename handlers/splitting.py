"""Split Telegram HTML into messages of at most 4096 UTF-16 code units.

Cuts fall at line breaks where possible, never inside a tag, an entity or a surrogate pair, and
tags open at a cut are closed at its end and reopened in the next piece.
"""

from __future__ import annotations

import re

TELEGRAM_LIMIT = 4096
_TOKEN = re.compile(r"<[^>]*>|&[#\w]+;|[\s\S]", re.UNICODE)
_TAG_NAME = re.compile(r"</?\s*([a-zA-Z-]+)")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _closing(stack: list[tuple[str, str]]) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def _opening(stack: list[tuple[str, str]]) -> str:
    return "".join(tag for _, tag in stack)


def split_html(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Pieces of valid HTML, each ≤ limit UTF-16 code units (tags included, so always safe)."""
    if utf16_len(text) <= limit:
        return [text]
    pieces: list[str] = []
    stack: list[tuple[str, str]] = []  # (tag name, full opening tag) currently open
    current: list[str] = []
    size = 0
    last_break: tuple[int, int, list[tuple[str, str]]] | None = None  # (index, size, stack)

    def flush(upto: int, stack_at_cut: list[tuple[str, str]]) -> None:
        nonlocal current, size, last_break
        body = "".join(current[:upto]) + _closing(stack_at_cut)
        if body.strip():
            pieces.append(body)
        rest = current[upto:]
        current = [_opening(stack_at_cut), *rest]
        size = sum(utf16_len(t) for t in current)
        last_break = None

    for token in _TOKEN.findall(text):
        token_size = utf16_len(token)
        budget = limit - utf16_len(_closing(stack)) - 16  # room for closing tags at a cut
        if size + token_size > budget and current:
            if last_break is not None and last_break[1] > limit // 4:
                index, _, stack_at = last_break
                # Replay the stack as it will be after the tokens that move to the next piece.
                flush(index, stack_at)
            else:
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
        elif token == "\n":
            last_break = (len(current), size, list(stack))
    tail = "".join(current)
    if tail.strip() and tail != _opening(stack):
        pieces.append(tail + _closing(stack))
    return pieces
