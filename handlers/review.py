"""/review — the compliance officer's workbench (DESIGN §7): one queue, oldest first, of drafts
(with a diff against the version in force), content gaps, flagged drafts and notes, and 👎
answers; `/review DOC-ID` shows one document.

On a draft: 批准 (four eyes: never by its author), 退回 and 下线 (with a reason, asked as the next
message through the one pending-step mechanism). On a gap: link it to a document in force (its
question becomes one of the document's approved questions), draft a new document for it (the
next .md file; handlers/review_upload.py), or dismiss it with a reason. Findings and 👎 are
marked reviewed, with an optional note. A 👍 answer whose question the cited document does not
yet have is offered as a similar question: 加为相似问 (compliance officers) adds it to that
document, 忽略 marks it reviewed; either way it leaves the queue. Curation acts bump the knowledge-base generation, so
every process answers from the new state within seconds; every act is journaled by its
service. What an act owes someone (the manager whose gap is answered, the author of a rejected
draft) is queued by the service in the act's transaction and delivered at once from here, on
the one outgoing path (handlers/notices.py; the scheduler's sweep delivers what `ambot kb` acts
queue).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from handlers import session
from handlers.buttons import Press, button
from handlers.commands import command_argument
from handlers.context import AppContext
from handlers.errors import maps_errors
from handlers.i18n import t
from handlers.notices import deliver_notices
from handlers.render import View, user_text
from handlers.render.review import (
    adopted_text,
    approved_text,
    done_view,
    feedback_view,
    finding_view,
    gap_view,
    liked_view,
    linked_text,
    marked_text,
    queue_view,
    reason_prompt,
    version_view,
)
from handlers.reply import reply_view
from handlers.review_buttons import ReviewButton
from knowledge_base.review import NOTE_LIMIT, InForce
from knowledge_base.text import clean_text

PENDING_TEXT = "review_text"  # the next message is a reason, a note or a document id
PENDING_UPLOAD = "review_upload"  # the next .md file is a draft for gap <extra>
SUGGESTIONS = 3
_DOC_ID = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,79}$")
# Acts that change the knowledge base: compliance officers only (admins may read and mark).
OFFICER_ACTIONS = frozenset({"ap", "rj", "rt", "gl", "gt", "gn", "gd", "la"})


@maps_errors("review")
async def cmd_review(update: Update, context: AppContext) -> None:
    """The queue, first page; `/review DOC-ID`: that document's draft or version in force."""
    message = update.message
    if message is None:
        return
    viewer = context.require_staff()
    services = context.services
    doc_id = command_argument(message.text).strip().upper()
    if doc_id:
        detail = await services.review.document(doc_id, viewer.staff_id)
        officer = viewer.role == "compliance"
        await reply_view(
            message, version_view(detail, context.language, viewer.timezone, officer=officer)
        )
        return
    items = await services.review.queue(viewer.staff_id)
    await reply_view(message, queue_view(items, context.language, viewer.timezone))


