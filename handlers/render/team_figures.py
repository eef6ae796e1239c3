"""Team figures shown in more than one view: minutes as 25分 / 1小时30分, and the KPI lines of
the supervisor's morning digest (handlers/render/briefing.py) with a 📋 button per manager."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from crm.staff import StaffMember
from crm.team import TeamKpis
from handlers.i18n import t
from handlers.render import Button
from handlers.team_buttons import TeamAction

MAX_MANAGER_BUTTONS = 48  # Telegram shows up to 100 buttons; three names a row


def minutes_text(value: float | None, language: str) -> str:
    if value is None:
        return t(language, "team_none")
    whole = round(value)
    if whole < 60:
        return t(language, "team_minutes", n=whole)
    return t(language, "team_hours", h=whole // 60, m=whole % 60)


def digest_kpi_lines(kpis: TeamKpis, language: str) -> list[str]:
    """The digest's KPI section: one line per manager over the shortest window."""
    if not kpis.managers:
        return []
    days = kpis.windows[0]
    lines = [t(language, "digest_kpi_title")]
    for manager in kpis.managers:
        f = manager.windows[days]
        lines.append(
            t(
                language,
                "digest_kpi_line",
                name=escape(manager.manager.name),
                contacts=f.contacts,
                notes=f.notes,
                worst=minutes_text(f.p1_worst_minutes, language),
                sla=f.sla_breaches,
                overdue=f.overdue,
                silent=f.silent_hnw,
            )
        )
    return lines


def manager_buttons(
    managers: Sequence[StaffMember], language: str
) -> tuple[tuple[Button, ...], ...]:
    """📋 <name> per manager (three a row): opens her list for today."""
    buttons = [
        Button(t(language, "team_btn_list", name=m.name), TeamAction("list", m.staff_id).pack())
        for m in managers[:MAX_MANAGER_BUTTONS]
    ]
    return tuple(tuple(buttons[i : i + 3]) for i in range(0, len(buttons), 3))
