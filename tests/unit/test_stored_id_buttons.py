"""Buttons carrying stored ids (issue 12 point 5, and the class made impossible): every button
kind is enumerated; a str field that can carry an id must be declared with its kind
(handlers/callback_data.py stored_id), and then whatever the id — ':' inside, 40 Chinese
characters, spaces, 200 characters — the packed data parses back, holds no raw odd id, is ≤ 64
bytes, and a hashed ref resolves (per kind) only to an id the presser may see, never to one of
two colliding ids."""

from __future__ import annotations

import asyncio
import dataclasses
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import handlers
from crm.id_refs import hashed_ref, is_ref, pick, ref_of
from crm.tickets import MAX_KIND, ledger_kind, ping_kind, ticket_ref
from handlers.broadcast_buttons import BroadcastAck
from handlers.buttons import STORED_ID_LOOKUPS
from handlers.buttons_ask import AlternativeButton, FeedbackButton, GapButton
from handlers.buttons_client import (
    CardAction,
    ChartRequest,
    ClientPick,
    MarkContacted,
    NotePick,
    NoteStart,
    NoteUndo,
)
from handlers.buttons_followups import MAX_DUE_MINUTE, DraftAction, TodoAction
from handlers.buttons_proactive import (
    AlertAction,
    BriefingAction,
    EscalationAction,
    SettingsAction,
)
from handlers.buttons_staff import StaffAction
from handlers.buttons_tickets import TicketAction
from handlers.callback_data import (
    _REGISTRY,
    MAX_BYTES,
    MAX_ROW_ID,
    NONE_TOKEN,
    PLAIN_LIMIT,
    STORED_ID,
    STORED_KINDS,
    CallbackData,
    CallbackDataError,
    LanguageChoice,
    parse,
    resolve,
)
from handlers.lexicon_buttons import LexiconAction
from handlers.review_buttons import ReviewButton
from handlers.team_buttons import TeamAction

ROOT = Path(__file__).resolve().parents[2]

# Ids a row written straight into the database may have (the importer refuses most of them).
HOSTILE_IDS = [
    "CN:001",
    "S:01",
    "客户编号" * 5,
    "工单编号" * 10,  # 40 Chinese characters, 120 bytes
    "客" * 32,
    "a b",
    "~abc",
    "-",
    "*",
    "",
    "x" * 200,
    "K001",
    "K" * 24,
    "K" * 25,
    "K" * 40,  # a document id may stand for itself up to 40 characters
    "K" * 41,
    "é" * 40,
]
# Plain ids as the importer accepts them: a field not declared a stored id must refuse them all.
ID_PROBES = ["K001", "M002", "S001", "TK-C1", "KB-REVERSE-REPO", "T" * 24, "CN:001", "客户一"]

