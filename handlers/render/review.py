"""Views of /review (the compliance workbench): the queue, one item each (a draft with its diff,
a gap, a finding, a 👎, a 👍 offered as a similar question), upload results, and the notice a manager gets when her gap is answered.

Item views are edited into the pressed message, so they must fit one message: a long diff is
cut to `DIFF_BUDGET` UTF-16 code units (one `<pre>` entity), and the cut is said.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from handlers.i18n import t
from handlers.render import Button, View, user_text
from handlers.review_buttons import ReviewButton
from handlers.splitting import utf16_len
from knowledge_base.documents import LoadProblem
from knowledge_base.errors import (
    EmptyQuestionError,
    NotAuthorizedError,
    QuestionTooLongError,
    UnknownDocumentError,
)
from knowledge_base.gaps import (
    GapClosedError,
    GapQuestionTooLongError,
    GapResolution,
    NotInForceError,
)
from knowledge_base.review import (
    FeedbackDetail,
    FindingDetail,
    GapDetail,
    InForce,
    LikedDetail,
    QueueItem,
    Uploaded,
    VersionDetail,
)

PAGE_SIZE = 5
MESSAGE_BUDGET = 3900  # UTF-16 code units of an item view (Telegram's limit is 4096)
PROBLEMS_SHOWN = 20


def _at(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def _who(staff_id: str | None, name: str | None, language: str) -> str:
    if not staff_id:
        return t(language, "rv_unknown_person")
    if not name:
        return escape(staff_id)
    if language == "zh":
        return f"{escape(name)}（{escape(staff_id)}）"
    return f"{escape(name)} ({escape(staff_id)})"


def _back(language: str, page: int) -> Button:
    return Button(t(language, "rv_btn_back"), ReviewButton("pg", 0, page).pack())


# ---------------------------------------------------------------------- the queue

_OPEN = {"draft": "od", "gap": "og", "finding": "of", "feedback": "ob", "liked": "ol"}


def _queue_line(item: QueueItem, language: str, zone: str) -> str:
    who = _who(item.who, item.who_name, language)
    at = _at(item.at, zone)
    summary = user_text(item.summary)
    if item.kind == "draft":
        return t(
            language, "rv_line_draft", label=escape(item.label or ""), title=summary, who=who, at=at
        )
    if item.kind == "gap":
        if item.label:
            return t(
                language,
                "rv_line_gap_drafting",
                summary=summary,
                who=who,
                at=at,
                doc_id=escape(item.label),
            )
        return t(language, "rv_line_gap", summary=summary, who=who, at=at)
    if item.kind == "finding":
        key = "rv_line_finding_note" if item.label == "note" else "rv_line_finding_draft_check"
        return t(language, key, summary=summary, who=who, at=at)
    return t(
        language,
        "rv_line_liked" if item.kind == "liked" else "rv_line_feedback",
        summary=summary,
        label=escape(item.label or t(language, "rv_feedback_none")),
        who=who,
        at=at,
    )


def pages_of(items: Sequence[QueueItem]) -> int:
    return max(1, -(-len(items) // PAGE_SIZE))


def queue_view(items: Sequence[QueueItem], language: str, zone: str, page: int = 0) -> View:
    """One page of the queue, oldest first: a line and a numbered button per item."""
    if not items:
        return View(t(language, "rv_empty"))
    pages = pages_of(items)
    page = min(max(page, 0), pages - 1)
    first = page * PAGE_SIZE
    shown = items[first : first + PAGE_SIZE]
    page_text = t(language, "rv_page", page=page + 1, pages=pages) if pages > 1 else ""
    lines = [t(language, "rv_title", count=len(items), page=page_text)]
    lines += [
        f"{first + i + 1}. {_queue_line(item, language, zone)}" for i, item in enumerate(shown)
    ]
    lines.append(t(language, "rv_hint"))
    rows: list[tuple[Button, ...]] = [
        tuple(
            Button(str(first + i + 1), ReviewButton(_OPEN[item.kind], item.ref, page).pack())
            for i, item in enumerate(shown)
        )
    ]
    paging: list[Button] = []
    if page > 0:
        paging.append(Button(t(language, "rv_btn_prev"), ReviewButton("pg", 0, page - 1).pack()))
    if page < pages - 1:
        paging.append(Button(t(language, "rv_btn_next"), ReviewButton("pg", 0, page + 1).pack()))
    if paging:
        rows.append(tuple(paging))
    return View("\n".join(lines), tuple(rows))


# ---------------------------------------------------------------------- drafts and versions


def _in_force_line(in_force: InForce, language: str) -> str:
    return t(
        language,
        "rv_in_force",
        version=in_force.version,
        approved_by=escape(in_force.approved_by or "—"),
        effective_from=in_force.effective_from.isoformat() if in_force.effective_from else "—",
    )


def _fit_block(head: str, lines: Sequence[str], tail: str, doc_id: str, language: str) -> str:
    """head + as many lines as fit in one `<pre>` + tail, within MESSAGE_BUDGET."""
    budget = MESSAGE_BUDGET - utf16_len(head) - utf16_len(tail) - 120
    kept: list[str] = []
    used = 0
    for line in lines:
        escaped = escape(line)
        size = utf16_len(escaped) + 1
        if used + size > budget:
            break
        kept.append(escaped)
        used += size
    parts = [head]
    if kept:
        parts.append("<pre>" + "\n".join(kept) + "</pre>")
    if len(kept) < len(lines):
        parts.append(
            t(language, "rv_diff_more", count=len(lines) - len(kept), doc_id=escape(doc_id))
        )
    if tail:
        parts.append(tail)
    return "\n".join(parts)


def version_view(
    detail: VersionDetail,
    language: str,
    zone: str,
    *,
    officer: bool,
    page: int = 0,
    note: str | None = None,
) -> View:
    """A draft with its diff against the version in force (or a version in force), with
    批准 / 退回 / 下线 for compliance officers. `note` goes first (what just happened)."""
    label = escape(detail.label)
    title = user_text(detail.title)
    if detail.is_draft:
        heading = t(language, "rv_draft_title", label=label, title=title)
    else:
        status = t(language, f"rv_status_{detail.status}")
        heading = t(language, "rv_version_title", label=label, title=title, status=status)
    head = [note] if note else []
    head += [
        heading,
        t(
            language,
            "rv_draft_meta",
            kind=escape(detail.kind),
            author=_who(detail.author, detail.author_name, language),
            at=_at(detail.imported_at, zone),
        ),
    ]
    in_force = detail.in_force
    body_lines: list[str] = []
    if in_force is None:
        head.append(t(language, "rv_no_in_force"))
        if detail.is_draft:
            head.append(t(language, "rv_new_body"))
            body_lines = detail.body.strip().splitlines()
    else:
        head.append(_in_force_line(in_force, language))
        if in_force.version_id != detail.version_id:
            if detail.diff:
                head.append(t(language, "rv_diff_title", version=in_force.version))
                body_lines = list(detail.diff)
            else:
                head.append(t(language, "rv_no_diff"))
    tail = t(language, "rv_draft_gaps", count=len(detail.gap_ids)) if detail.gap_ids else ""
    text = _fit_block("\n".join(head), body_lines, tail, detail.doc_id, language)
    rows: list[tuple[Button, ...]] = []
    if officer and detail.is_draft:
        rows.append(
            (
                Button(
                    t(language, "rv_btn_approve"),
                    ReviewButton("ap", detail.version_id, page).pack(),
                ),
                Button(
                    t(language, "rv_btn_reject"), ReviewButton("rj", detail.version_id, page).pack()
                ),
            )
        )
    if officer and in_force is not None:
        rows.append(
            (
                Button(
                    t(language, "rv_btn_retire", version=in_force.version),
                    ReviewButton("rt", in_force.version_id, page).pack(),
                ),
            )
        )
    rows.append((_back(language, page),))
    return View(text, tuple(rows))


def done_view(text: str, language: str, page: int = 0) -> View:
    """What an act did, with the way back to the queue."""
    return View(text, ((_back(language, page),),))


def approved_text(detail: VersionDetail, by: str, answered: int, language: str) -> str:
    lines = [
        t(
            language,
            "rv_approved",
            label=escape(detail.label),
            title=user_text(detail.title),
            by=escape(by),
        )
    ]
    if answered:
        lines.append(t(language, "rv_approved_gaps", count=answered))
    return "\n".join(lines)


def reason_prompt(action: str, language: str, **values: object) -> str:
    return t(language, f"rv_ask_{action}", **values)


# ---------------------------------------------------------------------- uploads

# kb import's reasons (knowledge_base/documents.py, knowledge_base/review.py) in words.
_PROBLEMS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), key)
    for pattern, key in (
        (r"^missing YAML front matter", "rv_p_missing_front"),
        (r"^front matter is not valid YAML", "rv_p_yaml"),
        (r"^front matter must be a mapping", "rv_p_mapping"),
        (r"^missing field: (?P<field>\S+)", "rv_p_missing_field"),
        (r"^unknown field: (?P<field>.+)$", "rv_p_unknown_field"),
        (r"^bad id (?P<value>.+?): use", "rv_p_bad_id"),
        (r"^version must be", "rv_p_version"),
        (r"^unknown kind", "rv_p_kind"),
        (r"^language must be", "rv_p_language"),
        (r"^unknown status", "rv_p_status"),
        (r"^product_risk must be", "rv_p_risk"),
        (r"^bad date in (?P<field>\w+)", "rv_p_date"),
        (r"^approved documents need approved_by", "rv_p_approved_by"),
        (r"^approved documents need effective_from", "rv_p_effective"),
        (r"^expires_on must be after", "rv_p_expires"),
        (r"^tags must be", "rv_p_tags"),
        (r"^questions?\b", "rv_p_questions"),
        (r"^empty body", "rv_p_empty_body"),
        (r"^not UTF-8", "rv_p_not_utf8"),
        (r"^the file is empty", "rv_p_empty_file"),
        (r"^the file is (?P<encoding>\S+) text, not UTF-8", "rv_p_other_encoding"),
        (r"^not a text file: it looks like an Excel", "rv_p_workbook"),
        (r"^not a text file: it looks like UTF-16", "rv_p_utf16_unmarked"),
        (r"^not a text file", "rv_p_binary"),
        (r"^the file is not UTF-8 \(it looks like GBK", "rv_p_gbk"),
        (r"^the file is not UTF-8: invalid bytes on line (?P<line>\d+)", "rv_p_not_utf8_line"),
        (r"^file larger than (?P<limit>\d+) KB", "rv_p_too_large"),
        (
            r"^version (?P<version>\d+) of (?P<doc_id>\S+) is already (?P<status>\w+)",
            "rv_p_published",
        ),
        (
            r"^version (?P<version>\d+) is older than published version (?P<newest>\d+) of "
            r"(?P<doc_id>\S+)",
            "rv_p_older",
        ),
    )
)


def problem_reason(reason: str, language: str) -> str:
    """One loader problem in the user's language (the loader's own words when unknown)."""
    for pattern, key in _PROBLEMS:
        found = pattern.search(reason)
        if found:
            values = {k: user_text(v) for k, v in found.groupdict().items()}
            return t(language, key, **values)
    return user_text(reason)


def upload_rejected_view(file_name: str, problems: Sequence[LoadProblem], language: str) -> View:
    """The file's problems by line, as `kb import` finds them."""
    lines = [t(language, "rv_upload_invalid", file=user_text(file_name))]
    for problem in problems[:PROBLEMS_SHOWN]:
        reason = problem_reason(problem.reason, language)
        if problem.line > 0:
            lines.append(t(language, "rv_upload_problem", line=problem.line, reason=reason))
        else:
            lines.append(t(language, "rv_upload_problem_file", reason=reason))
    if len(problems) > PROBLEMS_SHOWN:
        lines.append("…")
    return View("\n".join(lines))


