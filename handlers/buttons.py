"""One wrapper for every button: unpack the typed data, re-authorise the presser, answer the
query exactly once, map errors.

    @button(NoteUndo)
    async def on_undo(press: Press[NoteUndo], context: AppContext) -> None:
        note = await context.services.notes.undo(press.button.note_id, press.staff)
        await press.answer()
        ...

Data that does not parse as the kind (stale, forged, oversized, out of range), a stored id's
hashed ref naming nobody the presser may see (handlers/callback_data.py stored_id; one lookup
per kind, STORED_ID_LOOKUPS) and a press on a message too old to read raise
CallbackDataError: 「按钮已过期」. Domain errors are answered as
handlers/errors.py maps them (with the feature's reading); the handler does not catch them. A
press the handler did not answer is answered without a toast when it returns. Any other error
answers the press too (so the spinner stops) and goes on to the error handler (error id).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Generic

from telegram import CallbackQuery, Message, Update
from telegram.constants import ParseMode

from crm.id_refs import is_hashed, pick
from crm.staff import StaffMember
from handlers.callback_data import ButtonT, CallbackDataError, pressed_button, resolve
from handlers.context import AppContext, Services
from handlers.errors import ButtonReply, Feature, button_reply, is_mapped
from handlers.render import View
from handlers.reply import ignore_not_modified, ignore_query_gone, keyboard

ButtonHandler = Callable[["Press[ButtonT]", AppContext], Awaitable[None]]
UpdateHandler = Callable[[Update, AppContext], Coroutine[Any, Any, None]]


class Press(Generic[ButtonT]):
    """One press of a button of kind ButtonT: its parsed data, the presser, the query."""

    def __init__(self, query: CallbackQuery, button: ButtonT, staff: StaffMember) -> None:
        self.query = query
        self.button = button
        self.staff = staff
        self.answered = False

    @property
    def message(self) -> Message:
        """The pressed message; a press on one too old for Telegram to show us is stale."""
        message = self.query.message
        if not isinstance(message, Message):
            raise CallbackDataError("message too old")
        return message

    async def answer(self, text: str | None = None, *, alert: bool = False) -> None:
        """Answer the press (a toast, or a dialog with alert); only the first answer is sent."""
        await _answer_once(self, self.query, text, alert=alert)

    async def edit(self, view: View) -> None:
        """Redraw the pressed message as view; the same content again is not an error."""
        with ignore_not_modified():
            await self.query.edit_message_text(
                view.text, parse_mode=ParseMode.HTML, reply_markup=keyboard(view)
            )


class _Unanswered:
    answered = False


async def _answer_once(
    state: Press[ButtonT] | _Unanswered,
    query: CallbackQuery,
    text: str | None = None,
    *,
    alert: bool = False,
) -> None:
    if state.answered:
        return
    state.answered = True
    with ignore_query_gone():  # a redelivered press whose query was already answered
        await query.answer(text, show_alert=alert)


def button(
    kind: type[ButtonT], *, feature: Feature | None = None, on_message: bool = False
) -> Callable[[ButtonHandler[ButtonT]], UpdateHandler]:
    """Wrap a handler of presses of `kind` (see the module docstring). With on_message, the data
    must also be a button of the pressed message (a forged press carries data no message of
    ours shows)."""

    def decorate(handler: ButtonHandler[ButtonT]) -> UpdateHandler:
        @functools.wraps(handler)
        async def on_press(update: Update, context: AppContext) -> None:
            query = update.callback_query
            if query is None:
                return
            state: Press[ButtonT] | _Unanswered = _Unanswered()
            try:
                data = pressed_button(query, kind) if on_message else kind.unpack(query.data or "")
                if data is None:
                    raise CallbackDataError("not a button of the pressed message")
                staff = context.require_staff()
                data = await resolve(data, functools.partial(_stored_id, context, staff))
                state = Press(query, data, staff)
                await handler(state, context)
            except Exception as exc:
                if not is_mapped(exc, feature, button=True):
                    await _answer_once(state, query)
                    raise
                await _show(state, query, button_reply(exc, context.language, feature))
                return
            await _answer_once(state, query)

        return on_press

    return decorate


RefResolver = Callable[[Services, StaffMember, str], Awaitable[str | None]]


async def _approved_document(services: Services, viewer: StaffMember, ref: str) -> str | None:
    """Any staff member may see an approved document (the handler re-checks the version)."""
    if not is_hashed(ref):
        return ref
    versions = await services.curation.list_versions()
    return pick(ref, {v.doc_id for v in versions if v.status == "approved"})


# One lookup per kind of stored id (handlers/callback_data.py STORED_KINDS), each restricted
# to the ids the presser may see.
STORED_ID_LOOKUPS: dict[str, RefResolver] = {
    "client": lambda services, viewer, ref: services.clients.resolve_ref(ref, viewer),
    "staff": lambda services, viewer, ref: services.staff.resolve_ref(ref, viewer),
    "ticket": lambda services, viewer, ref: services.tickets.resolve_ref(ref, viewer),
    "document": _approved_document,
}


async def _stored_id(context: AppContext, staff: StaffMember, kind: str, ref: str) -> str | None:
    """The stored id a hashed ref of a button stands for, among those the presser may see."""
    lookup = STORED_ID_LOOKUPS.get(kind)
    if lookup is None:
        raise CallbackDataError(f"no lookup for stored {kind} ids")
    return await lookup(context.services, staff, ref)


async def _show(
    state: Press[ButtonT] | _Unanswered, query: CallbackQuery, reply: ButtonReply
) -> None:
    await _answer_once(state, query, reply.toast, alert=reply.alert)
    if reply.redraw is not None and isinstance(query.message, Message):
        with ignore_not_modified():
            await query.edit_message_text(
                reply.redraw.text, parse_mode=ParseMode.HTML, reply_markup=keyboard(reply.redraw)
            )