@button(ReviewButton, feature="review")
async def on_review(press: Press[ReviewButton], context: AppContext) -> None:
    """Pages, items and the acts on them (see the module docstring)."""
    action, ref, arg = press.button.action, press.button.ref, press.button.arg
    viewer = press.staff
    language = context.language
    services = context.services
    review = services.review
    zone = viewer.timezone
    officer = viewer.role == "compliance"
    if action in OFFICER_ACTIONS and not officer:
        await press.answer(t(language, "rv_not_officer"), alert=True)
        return
    if action == "pg":
        items = await review.queue(viewer.staff_id)
        await press.edit(queue_view(items, language, zone, arg))
    elif action == "od":
        detail = await review.version(ref, viewer.staff_id)
        await press.edit(version_view(detail, language, zone, officer=officer, page=arg))
    elif action == "og":
        await press.edit(await _gap_view(context, ref, arg))
    elif action == "of":
        finding = await review.finding(ref, viewer.staff_id)
        await press.edit(finding_view(finding, language, zone, page=arg))
    elif action == "ob":
        vote = await review.feedback(ref, viewer.staff_id)
        await press.edit(feedback_view(vote, language, zone, page=arg))
    elif action == "ol":
        liked = await review.liked(ref, viewer.staff_id)
        await press.edit(liked_view(liked, language, zone, officer=officer, page=arg))
    elif action in ("la", "li"):
        await _settle_liked(press, context)
    elif action == "ap":
        await _approve(press, context)
    elif action in ("rj", "rt"):
        detail = await review.version(ref, viewer.staff_id)
        wanted = "draft" if action == "rj" else "approved"
        if detail.status != wanted:
            status = t(language, f"rv_status_{detail.status}")
            await press.answer(t(language, "rv_draft_done", status=status), alert=True)
            return
        if action == "rj":
            prompt = reason_prompt("reject", language, label=user_text(detail.label))
        else:
            prompt = reason_prompt(
                "retire", language, doc_id=user_text(detail.doc_id), version=detail.version
            )
        await _ask(press, context, f"{action}:{ref}:{arg}", prompt)
    elif action == "gl":
        doc_id, _ = await review.doc_of(arg)
        resolution = await services.gaps.link(ref, doc_id, by=viewer.staff_id)
        await press.edit(done_view(linked_text(resolution, language), language))
        await _tell(context, [resolution.notice_id])
    elif action in ("gt", "gd"):
        gap = await review.gap(ref, viewer.staff_id)
        if gap.status != "open":
            await press.edit(await _gap_view(context, ref, arg))
            return
        key = "link" if action == "gt" else "dismiss"
        await _ask(
            press, context, f"{action}:{ref}:{arg}", reason_prompt(key, language, gap_id=ref)
        )
    elif action == "gn":
        gap = await review.gap(ref, viewer.staff_id)
        if gap.status != "open":
            await press.edit(await _gap_view(context, ref, arg))
            return
        session.set_pending(context, session.Pending(PENDING_UPLOAD, extra=str(ref)))
        await press.answer()
        await reply_view(press.message, View(reason_prompt("upload", language, gap_id=ref)))
    elif action in ("fr", "br"):
        await _mark(press, context, action, ref, arg, None, edit=True)
    elif action in ("fn", "bn"):
        await _ask(press, context, f"{action}:{ref}:{arg}", reason_prompt("note", language))


async def _ask(press: Press[ReviewButton], context: AppContext, extra: str, prompt: str) -> None:
    """The next plain message is the reason, note or document id for this act."""
    session.set_pending(context, session.Pending(PENDING_TEXT, extra=extra))
    await press.answer()
    await reply_view(press.message, View(prompt))


async def _gap_view(context: AppContext, gap_id: int, page: int) -> View:
    """A gap with the documents in force that answer its question best (link buttons)."""
    viewer = context.require_staff()
    services = context.services
    gap = await services.review.gap(gap_id, viewer.staff_id)
    options: list[InForce] = []
    doc_ids: list[str] = []
    if gap.status == "open":
        ranked = await services.answers.rank(gap.question, k=SUGGESTIONS)
        wanted = [gap.best_doc_id] if gap.best_doc_id else []
        wanted += [r.doc_id for r in ranked]
        found = await services.review.in_force(list(dict.fromkeys(wanted)))
        for doc_id, option in found.items():
            if len(options) < SUGGESTIONS:
                options.append(option)
                doc_ids.append(doc_id)
    return gap_view(
        gap,
        options,
        doc_ids,
        context.language,
        viewer.timezone,
        officer=viewer.role == "compliance",
        page=page,
    )


async def _approve(press: Press[ReviewButton], context: AppContext) -> None:
    """批准: four eyes (the author is refused, with why), then approve, answer the gaps that
    awaited this document, and redraw the item as the version now in force."""
    viewer = press.staff
    language = context.language
    services = context.services
    ref, page = press.button.ref, press.button.arg
    detail = await services.review.version(ref, viewer.staff_id)
    if not detail.is_draft:
        status = t(language, f"rv_status_{detail.status}")
        await press.answer(t(language, "rv_draft_done", status=status), alert=True)
        await press.edit(version_view(detail, language, viewer.timezone, officer=True, page=page))
        return
    if detail.author == viewer.staff_id:
        await press.answer(t(language, "rv_four_eyes"), alert=True)
        return
    approved = await services.curation.approve(
        detail.doc_id, by=viewer.staff_id, version=detail.version
    )
    await press.answer()
    after = await services.review.version(ref, viewer.staff_id)
    note = approved_text(detail, viewer.staff_id, len(approved.answered_gaps), language)
    await press.edit(
        version_view(after, language, viewer.timezone, officer=True, page=page, note=note)
    )
    await _tell(context, approved.notices)