def upload_note(uploaded: Uploaded, language: str, gap_id: int | None) -> str:
    """The line put above the new draft's view."""
    values = {
        "label": escape(f"{uploaded.doc_id} v{uploaded.version}"),
        "title": user_text(uploaded.title),
    }
    lines = [t(language, "rv_upload_saved" if uploaded.new else "rv_upload_unchanged", **values)]
    if uploaded.claimed_status != "draft":
        lines.append(
            t(language, "rv_upload_status_ignored", status=escape(uploaded.claimed_status))
        )
    if gap_id is not None:
        lines.append(t(language, "rv_upload_for_gap", gap_id=gap_id))
    return "\n".join(lines)


# ---------------------------------------------------------------------- gaps


def gap_view(
    gap: GapDetail,
    suggestions: Sequence[InForce],
    suggestion_docs: Sequence[str],
    language: str,
    zone: str,
    *,
    officer: bool,
    page: int = 0,
) -> View:
    """A content gap, the documents in force it might be linked to, and the ways to resolve it."""
    lines = [
        t(language, "rv_gap_title", gap_id=gap.gap_id),
        t(language, "rv_gap_question", question=user_text(gap.question)),
        t(
            language,
            "rv_gap_meta",
            who=_who(gap.asked_by, gap.asker_name, language),
            at=_at(gap.asked_at, zone),
        ),
    ]
    if gap.status != "open":
        lines.append(
            t(language, "rv_gap_closed", status=t(language, f"rv_gap_status_{gap.status}"))
        )
        return View("\n".join(lines), ((_back(language, page),),))
    if gap.doc_id:
        lines.append(t(language, "rv_gap_drafting", doc_id=escape(gap.doc_id)))
    if suggestions:
        lines.append(t(language, "rv_gap_suggest"))
        lines += [
            t(
                language,
                "rv_gap_suggestion",
                doc_id=escape(doc_id),
                version=option.version,
                title=user_text(option.title),
            )
            for option, doc_id in zip(suggestions, suggestion_docs, strict=True)
        ]
    rows: list[tuple[Button, ...]] = []
    if officer:
        rows += [
            (
                Button(
                    t(language, "rv_btn_link", doc_id=doc_id[:40]),
                    ReviewButton("gl", gap.gap_id, option.version_id).pack(),
                ),
            )
            for option, doc_id in zip(suggestions, suggestion_docs, strict=True)
        ]
        rows.append(
            (
                Button(
                    t(language, "rv_btn_link_other"), ReviewButton("gt", gap.gap_id, page).pack()
                ),
                Button(
                    t(language, "rv_btn_new_draft"), ReviewButton("gn", gap.gap_id, page).pack()
                ),
            )
        )
        rows.append(
            (Button(t(language, "rv_btn_dismiss"), ReviewButton("gd", gap.gap_id, page).pack()),)
        )
    rows.append((_back(language, page),))
    return View("\n".join(lines), tuple(rows))