BIG = MAX_ROW_ID
# One or more valid buttons of EVERY kind, the longest of each action (row ids at their maximum).
SAMPLES: dict[type[CallbackData], list[CallbackData]] = {
    LanguageChoice: [LanguageChoice("zh")],
    ClientPick: [ClientPick("K001")],
    CardAction: [CardAction("fu", "K001")],
    NoteStart: [NoteStart("K001")],
    NotePick: [NotePick("K001", BIG)],
    NoteUndo: [NoteUndo(BIG)],
    ChartRequest: [ChartRequest("K001")],
    MarkContacted: [MarkContacted("K001")],
    DraftAction: [DraftAction(a, "K001", BIG, MAX_DUE_MINUTE) for a in ("ok", "no", "pick")],
    TodoAction: [TodoAction("greet", BIG)],
    StaffAction: [
        StaffAction("off", "M001"),
        StaffAction("unbind", "M001"),
        StaffAction("page", "12"),
    ],
    TeamAction: [TeamAction("pick", "S001"), TeamAction("pick", None), TeamAction("list", "M001")],
    TicketAction: [
        TicketAction("rsp", "TK-C1", src="l"),
        TicketAction("res", "TK-C1", src="l"),
        TicketAction("re", "TK-C1", src="l"),
        TicketAction("to", "TK-C1", "M002", src="l"),
    ],
    BriefingAction: [
        BriefingAction("done", "t", "TK-C1", 999),
        BriefingAction("done", "a", str(BIG), 999),
        BriefingAction("more", "p", "20261123", 999),
    ],
    AlertAction: [AlertAction("ack", BIG)],
    EscalationAction: [EscalationAction("ack", BIG), EscalationAction("to", BIG, "M002")],
    SettingsAction: [SettingsAction("time", "0830"), SettingsAction("tz", "1")],
    AlternativeButton: [AlternativeButton("KB-REVERSE-REPO", BIG, "abcdef")],
    FeedbackButton: [FeedbackButton("down", "KB-REVERSE-REPO", BIG)],
    GapButton: [GapButton(BIG)],
    ReviewButton: [ReviewButton("gl", BIG, BIG)],
    LexiconAction: [LexiconAction("r", "0123456789"), LexiconAction("p", "12")],
    BroadcastAck: [BroadcastAck(BIG)],
}
# What a field's name says it holds: it must be declared a stored id of that kind.
NAMED_KINDS = {
    "client_id": "client",
    "staff_id": "staff",
    "manager_id": "staff",
    "supervisor_id": "staff",
    "ticket_id": "ticket",
    "doc_id": "document",
}


def every_button_kind() -> list[type[CallbackData]]:
    """Every registered button kind, after importing every handler module."""
    for module in pkgutil.walk_packages(handlers.__path__, "handlers."):
        importlib.import_module(module.name)
    return list(_REGISTRY.values())


def stored_fields(kind: type[CallbackData]) -> list[dataclasses.Field[object]]:
    return [f for f in dataclasses.fields(kind) if f.metadata.get(STORED_ID)]


def open_fields(button: CallbackData) -> list[str]:
    """The stored-id fields of this sample that hold an id (not None, not a page or a day)."""
    return [
        f.name
        for f in stored_fields(type(button))
        if isinstance(getattr(button, f.name), str) and not getattr(button, f.name).isdigit()
    ]


def test_every_button_kind_is_enumerated() -> None:
    """A new button kind must be added to SAMPLES (and so to the checks below)."""
    assert set(every_button_kind()) == set(SAMPLES)
    for kind, samples in SAMPLES.items():
        for sample in samples:
            assert type(sample) is kind
            assert parse(sample.pack()) == sample, sample


def test_no_module_defines_button_data_outside_the_registry() -> None:
    """Any class deriving from CallbackData, in any module of the project, is enumerated."""
    registered = {kind.__name__ for kind in every_button_kind()}
    pattern = re.compile(r"^class (\w+)\([^)]*CallbackData[^)]*\)", re.MULTILINE)
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT).parts
        if relative[0] in (".venv", "tests", "build", "node_modules") or relative[0].startswith(
            "."
        ):
            continue
        for name in pattern.findall(path.read_text(encoding="utf-8")):
            assert name in registered, f"{path}: {name} is not a registered button kind"


@pytest.mark.parametrize("kind", list(SAMPLES), ids=lambda k: k.__name__)
def test_a_str_field_that_accepts_an_id_is_declared(kind: type[CallbackData]) -> None:
    """A field not declared a stored id refuses every id-like value (a closed vocabulary the
    button's validate checks); so a field carrying ids cannot be left raw."""
    declared = {f.name for f in stored_fields(kind)}
    for field in dataclasses.fields(kind):
        named = NAMED_KINDS.get(field.name)
        if named is not None:
            assert field.metadata.get(STORED_ID) == named, f"{kind.__name__}.{field.name}"
    for sample in SAMPLES[kind]:
        for field in dataclasses.fields(kind):
            if field.name in declared or field.type not in (str, "str"):
                continue
            for probe in ID_PROBES:
                forged = dataclasses.replace(sample, **{field.name: probe})
                try:
                    data = forged.pack()
                except ValueError:
                    continue
                with pytest.raises(CallbackDataError):
                    parse(data)
                    pytest.fail(
                        f"{kind.__name__}.{field.name} accepts the id {probe!r}: declare it"
                    )


