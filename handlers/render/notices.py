"""The message of a notice owed to a staff member (knowledge_base/notices.py): her content gap
answered (the /review view), her draft rejected (with the reason and who rejected it)."""

from __future__ import annotations

from html import escape

from handlers.i18n import t
from handlers.render import View, user_text
from handlers.render.review import gap_notice_view
from knowledge_base.gaps import GapResolution
from knowledge_base.notices import Notice


def notice_view(notice: Notice, language: str) -> View | None:
    """The notice in the recipient's language; None for a kind this version does not know."""
    body = notice.body
    if notice.kind == "gap_answered":
        resolution = GapResolution(
            int(body["gap_id"]),
            str(body.get("question") or ""),
            notice.staff_id,
            "answered",
            body.get("doc_id"),
            body.get("title"),
            body.get("version"),
        )
        return gap_notice_view(resolution, language)
    if notice.kind == "draft_rejected":
        who = str(body.get("by_name") or body.get("by") or "")
        if body.get("by") and who != body.get("by"):
            who = f"{who}（{body['by']}）" if language == "zh" else f"{who} ({body['by']})"
        return View(
            t(
                language,
                "ntc_draft_rejected",
                doc_id=escape(str(body.get("doc_id") or "")),
                version=body.get("version"),
                title=user_text(str(body.get("title") or "")),
                who=user_text(who),
                reason=user_text(str(body.get("reason") or "")),
            )
        )
    return None
