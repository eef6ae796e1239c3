"""Short stand-ins for stored ids in button data (Telegram allows 64 bytes, and packed data is
split at ':').

A plain id (what the importer accepts, up to 24 characters) stands for itself. Any other id —
`CN:001`, a 20-character Chinese id, a row written before the import rule or by another tool —
is `~` + 11 characters of its hash, which a press resolves among the ids the presser may see.
So a button never embeds such an id raw, and every ref is at most 24 bytes. A field with room
to spare may let longer plain ids stand for themselves (`plain_limit`; document ids up to 40).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable

MAX_REF_BYTES = 24
_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")
_HASHED = re.compile(r"~[A-Za-z0-9_\-]{11}")


def _plain(text: str, plain_limit: int) -> bool:
    return len(text) <= plain_limit and _PLAIN.fullmatch(text) is not None


def ref_of(stored_id: str, plain_limit: int = MAX_REF_BYTES) -> str:
    """The id itself when plain (and at most plain_limit characters), otherwise its hashed ref."""
    return stored_id if _plain(stored_id, plain_limit) else hashed_ref(stored_id)


def hashed_ref(stored_id: str) -> str:
    """`~` + 64 bits of BLAKE2b, URL-safe base64: collisions within one book are negligible,
    and a collision is refused (stale), never resolved to the wrong client."""
    digest = hashlib.blake2b(stored_id.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return "~" + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def is_ref(text: str, plain_limit: int = MAX_REF_BYTES) -> bool:
    """Could `text` be a ref made by ref_of (a press's data is checked before it is used)?"""
    return _plain(text, plain_limit) or _HASHED.fullmatch(text) is not None


def is_hashed(ref: str) -> bool:
    return ref.startswith("~")


def pick(ref: str, stored_ids: Iterable[str]) -> str | None:
    """The one id among stored_ids that `ref` stands for; None if none or several."""
    if not is_hashed(ref):
        found = [stored_id for stored_id in stored_ids if stored_id == ref]
    else:
        found = [stored_id for stored_id in stored_ids if hashed_ref(stored_id) == ref]
    return found[0] if len(found) == 1 else None
