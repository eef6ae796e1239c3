"""Views of service tickets: /tickets, the card's section, a pushed ticket, an SLA breach ping,
the teammate choice; and the time left on a clock in words."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from crm.staff import StaffMember
from crm.tickets import Breach, TicketView
from handlers.buttons_tickets import TicketAction
from handlers.i18n import t
from handlers.render import Button, View, user_text

LIST_LIMIT = 10
SUMMARY_CHARS = 60


def duration_text(span: timedelta, language: str) -> str:
    """12 分钟 · 3 小时 5 分钟 · 2 天 4 小时 (the magnitude; the caller says left or overdue)."""
    minutes = max(int(abs(span).total_seconds() // 60), 1)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return t(language, "dur_days", d=days, h=hours)
    if hours:
        return t(language, "dur_hours", h=hours, m=mins)
    return t(language, "dur_minutes", m=mins)


def clock_name(clock: str, language: str) -> str:
    return t(language, f"clock_{clock}")


def category_name(category: str, language: str) -> str:
    return t(language, f"ticket_{category}")


def clock_text(clock: str | None, left: timedelta | None, language: str) -> str:
    """⏳ 首次响应还剩 12 分钟 / ⚠️ 解决已超时 3 小时 5 分钟."""
    if clock is None or left is None:
        return t(language, "ticket_no_clock")
    key = "ticket_left" if left > timedelta(0) else "ticket_late"
    return t(language, key, clock=clock_name(clock, language), left=duration_text(left, language))


def _summary(text: str) -> str:
    clipped = text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1] + "…"
    return user_text(" ".join(clipped.split()))


def _button(label: str, action: TicketAction) -> Button | None:
    return Button(label, action.pack()) if action.fits() else None


def _row(*buttons: Button | None) -> tuple[Button, ...]:
    return tuple(b for b in buttons if b is not None)


def tickets_view(
    tickets: Sequence[TicketView], viewer: StaffMember, now: datetime, language: str
) -> View:
    """/tickets: the most urgent first with the time left; per ticket, the owner's ✅ buttons
    (respond while the first-response clock runs, resolve) or, on a teammate's ticket, 转派."""
    if not tickets:
        return View(t(language, "tickets_empty"))
    team = viewer.role != "manager"
    title = "tickets_title_team" if team else "tickets_title"
    lines = [t(language, title, count=len(tickets))]
    buttons: list[tuple[Button, ...]] = []
    for n, ticket in enumerate(tickets[:LIST_LIMIT], start=1):
        mine = ticket.manager_id == viewer.staff_id
        owner = "" if mine else t(language, "ticket_owner", name=escape(ticket.manager_name))
        lines.append("")
        lines.append(
            t(
                language,
                "ticket_line",
                n=n,
                client=escape(ticket.client_name),
                category=category_name(ticket.category, language),
                ticket_id=escape(ticket.ticket_id),
                owner=owner,
                clock=clock_text(ticket.clock, ticket.left(now), language),
                summary=_summary(ticket.summary),
            )
        )
        row: list[Button | None] = []
        if ticket.first_response_at is None:
            row.append(
                _button(
                    t(language, "btn_ticket_n_respond", n=n),
                    TicketAction("rsp", ticket.ticket_id, src="l"),
                )
            )
        row.append(
            _button(
                t(language, "btn_ticket_n_resolve", n=n),
                TicketAction("res", ticket.ticket_id, src="l"),
            )
        )
        if team and not mine:
            row.append(
                _button(
                    t(language, "btn_ticket_n_reassign", n=n),
                    TicketAction("re", ticket.ticket_id, src="l"),
                )
            )
        buttons.append(_row(*row))
    if len(tickets) > LIST_LIMIT:
        lines.append("")
        lines.append(t(language, "tickets_shown", shown=LIST_LIMIT, total=len(tickets)))
    return View("\n".join(lines), tuple(b for b in buttons if b))


