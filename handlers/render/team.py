"""Views of /team: the KPI message with a button per manager, the team picker (admins), a
manager's list, the 30-day chart (a PNG, drawn like the asset chart), and the digest's KPI lines."""

from __future__ import annotations

import io
from collections.abc import Sequence
from html import escape
from zoneinfo import ZoneInfo

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from crm.briefings import Briefing
from crm.team import Figures, Team, TeamKpis
from handlers.buttons_client import ClientPick
from handlers.i18n import t
from handlers.render import Button, View
from handlers.render.briefing import item_line
from handlers.render.chart import cjk_font_family
from handlers.render.team_figures import MAX_MANAGER_BUTTONS, manager_buttons, minutes_text
from handlers.team_buttons import TeamAction

LIST_ITEMS = 15


def team_name(kpis: TeamKpis, language: str) -> str:
    if kpis.supervisor is None:
        return t(language, "team_all")
    return t(language, "team_of", name=escape(kpis.supervisor.name))


def _pair(week: Figures, month: Figures, name: str) -> str:
    return f"{getattr(week, name)}/{getattr(month, name)}"


def _figure_lines(week: Figures, month: Figures, language: str) -> list[str]:
    p1 = t(
        language,
        "team_line_p1",
        count=_pair(week, month, "p1"),
        median=(
            minutes_text(week.p1_median_minutes, language)
            + "/"
            + minutes_text(month.p1_median_minutes, language)
        ),
        worst=(
            minutes_text(week.p1_worst_minutes, language)
            + "/"
            + minutes_text(month.p1_worst_minutes, language)
        ),
    )
    if month.p1_open:
        p1 += t(language, "team_line_p1_open", n=month.p1_open)
    return [
        t(
            language,
            "team_line_activity",
            notes=_pair(week, month, "notes"),
            contacts=_pair(week, month, "contacts"),
        ),
        p1,
        t(
            language,
            "team_line_service",
            sla=_pair(week, month, "sla_breaches"),
            overdue=_pair(week, month, "overdue"),
            silent=_pair(week, month, "silent_hnw"),
        ),
    ]


def team_view(kpis: TeamKpis, language: str, timezone: str) -> View:
    """Every manager's figures (7 / 30 days), the team's total, a 📋 button per manager."""
    at = kpis.at.astimezone(ZoneInfo(timezone))
    lines = [
        t(language, "team_title", team=team_name(kpis, language), count=len(kpis.managers)),
        t(language, "team_windows", time=f"{at:%m-%d %H:%M}"),
    ]
    if not kpis.managers:
        lines += ["", t(language, "team_empty")]
        return View("\n".join(lines))
    short, long = kpis.windows[0], kpis.windows[-1]
    for manager in kpis.managers:
        lines.append("")
        lines.append(t(language, "team_manager", name=escape(manager.manager.name)))
        lines += _figure_lines(manager.windows[short], manager.windows[long], language)
    lines.append("")
    lines.append(t(language, "team_total"))
    lines += _figure_lines(kpis.totals[short], kpis.totals[long], language)
    shown = kpis.managers[:MAX_MANAGER_BUTTONS]
    if len(kpis.managers) > len(shown):
        lines.append(t(language, "team_more_buttons", n=len(shown)))
    return View("\n".join(lines), manager_buttons([k.manager for k in shown], language))


def picker_view(teams: Sequence[Team], language: str) -> View:
    """An admin's choice: every team, or one."""
    rows = [(Button(t(language, "team_btn_all"), TeamAction("pick", None).pack()),)]
    rows += [
        (
            Button(
                t(language, "team_btn_team", name=team.supervisor.name, count=team.size),
                TeamAction("pick", team.supervisor.staff_id).pack(),
            ),
        )
        for team in teams
    ]
    return View(t(language, "team_pick"), tuple(rows))


def manager_list_view(briefing: Briefing, language: str) -> View:
    """A manager's ranked list for today, as her supervisor sees it: items and card buttons."""
    items = briefing.items
    lines = [t(language, "team_list_title", name=escape(briefing.staff.name), count=len(items))]
    if not items:
        return View("\n".join([*lines, "", t(language, "team_list_empty")]))
    buttons: list[Button] = []
    for number, item in enumerate(items[:LIST_ITEMS], start=1):
        lines.append(item_line(number, item, language, briefing.day))
        if item.client_id:
            buttons.append(
                Button(t(language, "team_list_card", n=number), ClientPick(item.client_id).pack())
            )
    if len(items) > LIST_ITEMS:
        lines.append(t(language, "team_list_more", n=len(items) - LIST_ITEMS))
    rows = tuple(tuple(buttons[i : i + 4]) for i in range(0, len(buttons), 4))
    return View("\n".join(lines), rows)


SERIES = (
    ("contacts", "team_chart_contacts", "#1f6feb"),
    ("notes", "team_chart_notes", "#8250df"),
    ("sla_breaches", "team_chart_breaches", "#cf222e"),
    ("overdue", "team_chart_overdue", "#bf8700"),
    ("silent_hnw", "team_chart_silent", "#57606a"),
)


def render_team_chart(kpis: TeamKpis, language: str) -> bytes:
    """PNG: per manager, grouped horizontal bars of the longest window's counts."""
    family = cjk_font_family()
    labels = language if family is not None else "en"
    fonts = [family, "DejaVu Sans"] if family else ["DejaVu Sans"]
    days = kpis.windows[-1]
    managers = list(kpis.managers)
    height = min(max(3.0, 1.2 + 0.28 * len(managers)), 16.0)
    figure = Figure(figsize=(8, height), dpi=80)
    # Fixed margins: tight_layout would draw the whole figure twice (half the time at 50 names).
    figure.subplots_adjust(left=0.2, right=0.97, top=1 - 0.5 / height, bottom=0.3 / height)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    bar = 0.8 / len(SERIES)
    for index, (name, key, colour) in enumerate(SERIES):
        values = [getattr(m.windows[days], name) for m in managers]
        positions = [row + index * bar for row in range(len(managers))]
        axes.barh(positions, values, height=bar, color=colour, label=t(labels, key))
    names = [
        m.manager.name if family is not None or m.manager.name.isascii() else m.manager.staff_id
        for m in managers
    ]
    axes.set_yticks([row + 0.4 - bar / 2 for row in range(len(managers))], names)
    axes.invert_yaxis()
    title_team = (
        t(labels, "team_all")
        if kpis.supervisor is None
        else (
            kpis.supervisor.name
            if family is not None or kpis.supervisor.name.isascii()
            else kpis.supervisor.staff_id
        )
    )
    axes.set_title(t(labels, "team_chart_title", team=title_team), fontfamily=fonts, fontsize=13)
    axes.tick_params(labelfontfamily=fonts)
    axes.legend(prop={"family": fonts}, fontsize=8, loc="lower right")
    axes.grid(True, axis="x", alpha=0.3)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def chart_caption(kpis: TeamKpis, language: str) -> str:
    return t(language, "team_chart_caption", team=team_name(kpis, language))