def linked_text(resolution: GapResolution, language: str) -> str:
    return t(
        language,
        "rv_linked",
        gap_id=resolution.gap_id,
        doc_id=escape(resolution.doc_id or ""),
        version=resolution.version,
        title=user_text(resolution.title or ""),
    )


def gap_notice_view(resolution: GapResolution, language: str) -> View:
    """What the manager who asked is told when her question has an approved answer."""
    return View(
        t(
            language,
            "rv_gap_notice",
            question=user_text(resolution.question),
            doc_id=escape(resolution.doc_id or ""),
            version=resolution.version,
            title=user_text(resolution.title or ""),
        )
    )


# ---------------------------------------------------------------------- findings and 👎


def _reviewed_line(who: str | None, note: str | None, language: str) -> str | None:
    if who is None:
        return None
    suffix = t(language, "rv_note_suffix", note=user_text(note)) if note else ""
    return t(language, "rv_reviewed_by", who=escape(who), note=suffix)


def _mark_rows(
    reviewed: bool, done: str, with_note: str, ref: int, language: str, page: int
) -> tuple[tuple[Button, ...], ...]:
    rows: list[tuple[Button, ...]] = []
    if not reviewed:
        rows.append(
            (
                Button(t(language, "rv_btn_reviewed"), ReviewButton(done, ref, page).pack()),
                Button(
                    t(language, "rv_btn_reviewed_note"), ReviewButton(with_note, ref, page).pack()
                ),
            )
        )
    rows.append((_back(language, page),))
    return tuple(rows)