def ticket_body(ticket: TicketView, now: datetime, language: str, timezone: str) -> str:
    opened = ticket.opened_at.astimezone(ZoneInfo(timezone)).strftime("%m-%d %H:%M")
    return t(
        language,
        "ticket_body",
        client=escape(ticket.client_name),
        ticket_id=escape(ticket.ticket_id),
        opened=opened,
        summary=_summary(ticket.summary),
        clock=clock_text(ticket.clock, ticket.left(now), language),
    )


def ticket_view(
    ticket: TicketView,
    now: datetime,
    language: str,
    timezone: str,
    *,
    handed: bool = False,
    status: str | None = None,
) -> View:
    """A ticket pushed to its owner (new, or reassigned to her) with ✅ 已响应 / ✅ 已解决."""
    title = "ticket_handed_title" if handed else "ticket_new_title"
    lines = [
        t(language, title, category=category_name(ticket.category, language)),
        ticket_body(ticket, now, language, timezone),
    ]
    if status:
        lines += ["", status]
    if not ticket.is_open:
        return View("\n".join(lines))
    row: list[Button | None] = []
    if ticket.first_response_at is None:
        row.append(
            _button(t(language, "btn_ticket_respond"), TicketAction("rsp", ticket.ticket_id))
        )
    row.append(_button(t(language, "btn_ticket_resolve"), TicketAction("res", ticket.ticket_id)))
    buttons = _row(*row)
    return View("\n".join(lines), (buttons,) if buttons else ())


def teammate_buttons(
    ticket: TicketView, teammates: Sequence[StaffMember], language: str
) -> tuple[tuple[Button, ...], ...]:
    """One tap per teammate, two to a row."""
    found = [
        _button(
            t(language, "btn_ticket_to", name=m.name),
            TicketAction("to", ticket.ticket_id, m.staff_id),
        )
        for m in teammates
    ]
    shown = [b for b in found if b is not None]
    return tuple(tuple(shown[i : i + 2]) for i in range(0, len(shown), 2))


def breach_view(breach: Breach, now: datetime, language: str, minutes: int) -> View:
    """The supervisor's (or admins') ping about a breached clock, with one-tap reassign."""
    ticket = breach.ticket
    due = ticket.due_at if ticket.clock == breach.clock else None
    late = duration_text(now - due, language) if due is not None else "—"
    clock = clock_name(breach.clock, language)
    lines = [
        t(language, "ticket_breach_title", clock=clock, level=breach.level),
        t(
            language,
            "ticket_breach_body",
            manager=escape(ticket.manager_name),
            category=category_name(ticket.category, language),
            ticket_id=escape(ticket.ticket_id),
            clock=clock,
            late=late,
            client=escape(ticket.client_name),
            summary=_summary(ticket.summary),
        ),
    ]
    if breach.level < 3:
        lines.append(t(language, "ticket_breach_next", minutes=minutes))
    else:
        lines.append(t(language, "ticket_breach_last"))
    buttons = teammate_buttons(ticket, breach.teammates, language)
    if buttons:
        lines += ["", t(language, "ticket_breach_reassign")]
    return View("\n".join(lines), buttons)


def breach_more_view(count: int, language: str) -> View:
    return View(t(language, "ticket_breach_more", n=count))


def teammates_view(ticket: TicketView, teammates: Sequence[StaffMember], language: str) -> View:
    if not teammates:
        return View(t(language, "ticket_no_teammates"))
    text = t(
        language,
        "ticket_pick_teammate",
        ticket_id=escape(ticket.ticket_id),
        client=escape(ticket.client_name),
    )
    return View(text, teammate_buttons(ticket, teammates, language))


def card_tickets_section(tickets: Sequence[TicketView], now: datetime, language: str) -> str:
    """The client card's open tickets ('' when none)."""
    if not tickets:
        return ""
    lines = [t(language, "card_tickets_title", count=len(tickets))]
    for ticket in tickets[:5]:
        lines.append(
            t(
                language,
                "card_ticket_line",
                category=category_name(ticket.category, language),
                ticket_id=escape(ticket.ticket_id),
                clock=clock_text(ticket.clock, ticket.left(now), language),
            )
        )
    return "\n".join(lines)
