"""Views of notes: the 「已保存 #id」 confirmation (with undo, compliance notice and scripts),
revisions and undo. User text is escaped and shown only as a short preview."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from crm.notes import NoteFlag, NoteRevised, NoteSaved
from handlers.buttons_client import NotePick, NoteUndo
from handlers.i18n import t
from handlers.render import Button, View, user_text
from handlers.render.clients import preview
from knowledge_base.answering import Citation

PREVIEW_CHARS = 120


def prompt_view(name: str, client_id: str, language: str) -> View:
    return View(t(language, "note_prompt", name=escape(name), client_id=escape(client_id)))


def _flag_lines(flags: Sequence[NoteFlag], language: str) -> list[str]:
    """One line per flagged phrase (×N when it occurs more than once), so a note repeating a
    phrase still gets a one-message confirmation."""
    if not flags:
        return []
    groups: dict[tuple[str, str], list[NoteFlag]] = {}
    for flag in flags:
        groups.setdefault((flag.phrase, flag.suggestion), []).append(flag)
    lines = ["", t(language, "note_flag_title")]
    for (_phrase, suggestion), group in groups.items():
        first = group[0]
        times = f" ×{len(group)}" if len(group) > 1 else ""
        lines.append(
            t(
                language,
                "note_flag_line",
                matched=user_text(first.matched_text or first.phrase) + times,
                suggestion=escape(suggestion),
            )
        )
    return lines


def saved_view(saved: NoteSaved, suggestions: Sequence[Citation], language: str) -> View:
    """The confirmation; a replay of the same message renders the very same view."""
    note = saved.note
    key = "note_saved_deleted" if note.deleted_at is not None else "note_saved"
    lines = [t(language, key, id=note.id, name=escape(saved.client_name))]
    if note.kind == "voice":
        lines.append(t(language, "note_voice_saved", seconds=note.voice_duration or 0))
    else:
        lines.append(t(language, "note_preview", preview=preview(note.text, PREVIEW_CHARS)))
        if len(note.text) > PREVIEW_CHARS:
            lines.append(t(language, "note_length", length=f"{len(note.text):,}"))
    lines.extend(_flag_lines(saved.flags, language))
    if suggestions:
        lines.extend(["", t(language, "note_suggest_title")])
        lines.extend(
            t(
                language,
                "note_suggest_line",
                title=escape(c.title),
                doc_id=escape(c.doc_id),
                version=c.version,
            )
            for c in suggestions
        )
    buttons: tuple[tuple[Button, ...], ...] = ()
    if note.deleted_at is None:
        buttons = ((Button(t(language, "note_undo_button"), NoteUndo(note.id).pack()),),)
    return View("\n".join(lines), buttons)


def revised_view(revised: NoteRevised, language: str) -> View:
    note = revised.note
    lines = [t(language, "note_revised", id=note.id, revision=note.revision)]
    lines.append(t(language, "note_preview", preview=preview(note.text, PREVIEW_CHARS)))
    lines.extend(_flag_lines(revised.flags, language))
    return View("\n".join(lines))


def undone_text(note_id: int, language: str) -> str:
    return t(language, "note_undone", id=note_id)


def undo_expired_text(note_id: int, minutes: int, language: str) -> str:
    return t(language, "note_undo_expired", id=note_id, minutes=minutes)


def pick_view(
    query: str, choices: Sequence[tuple[str, str]], message_id: int, language: str
) -> View:
    """The candidates for a `/note` whose client word was not exact, one button each; the view
    replies to the request (message_id), which a press reads back."""
    buttons = tuple(
        (
            Button(
                t(language, "note_pick_button", name=name, client_id=cid),
                NotePick(cid, message_id).pack(),
            ),
        )
        for cid, name in choices
    )
    return View(t(language, "note_pick", query=escape(query[:64])), buttons)
