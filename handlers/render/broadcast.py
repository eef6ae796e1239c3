"""Views of /broadcast: the message each manager gets (with 收到), the sender's tally, the
report of who has not acknowledged, and the ping to their supervisors."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from crm.broadcasts import Broadcast, BroadcastRefusedError, Report, Tally
from crm.staff import StaffMember
from handlers.broadcast_buttons import BroadcastAck
from handlers.i18n import t
from handlers.render import Button, View

MAX_BODY_CHARS = 3000  # one message with its button (Telegram's limit is 4096)


def broadcast_view(broadcast: Broadcast, language: str) -> View:
    points = broadcast.points
    body = points.body.strip()
    if len(body) > MAX_BODY_CHARS:
        body = body[: MAX_BODY_CHARS - 1] + "…"
    lines = [
        t(language, "bc_title", title=escape(points.title)),
        t(
            language,
            "bc_source",
            doc_id=escape(points.doc_id),
            version=points.version,
            approved_by=escape(points.approved_by),
            effective=points.effective_from.isoformat(),
        ),
        "",
        escape(body),
        "",
        t(language, "bc_ask_ack"),
    ]
    button = Button(t(language, "bc_btn_ack"), BroadcastAck(broadcast.id).pack())
    return View("\n".join(lines), ((button,),))


def scope_text(team: str | None, language: str) -> str:
    if team is None:
        return t(language, "bc_scope_all")
    return t(language, "bc_scope_team", name=escape(team))


def tally_text(tally: Tally, language: str) -> str:
    return t(
        language,
        "bc_tally",
        title=escape(tally.title),
        scope=scope_text(tally.team, language),
        acked=tally.acknowledged,
        total=tally.total,
    )


def first_tally(broadcast: Broadcast, language: str) -> str:
    """The sender's reply at once: sending has started, and the tally (0/N) edited from then."""
    team = broadcast.team.name if broadcast.team is not None else None
    tally = tally_text(
        Tally(broadcast.id, 0, broadcast.total, None, None, broadcast.points.title, team, language),
        language,
    )
    return f"{t(language, 'bc_started', total=broadcast.total)}\n{tally}"


def refusal_text(exc: BroadcastRefusedError, language: str) -> str:
    return t(language, f"bc_refused_{exc.reason}", doc=escape(exc.subject[:80]))


def _line(member: StaffMember, language: str, supervisor: str | None) -> str:
    extra = t(language, "bc_report_supervisor", name=escape(supervisor)) if supervisor else ""
    if member.telegram_user_id is None:
        extra += t(language, "bc_report_unbound")
    return t(
        language,
        "bc_report_line",
        name=escape(member.name),
        staff_id=escape(member.staff_id),
        supervisor=extra,
    )


def report_view(report: Report, language: str) -> View:
    broadcast = report.broadcast
    lines = [t(language, "bc_report_title", title=escape(broadcast.points.title))]
    if not report.missing:
        lines.append(t(language, "bc_report_all_done", total=broadcast.total))
        return View("\n".join(lines))
    lines.append(
        t(
            language,
            "bc_report_counts",
            acked=report.acknowledged,
            total=broadcast.total,
            missing=len(report.missing),
        )
    )
    names = {s.staff_id: s.name for s, _ in report.supervisors}
    for member in report.missing:
        lines.append(_line(member, language, names.get(member.supervisor_id or "")))
    return View("\n".join(lines))


def supervisor_ping_view(
    broadcast: Broadcast, missing: Sequence[StaffMember], language: str
) -> View:
    lines = [
        t(language, "bc_ping_title", title=escape(broadcast.points.title)),
        t(language, "bc_ping_body"),
    ]
    lines += [_line(member, language, None) for member in missing]
    return View("\n".join(lines))