def finding_view(
    finding: FindingDetail, language: str, zone: str, *, page: int = 0, note: str | None = None
) -> View:
    """A flagged /check draft or note: who, when, the phrases and the text."""
    key = "rv_finding_title_note" if finding.source == "note" else "rv_finding_title_draft_check"
    lines = [note] if note else []
    lines += [
        t(language, key, ref=finding.finding_id),
        t(
            language,
            "rv_finding_meta",
            who=_who(finding.staff_id, finding.staff_name, language),
            at=_at(finding.created_at, zone),
        ),
    ]
    if finding.phrases:
        lines.append(
            t(
                language,
                "rv_finding_phrases",
                phrases="、".join(user_text(p) for p in finding.phrases),
            )
        )
    text = finding.text if len(finding.text) <= 1500 else finding.text[:1500] + "…"
    lines.append(t(language, "rv_finding_text", text=user_text(text)))
    reviewed = _reviewed_line(finding.reviewed_by, finding.review_note, language)
    if reviewed:
        lines.append(reviewed)
    rows = _mark_rows(
        finding.reviewed_by is not None, "fr", "fn", finding.finding_id, language, page
    )
    return View("\n".join(lines), rows)


def feedback_view(
    vote: FeedbackDetail, language: str, zone: str, *, page: int = 0, note: str | None = None
) -> View:
    """A 👎 on an answer: the question, the document cited, who and when."""
    label = (
        escape(f"{vote.doc_id} v{vote.version}") if vote.doc_id else t(language, "rv_feedback_none")
    )
    lines = [note] if note else []
    lines += [
        t(language, "rv_feedback_title", ref=vote.feedback_id),
        t(language, "rv_feedback_question", question=user_text(vote.question)),
        t(language, "rv_feedback_cited", label=label),
        t(
            language,
            "rv_finding_meta",
            who=_who(vote.staff_id, vote.staff_name, language),
            at=_at(vote.at, zone),
        ),
    ]
    reviewed = _reviewed_line(vote.reviewed_by, vote.review_note, language)
    if reviewed:
        lines.append(reviewed)
    rows = _mark_rows(vote.reviewed_by is not None, "br", "bn", vote.feedback_id, language, page)
    return View("\n".join(lines), rows)