async def _settle_liked(press: Press[ReviewButton], context: AppContext) -> None:
    """加为相似问 (la) or 忽略 (li) on a 👍 answer; a second press says who handled it."""
    viewer = press.staff
    language = context.language
    review = context.services.review
    ref, page = press.button.ref, press.button.arg
    if press.button.action == "la":
        marked = await review.adopt_liked(ref, by=viewer.staff_id)
    else:
        marked = await review.ignore_liked(ref, by=viewer.staff_id)
    liked = await review.liked(ref, viewer.staff_id)
    if not marked.new:
        said = t(language, "rv_liked_done_already", who=user_text(marked.reviewed_by or ""))
        await press.answer(said[:190], alert=True)
    elif press.button.action == "la":
        said = adopted_text(liked, language)
    else:
        said = t(language, "rv_liked_ignored")
    officer = viewer.role == "compliance"
    await press.edit(
        liked_view(liked, language, viewer.timezone, officer=officer, page=page, note=said)
    )


async def _mark(
    press_or_none: Press[ReviewButton] | None,
    context: AppContext,
    action: str,
    ref: int,
    page: int,
    note: str | None,
    *,
    edit: bool,
) -> View:
    """Mark a finding (fr/fn) or a 👎 (br/bn) reviewed; redraw (a press) or return the view."""
    viewer = context.require_staff()
    services = context.services
    language = context.language
    finding = action in ("fr", "fn")
    if finding:
        marked = await services.review.mark_finding(ref, by=viewer.staff_id, note=note)
    else:
        marked = await services.review.mark_feedback(ref, by=viewer.staff_id, note=note)
    said = (
        marked_text(note, language)
        if marked.new
        else t(language, "rv_marked_already", who=user_text(marked.reviewed_by or ""))
    )
    if finding:
        detail = await services.review.finding(ref, viewer.staff_id)
        view = finding_view(detail, language, viewer.timezone, page=page, note=said)
    else:
        vote = await services.review.feedback(ref, viewer.staff_id)
        view = feedback_view(vote, language, viewer.timezone, page=page, note=said)
    if press_or_none is not None and edit:
        await press_or_none.answer(None if marked.new else said[:190])
        await press_or_none.edit(view)
    return view


@maps_errors("review")
async def on_text(update: Update, context: AppContext) -> None:
    """The next message after 退回 / 下线 / 忽略 / 备注 / 关联其他文档: do it and say so."""
    message = update.effective_message
    step = session.pending(context)
    if message is None or step is None or step.extra is None:
        return
    language = context.language
    action, ref_text, page_text = step.extra.split(":")
    ref, page = int(ref_text), int(page_text)
    text = clean_text(message.text or "")
    if action == "gt":
        text = text.upper()
        if not _DOC_ID.match(text):
            await reply_view(message, View(t(language, "rv_bad_doc_id")))
            return  # the step stays: the next message is the document id
    elif not text:
        await reply_view(message, View(t(language, "rv_reason_empty")))
        return
    elif len(text) > NOTE_LIMIT:
        await reply_view(message, View(t(language, "rv_reason_too_long", limit=NOTE_LIMIT)))
        return
    session.set_pending(context, None)
    viewer = context.require_staff()
    services = context.services
    by = viewer.staff_id
    if action == "rj":
        doc_id, version = await services.review.doc_of(ref)
        rejected = await services.curation.reject(doc_id, by=by, reason=text, version=version)
        said = t(
            language, "rv_rejected", label=user_text(f"{doc_id} v{version}"), reason=user_text(text)
        )
        await reply_view(message, done_view(said, language, page))
        await _tell(context, rejected.notices)
    elif action == "rt":
        doc_id, _ = await services.review.doc_of(ref)
        retired = await services.curation.retire(doc_id, by=by, reason=text)
        versions = "、".join(str(v.version) for v in retired)
        said = t(
            language,
            "rv_retired",
            doc_id=user_text(doc_id),
            versions=versions,
            reason=user_text(text),
        )
        await reply_view(message, done_view(said, language, page))
    elif action == "gt":
        resolution = await services.gaps.link(ref, text, by=by)
        await reply_view(message, done_view(linked_text(resolution, language), language, page))
        await _tell(context, [resolution.notice_id])
    elif action == "gd":
        await services.gaps.dismiss(ref, by=by, reason=text)
        said = t(language, "rv_dismissed", gap_id=ref, reason=user_text(text))
        await reply_view(message, done_view(said, language, page))
    elif action in ("fn", "bn"):
        await reply_view(message, await _mark(None, context, action, ref, page, text, edit=False))


async def _tell(context: AppContext, notices: Iterable[int | None]) -> None:
    """Deliver what this act owes others now (once: the sweep skips what is settled)."""
    ids = [n for n in notices if n is not None]
    if ids:
        await deliver_notices(context.application, ids, wait=True)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("review", cmd_review))
    app.add_handler(session.PendingStepHandler(app, PENDING_TEXT, on_text))
    app.add_handler(CallbackQueryHandler(on_review, pattern=ReviewButton.matches))
