"""Buttons carrying stored ids (issue 12 point 5): whatever the id — ':' inside, 32 Chinese
characters, spaces — the packed data parses back, holds no raw odd id and is ≤ 64 bytes; a
hashed ref resolves only to an id the presser may see, and never to one of two colliding ids."""

from __future__ import annotations

import asyncio
import dataclasses
import importlib
import pkgutil

import pytest

import handlers
from crm.id_refs import hashed_ref, is_ref, pick, ref_of
from handlers.buttons_client import (
    CardAction,
    ChartRequest,
    ClientPick,
    MarkContacted,
    NotePick,
    NoteStart,
)
from handlers.buttons_followups import MAX_DUE_MINUTE, DraftAction
from handlers.callback_data import (
    _REGISTRY,
    MAX_BYTES,
    MAX_ROW_ID,
    STORED_ID,
    CallbackData,
    CallbackDataError,
    parse,
    resolve,
)

ODD_IDS = [
    "CN:001",
    "客户编号" * 5,
    "客" * 32,
    "a b",
    "~abc",
    "x" * 200,
    "K001",
    "K" * 24,
    "K" * 25,
]


def every_button_kind() -> list[type[CallbackData]]:
    """Every registered button kind, after importing every handler module."""
    for module in pkgutil.walk_packages(handlers.__path__, "handlers."):
        importlib.import_module(module.name)
    return list(_REGISTRY.values())


def worst_case(kind: type[CallbackData], client_id: str) -> list[CallbackData]:
    if kind is DraftAction:
        return [
            DraftAction(action, client_id, MAX_ROW_ID, MAX_DUE_MINUTE)
            for action in ("ok", "no", "pick")
        ]
    if kind is NotePick:
        return [NotePick(client_id, MAX_ROW_ID)]
    if kind is CardAction:
        return [CardAction("fu", client_id)]
    return [kind(client_id)]  # type: ignore[call-arg]


@pytest.mark.parametrize("client_id", ODD_IDS)
def test_every_button_with_a_client_packs_short_and_parses_back(client_id: str) -> None:
    kinds = [k for k in every_button_kind() if "client_id" in _field_names(k)]
    assert {ClientPick, CardAction, NoteStart, NotePick, ChartRequest, MarkContacted} <= set(kinds)
    assert DraftAction in kinds
    for kind in kinds:
        for button in worst_case(kind, client_id):
            data = button.pack()
            assert len(data.encode()) <= MAX_BYTES, data
            parsed = parse(data)
            assert type(parsed) is kind
            ref = parsed.client_id  # type: ignore[attr-defined]
            assert ref == ref_of(client_id) and is_ref(ref)
            if ref != client_id:  # odd ids travel hashed, never raw
                assert client_id not in data and len(ref.encode()) == 12


def test_a_new_button_cannot_carry_a_raw_client_id() -> None:
    """Every field named like a stored id is declared stored_id, so it packs as a ref."""
    for kind in every_button_kind():
        for field in dataclasses.fields(kind):
            if field.name == "client_id":
                assert field.metadata.get(STORED_ID) == "client", kind.__name__


def _field_names(kind: type[CallbackData]) -> set[str]:
    return {field.name for field in dataclasses.fields(kind)}


@pytest.mark.parametrize("forged", ["cl:x y", "cl:~short", "cl:~" + "a" * 12, "cl:客户", "cl:"])
def test_data_that_is_no_ref_is_stale(forged: str) -> None:
    with pytest.raises(CallbackDataError):
        parse(forged)


def test_resolving_finds_only_a_visible_id() -> None:
    book = ["K001", "CN:001", "客户编号" * 5]

    async def lookup(kind: str, ref: str) -> str | None:
        assert kind == "client"
        return pick(ref, book)

    for client_id in book:
        button = parse(MarkContacted(client_id).pack())
        resolved = asyncio.run(resolve(button, lookup))
        assert resolved == MarkContacted(client_id)
    outside = parse(MarkContacted("CN:999").pack())
    with pytest.raises(CallbackDataError):
        asyncio.run(resolve(outside, lookup))


def test_colliding_refs_are_refused_not_guessed() -> None:
    assert pick(hashed_ref("CN:001"), ["CN:001", "CN:001"]) is None
    assert pick(hashed_ref("CN:001"), ["CN:002"]) is None
    assert pick(hashed_ref("CN:001"), ["CN:001", "CN:002"]) == "CN:001"
