"""Views of /staff (admins) and of the handover a supervisor is told about."""

from __future__ import annotations

from html import escape

from crm.staff import Handover, StaffMember
from handlers.buttons_staff import StaffAction
from handlers.i18n import role_name, t
from handlers.render import Button, View, user_text

PAGE_SIZE = 8
TICKETS_SHOWN = 10


def _line(member: StaffMember, language: str) -> str:
    return t(
        language,
        "staff_line",
        name=escape(member.name),
        staff_id=escape(member.staff_id),
        role=role_name(language, member.role),
        state=t(language, "staff_active" if member.active else "staff_inactive"),
        bound=t(language, "staff_bound" if member.telegram_user_id else "staff_unbound"),
    )


def staff_list_view(
    members: list[StaffMember], viewer: StaffMember, language: str, page: int = 0
) -> View:
    """One page of staff: a line each, and 停用 / 解绑 buttons where they apply."""
    pages = max(1, -(-len(members) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    shown = members[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    page_text = t(language, "staff_page", page=page + 1, pages=pages) if pages > 1 else ""
    lines = [t(language, "staff_title", count=len(members), page=page_text)]
    lines += [f"{page * PAGE_SIZE + i + 1}. {_line(m, language)}" for i, m in enumerate(shown)]
    lines.append(t(language, "staff_hint"))
    rows: list[tuple[Button, ...]] = []
    for member in shown:
        row: list[Button] = []
        name = member.name[:12]
        if member.active and member.staff_id != viewer.staff_id:
            data = StaffAction("off", member.staff_id).pack()
            row.append(Button(t(language, "staff_btn_off", name=name), data))
        if member.telegram_user_id is not None:
            data = StaffAction("unbind", member.staff_id).pack()
            row.append(Button(t(language, "staff_btn_unbind", name=name), data))
        if row:
            rows.append(tuple(row))
    paging: list[Button] = []
    if page > 0:
        paging.append(
            Button(t(language, "staff_btn_prev"), StaffAction("page", str(page - 1)).pack())
        )
    if page < pages - 1:
        paging.append(
            Button(t(language, "staff_btn_next"), StaffAction("page", str(page + 1)).pack())
        )
    if paging:
        rows.append(tuple(paging))
    return View("\n".join(lines), tuple(rows))


def reason_prompt_text(action: str, member: StaffMember, language: str) -> str:
    key = "staff_ask_off" if action == "off" else "staff_ask_unbind"
    return t(language, key, name=escape(member.name), staff_id=escape(member.staff_id))


def _tickets(tickets: tuple[str, ...]) -> str:
    shown = "、".join(escape(ticket) for ticket in tickets[:TICKETS_SHOWN])
    return shown + ("…" if len(tickets) > TICKETS_SHOWN else "")


def deactivated_view(handover: Handover, reason: str, language: str) -> View:
    """What the admin is told after a deactivation."""
    member = handover.staff
    lines = [
        t(
            language,
            "staff_done_off",
            name=escape(member.name),
            staff_id=escape(member.staff_id),
            reason=user_text(reason),
        )
    ]
    counts = {"alerts": len(handover.alerts), "follow_ups": len(handover.follow_ups)}
    boss = handover.supervisor
    if boss is not None:
        lines.append(
            t(
                language,
                "staff_done_handover",
                supervisor=escape(boss.name),
                supervisor_id=escape(boss.staff_id),
                **counts,
            )
        )
    else:
        lines.append(t(language, "staff_done_no_supervisor", name=escape(member.name), **counts))
    if handover.tickets:
        lines.append(
            t(
                language,
                "staff_done_tickets" if boss is not None else "staff_done_tickets_kept",
                count=len(handover.tickets),
                tickets=_tickets(handover.tickets),
            )
        )
    return View("\n".join(lines))


def handover_view(handover: Handover, reason: str, language: str) -> View:
    """What the supervisor is told: who left, why, and what is now hers."""
    member = handover.staff
    lines = [
        t(
            language,
            "staff_handover",
            name=escape(member.name),
            staff_id=escape(member.staff_id),
            reason=user_text(reason),
            alerts=len(handover.alerts),
            follow_ups=len(handover.follow_ups),
        )
    ]
    if handover.tickets:
        lines.append(
            t(
                language,
                "staff_handover_tickets",
                count=len(handover.tickets),
                tickets=_tickets(handover.tickets),
            )
        )
    return View("\n".join(lines))


def unbound_text(member: StaffMember, reason: str, language: str) -> str:
    return t(
        language,
        "staff_done_unbind",
        name=escape(member.name),
        staff_id=escape(member.staff_id),
        reason=user_text(reason),
    )
