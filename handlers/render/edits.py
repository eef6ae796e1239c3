"""Views of an edit that cannot apply: a note's client cannot be changed by editing."""

from __future__ import annotations

from html import escape

from handlers.buttons_client import NoteUndo
from handlers.i18n import t
from handlers.render import Button, View


def client_changed_view(
    note_id: int, old_name: str, new_name: str, *, undoable: bool, language: str
) -> View:
    """The note stays with its client; how to move it: ↩️ (while it may) and a new /note."""
    old, new = escape(old_name), escape(new_name[:64])
    lines = [t(language, "edit_client_changed", id=note_id, old=old)]
    if undoable:
        lines.append(t(language, "edit_client_changed_undo", id=note_id, new=new))
        undo = Button(t(language, "note_undo_button"), NoteUndo(note_id).pack())
        return View("\n".join(lines), ((undo,),))
    lines.append(t(language, "edit_client_changed_late", old=old, new=new))
    return View("\n".join(lines))


def not_a_note_command_view(note_id: int, language: str) -> View:
    return View(escape(t(language, "edit_not_a_note_command", id=note_id)))


def todo_edit_view(language: str) -> View:
    return View(escape(t(language, "edit_todo")))


def todo_confirmation_void_view(language: str) -> View:
    """A /todo confirmation whose request was edited before ✅: void, nothing saved."""
    return View(escape(t(language, "edit_todo_confirmation_void")))
