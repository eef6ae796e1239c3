"""A Markdown file sent to the bot by a compliance officer becomes a draft authored by her
(DESIGN §5): validated as `kb import` validates, answered with its problems by line when
invalid, never approved by its front matter. After 📝 起草新文档 on a gap, the draft answers that
gap once approved. Anyone else's files go to the fallback, as before.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, MessageHandler, filters

from handlers import fallback, session
from handlers.context import AppContext
from handlers.errors import maps_errors
from handlers.i18n import t
from handlers.render import View
from handlers.render.review import upload_note, upload_rejected_view, version_view
from handlers.reply import reply_view
from handlers.review import PENDING_UPLOAD
from knowledge_base.documents import LoadProblem
from knowledge_base.gaps import GapClosedError
from knowledge_base.review import UPLOAD_LIMIT, UploadRejected


@maps_errors("review")
async def on_document(update: Update, context: AppContext) -> None:
    """A file from a compliance officer: a .md document becomes her draft."""
    message = update.message
    if message is None or message.document is None:
        return
    staff = context.require_staff()
    if staff.role != "compliance":
        await fallback.on_unclaimed_message(update, context)
        return
    language = context.language
    document = message.document
    name = document.file_name or "document.md"
    if not name.lower().endswith(".md"):
        await reply_view(message, View(t(language, "rv_upload_not_md")))
        return
    if document.file_size is not None and document.file_size > UPLOAD_LIMIT:
        problem = LoadProblem(name, 0, f"file larger than {UPLOAD_LIMIT // 1024} KB")
        await reply_view(message, upload_rejected_view(name, [problem], language))
        return
    telegram_file = await document.get_file()
    data = bytes(await telegram_file.download_as_bytearray())
    services = context.services
    outcome = await services.review.upload(data, name, by=staff.staff_id)
    if isinstance(outcome, UploadRejected):
        await reply_view(message, upload_rejected_view(name, outcome.problems, language))
        return  # a pending gap draft stays pending: she may send the corrected file
    gap_id = await _for_gap(context, outcome.doc_id)
    detail = await services.review.version(outcome.version_id, staff.staff_id)
    note = upload_note(outcome, language, gap_id)
    await reply_view(
        message, version_view(detail, language, staff.timezone, officer=True, note=note)
    )


async def _for_gap(context: AppContext, doc_id: str) -> int | None:
    """After 📝 起草新文档 on a gap: this draft answers it once approved."""
    step = session.pending(context)
    if step is None or step.kind != PENDING_UPLOAD or step.extra is None:
        return None
    session.set_pending(context, None)
    gap_id = int(step.extra)
    staff = context.require_staff()
    try:
        await context.services.gaps.await_draft(gap_id, doc_id, by=staff.staff_id)
    except GapClosedError:
        return None  # a colleague closed it meanwhile; the draft stands on its own
    return gap_id


def register(app: Application) -> None:
    app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.Document.ALL, on_document))