def test_every_kind_of_stored_id_has_a_lookup() -> None:
    assert set(STORED_ID_LOOKUPS) == set(STORED_KINDS)
    used = {f.metadata[STORED_ID] for kind in SAMPLES for f in stored_fields(kind)}
    assert used == set(STORED_KINDS)  # client, staff, ticket, document: all in use


@pytest.mark.parametrize("stored", HOSTILE_IDS, ids=range(len(HOSTILE_IDS)))
def test_every_button_with_a_stored_id_packs_short_and_resolves(stored: str) -> None:
    seen: list[tuple[str, str]] = []

    async def lookup(kind: str, ref: str) -> str | None:
        seen.append((kind, ref))
        return pick(ref, [stored, "K002", "M009"])

    for kind, samples in SAMPLES.items():
        for sample in samples:
            names = open_fields(sample)
            if not names:
                continue
            button = dataclasses.replace(sample, **dict.fromkeys(names, stored))
            data = button.pack()
            assert len(data.encode()) <= MAX_BYTES, data
            parsed = parse(data)
            assert type(parsed) is kind
            limits = {f.name: int(f.metadata[PLAIN_LIMIT]) for f in stored_fields(kind)}
            for name in names:
                ref = getattr(parsed, name)
                assert ref == ref_of(stored, limits[name]), (kind, name)
                assert is_ref(ref, limits[name])
                if ref != stored:  # odd ids travel hashed, never raw (nor split at ':')
                    position = [f.name for f in dataclasses.fields(kind)].index(name) + 1
                    assert len(ref.encode()) == 12 and data.split(":")[position] == ref
            assert asyncio.run(resolve(parsed, lookup)) == button
    kinds = {kind for kind, _ in seen}
    assert kinds <= set(STORED_KINDS)
    if ref_of(stored, 40) != stored:  # hashed for every kind: each kind's lookup was asked
        assert kinds == set(STORED_KINDS)


def test_an_empty_field_packs_as_its_token_and_is_never_an_id() -> None:
    for kind in SAMPLES:
        for field in stored_fields(kind):
            token = field.metadata.get(NONE_TOKEN)
            if token is not None:
                assert not is_ref(token)
    assert TeamAction("pick", None).pack() == "team:pick:*"
    assert parse("team:pick:*") == TeamAction("pick", None)
    assert TeamAction("pick", "*").pack() != "team:pick:*"  # a staff id "*" is hashed
    assert TicketAction("res", "TK-C1").pack() == "tk:res:TK-C1:-:m"
    assert EscalationAction("to", 1, "-").pack() != "esc:to:1:-"
    with pytest.raises(CallbackDataError):
        parse("esc:to:1:-")  # reassigning to nobody


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


@pytest.mark.parametrize("ticket_id", ["T-INQ", "工单编号" * 10, "X" * 40, "T:1", "x" * 200])
def test_a_tickets_ledger_kind_fits_and_traces_back(ticket_id: str) -> None:
    """Every ledger kind of a ticket fits the column and names the ticket's ref, which
    resolves to the ticket (never a digest that nothing can trace)."""
    kinds = [ledger_kind("tk", ticket_id)] + [
        ping_kind(clock, level, ticket_id)
        for clock in ("response", "resolution")
        for level in (1, 2, 3)
    ]
    assert len(set(kinds)) == len(kinds)
    for kind in kinds:
        assert len(kind) <= MAX_KIND, kind
        ref = ticket_ref(kind)
        assert ref == ref_of(ticket_id)
        assert pick(ref, ["T-OTHER", ticket_id]) == ticket_id
    assert ping_kind("response", 1, "T-INQ") == "tkfr1:T-INQ"  # plain ids stay readable
