"""Views of alert messages to managers, escalation pings to supervisors and event-task batches."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from html import escape
from zoneinfo import ZoneInfo

from crm.alerts import AlertView, Escalation
from crm.staff import StaffMember
from handlers.buttons_proactive import AlertAction, EscalationAction
from handlers.i18n import t
from handlers.render import Button, View
from handlers.render.briefing import money_short, reason_text
from knowledge_base.curation import ApprovedText

MAX_POINTS_CHARS = 900


def _assets(alert: AlertView, language: str) -> str:
    return money_short(alert.total_assets, language)


def script_line(script: ApprovedText | None, language: str) -> str | None:
    if script is None:
        return None
    return t(
        language,
        "alert_script",
        title=escape(script.title),
        doc_id=escape(script.doc_id),
        version=script.version,
        approved_by=escape(script.approved_by),
        effective=script.effective_from.isoformat(),
    )


def p1_view(
    alert: AlertView,
    language: str,
    today: date,
    *,
    script: ApprovedText | None = None,
    minutes: int | None = None,
) -> View:
    """The P1 message to the manager, with 确认 / 稍后 / 升级; `minutes` is the configured
    escalation time the text promises (without it, the text names no time)."""
    action = (
        t(language, "alert_p1_action", minutes=minutes)
        if minutes is not None
        else t(language, "alert_p1_action_later")
    )
    lines = [
        t(
            language,
            "alert_p1_title",
            client=escape(alert.client_name),
            assets=_assets(alert, language),
        ),
        reason_text(alert.reason, language, today),
        "",
        action,
    ]
    line = script_line(script, language)
    if line:
        lines.append(line)
    return View("\n".join(lines), alert_buttons(alert.id, language))


def alert_buttons(alert_id: int, language: str) -> tuple[tuple[Button, ...], ...]:
    return (
        (
            Button(t(language, "alert_btn_ack"), AlertAction("ack", alert_id).pack()),
            Button(t(language, "alert_btn_snooze"), AlertAction("snz", alert_id).pack()),
            Button(t(language, "alert_btn_escalate"), AlertAction("esc", alert_id).pack()),
        ),
    )


def reminder_view(
    alert: AlertView, language: str, today: date, *, minutes: int | None = None
) -> View:
    body = p1_view(alert, language, today, minutes=minutes)
    return View(t(language, "alert_reminder") + "\n\n" + body.text, body.buttons)


def alert_status_view(
    alert: AlertView,
    language: str,
    today: date,
    status_line: str,
    *,
    keep_buttons: bool,
    minutes: int | None = None,
) -> View:
    """The alert message redrawn after a press: the status line added."""
    body = p1_view(alert, language, today, minutes=minutes)
    return View(body.text + "\n\n" + status_line, body.buttons if keep_buttons else ())


def snoozed_line(alert: AlertView, language: str, timezone: str) -> str:
    until = alert.snoozed_until or datetime.now(ZoneInfo(timezone))
    return t(
        language,
        "alert_status_snoozed",
        time=until.astimezone(ZoneInfo(timezone)).strftime("%H:%M"),
    )


def escalation_view(
    escalation: Escalation,
    language: str,
    today: date,
    *,
    minutes: int,
    by_name: str | None = None,
    with_reassign: bool = True,
) -> View:
    """The ping to a supervisor (or admin): one-tap acknowledge and reassign."""
    alert = escalation.alert
    manager = escape(alert.manager_name)
    if by_name is not None:
        intro = t(language, "esc_manual", by=escape(by_name), manager=manager)
    elif escalation.level <= 1:
        intro = t(language, "esc_first", manager=manager)
    else:
        intro = t(language, "esc_again", minutes=minutes * (escalation.level - 1), manager=manager)
    lines = [
        t(language, "esc_title", level=escalation.level),
        intro,
        t(
            language,
            "esc_line",
            client=escape(alert.client_name),
            assets=_assets(alert, language),
            reason=reason_text(alert.reason, language, today),
        ),
    ]
    row = [Button(t(language, "esc_btn_ack"), EscalationAction("ack", alert.id).pack())]
    if with_reassign:
        row.append(Button(t(language, "esc_btn_reassign"), EscalationAction("re", alert.id).pack()))
    return View("\n".join(lines), (tuple(row),))


def teammates_view(
    alert: AlertView, teammates: Sequence[StaffMember], language: str, body: str
) -> View:
    """The ping redrawn with one button per teammate."""
    if not teammates:
        return View(
            body + "\n\n" + t(language, "esc_no_teammates"),
            ((Button(t(language, "esc_btn_ack"), EscalationAction("ack", alert.id).pack()),),),
        )
    rows = tuple(
        (Button(m.name, EscalationAction("to", alert.id, m.staff_id).pack()),) for m in teammates
    )
    return View(body + "\n\n" + t(language, "esc_choose", client=escape(alert.client_name)), rows)


def event_batch_view(
    alerts: Sequence[AlertView], language: str, today: date, points: ApprovedText | None
) -> View:
    """All of a manager's new P2 event tasks in one message, with research links and the
    approved talking points."""
    lines = [t(language, "event_batch_title", count=len(alerts)), ""]
    urls: list[str] = []
    for number, alert in enumerate(alerts, start=1):
        lines.append(
            t(
                language,
                "event_line",
                n=number,
                client=escape(alert.client_name),
                assets=_assets(alert, language),
                reason=reason_text(alert.reason, language, today),
            )
        )
        url = alert.reason.research_url
        if url and url not in urls:
            urls.append(url)
            lines.append("   " + t(language, "event_research", url=escape(url)))
    lines.append("")
    if points is None:
        lines.append(t(language, "event_no_points"))
    else:
        lines.append(
            t(
                language,
                "event_points_title",
                title=escape(points.title),
                doc_id=escape(points.doc_id),
                version=points.version,
                approved_by=escape(points.approved_by),
            )
        )
        body = points.body.strip()
        steps = body.split("## ", 2)
        excerpt = ("## " + steps[2]) if len(steps) > 2 else body
        excerpt = excerpt.split("\n## ", 1)[0].replace("## ", "")
        if len(excerpt) > MAX_POINTS_CHARS:
            excerpt = excerpt[: MAX_POINTS_CHARS - 1] + "…"
        lines.append(escape(excerpt))
    lines.append("")
    lines.append(t(language, "event_footer"))
    return View("\n".join(lines))