def liked_view(
    liked: LikedDetail,
    language: str,
    zone: str,
    *,
    officer: bool,
    page: int = 0,
    note: str | None = None,
) -> View:
    """A 👍 answer offered as a similar question of the document it cited: 加为相似问 (compliance
    officers) and 忽略, until someone handled it."""
    label = escape(f"{liked.doc_id} v{liked.version}" if liked.version else liked.doc_id)
    doc_id = escape(liked.doc_id)
    lines = [note] if note else []
    lines += [
        t(language, "rv_liked_title", ref=liked.feedback_id),
        t(language, "rv_feedback_question", question=user_text(liked.question)),
        t(language, "rv_feedback_cited", label=label),
        t(
            language,
            "rv_finding_meta",
            who=_who(liked.staff_id, liked.staff_name, language),
            at=_at(liked.at, zone),
        ),
    ]
    waiting = liked.reviewed_by is None and not liked.adopted
    if liked.adopted:
        lines.append(t(language, "rv_liked_adopted_state", doc_id=doc_id))
    elif liked.reviewed_by is not None:
        lines.append(t(language, "rv_liked_ignored_state", who=escape(liked.reviewed_by)))
    else:
        lines.append(t(language, "rv_liked_hint", doc_id=doc_id))
    rows: list[tuple[Button, ...]] = []
    if waiting:
        acts = [
            Button(t(language, "rv_btn_ignore"), ReviewButton("li", liked.feedback_id, page).pack())
        ]
        if officer:
            acts.insert(
                0,
                Button(
                    t(language, "rv_btn_adopt"), ReviewButton("la", liked.feedback_id, page).pack()
                ),
            )
        rows.append(tuple(acts))
    rows.append((_back(language, page),))
    return View("\n".join(lines), tuple(rows))


def adopted_text(liked: LikedDetail, language: str) -> str:
    return t(
        language, "rv_adopted", question=user_text(liked.question), doc_id=escape(liked.doc_id)
    )


def marked_text(note: str | None, language: str) -> str:
    suffix = t(language, "rv_note_suffix", note=user_text(note)) if note else ""
    return t(language, "rv_marked", note=suffix)


# ---------------------------------------------------------------------- errors


def review_error_text(exc: Exception, language: str) -> str:
    """The reply to a knowledge-base error in /review (handlers/errors.py maps them here)."""
    if isinstance(exc, GapClosedError):
        return t(language, "rv_gap_closed", status=t(language, f"rv_gap_status_{exc.status}"))
    if isinstance(exc, GapQuestionTooLongError):
        return t(language, "rv_gap_too_long", length=exc.length, limit=exc.limit)
    if isinstance(exc, NotInForceError):
        return t(language, "rv_not_in_force", doc_id=user_text(exc.doc_id))
    if isinstance(exc, EmptyQuestionError):
        return t(language, "rv_question_empty")
    if isinstance(exc, QuestionTooLongError):
        return t(language, "rv_question_too_long", length=exc.length, limit=exc.limit)
    if isinstance(exc, UnknownDocumentError):
        return t(language, "rv_no_document", doc_id=user_text(exc.doc_id))
    if isinstance(exc, NotAuthorizedError):
        return t(language, "rv_not_officer")
    return t(language, "rv_gone")


def review_press_error_text(exc: Exception, language: str) -> str:
    """The toast of a knowledge-base error on a /review button: as under a message, but a
    document missing at a press (加为相似问) is one the knowledge base does not have at all."""
    if isinstance(exc, UnknownDocumentError):
        return t(language, "rv_unknown_document", doc_id=user_text(exc.doc_id))
    return review_error_text(exc, language)
