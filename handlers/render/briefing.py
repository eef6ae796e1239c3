"""Views of the morning briefing, /today, the supervisor digest, /settings and delivery reports."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import Field, fields
from datetime import date, timedelta
from decimal import Decimal
from html import escape
from typing import Any

from crm.briefings import GROUPS, Briefing, BriefingItem, Digest
from crm.explain import CLIP, Reason, TicketFacts, Yuan
from crm.masking import mask_text
from crm.staff import StaffMember
from handlers.buttons_client import ClientPick, NoteStart
from handlers.buttons_proactive import TIME_ZONE_CHOICES, BriefingAction, SettingsAction
from handlers.buttons_tickets import TicketAction
from handlers.i18n import t
from handlers.render import Button, View
from handlers.render.team_figures import digest_kpi_lines, manager_buttons
from handlers.render.tickets import clock_text
from handlers.team_buttons import TeamAction

REF_KINDS = {"alert": "a", "followup": "f", "ticket": "t"}
TIME_CHOICES = ("07:30", "08:00", "08:15", "08:30", "08:45", "09:00")
MAX_REASON_CHARS = 160
WEEKDAYS = {"zh": "一二三四五六日", "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}


def money_short(amount: Decimal, language: str) -> str:
    """625.0万 / ¥6.25M: compact and unambiguous."""
    if language == "en":
        if amount >= 1_000_000:
            return f"¥{amount / 1_000_000:.2f}M"
        return f"¥{amount / 1000:.0f}k"
    return f"{amount / 10_000:.1f}万"


def day_label(day: date, language: str) -> str:
    if language == "en":
        return f"{day:%a %-d %b}"
    return f"{day.month}月{day.day}日（周{WEEKDAYS['zh'][day.weekday()]}）"


def _when(day: date, today: date, language: str) -> str:
    gap = (today - day).days
    if gap == 0:
        return t(language, "when_today")
    if gap == 1:
        return t(language, "when_yesterday")
    return t(language, "when_date", month=day.month, day=day.day)


def _clip(text: str, limit: int = MAX_REASON_CHARS) -> str:
    """Free text (ticket summaries, follow-up titles, news): phone/ID numbers masked, clipped."""
    text = mask_text(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def reason_text(reason: Reason, language: str, today: date, *, html: bool = True) -> str:
    """The reason in words a manager understands: the text `reason_<kind>` filled from the
    typed facts (crm/rules/explanation.py); free text masked, clipped and HTML-escaped."""
    esc = escape if html else (lambda s: s)
    facts = reason.facts
    if isinstance(facts, TicketFacts):
        return _ticket_text(facts, language, esc)
    values = {
        spec.name: _shown(getattr(facts, spec.name), spec, language, today, esc)
        for spec in fields(facts)
    }
    return t(language, f"reason_{reason.kind}", **values)


def _shown(
    value: object, spec: Field[Any], language: str, today: date, esc: Callable[[str], str]
) -> object:
    """A fact as its type says to show it: Yuan grouped, a date relative to today, free text
    masked, clipped (the field's `clip`) and escaped, numbers as they are."""
    if isinstance(value, Yuan):
        return f"{value:,}"
    if isinstance(value, date):
        return _when(value, today, language)
    if isinstance(value, str):
        return esc(_clip(value, spec.metadata.get(CLIP, MAX_REASON_CHARS)))
    return value


def _ticket_text(facts: TicketFacts, language: str, esc: Callable[[str], str]) -> str:
    """投诉工单 · ⏳ 首次响应还剩 2 小时 5 分钟：… (the running SLA clock, crm/tickets.py)."""
    return t(
        language,
        "reason_ticket",
        category=t(language, f"ticket_{facts.category}"),
        clock=clock_text(facts.clock, timedelta(minutes=facts.minutes_left), language),
        summary=esc(_clip(facts.summary, 60)),
    )


def item_line(
    number: int, item: BriefingItem, language: str, today: date, *, html: bool = True
) -> str:
    name = escape(item.client_name) if html else item.client_name
    bold = f"<b>{name}</b>" if html else name
    assets = t(language, "brief_assets", amount=money_short(item.total_assets, language))
    head = f"{number}. {bold} · {assets}" if item.client_id else f"{number}. {bold or '—'}"
    line = f"{head}\n   {reason_text(item.reason, language, today, html=html)}"
    task = item.task  # the alert's task (crm/alert_tasks.py): on this line, not a second item
    if task is not None:
        state = t(language, f"brief_task_{task.state}", time=task.time, due=task.due)
        line += f"\n   {state}"
    return line


def briefing_view(
    briefing: Briefing, language: str, *, page: int = 0, size: int = 8, on_demand: bool = False
) -> View:
    """One message: the page's items grouped in rank order, buttons per item, and "more"."""
    staff = briefing.staff
    today = briefing.day
    total = len(briefing.items)
    title_key = "brief_title_on_demand" if on_demand else "brief_title"
    lines = [
        t(
            language,
            title_key,
            name=escape(staff.name),
            date=day_label(today, language),
            count=total,
        )
    ]
    if briefing.data_date is not None:
        lines.append(t(language, "brief_data_date", date=briefing.data_date.isoformat()))
    if on_demand and not briefing.trading_day:
        lines.append(t(language, "brief_not_trading"))
    if not briefing.items:
        lines.append("")
        lines.append(t(language, "brief_empty"))
        return View("\n".join(lines))
    shown = briefing.page(page, size)
    start = page * size
    buttons: list[tuple[Button, ...]] = []
    group = None
    for offset, item in enumerate(shown):
        number = start + offset + 1
        if item.group != group:
            group = item.group
            lines.append("")
            lines.append(t(language, f"brief_group_{group}"))
        lines.append(item_line(number, item, language, today))
        buttons.append(item_buttons(number, item, language))
    if total > size:
        lines.append("")
        lines.append(
            t(language, "brief_more_note", total=total, start=start + 1, end=start + len(shown))
        )
        day_ref = f"{today:%Y%m%d}"
        next_page = page + 1 if start + size < total else 0
        label = "brief_btn_more" if next_page else "brief_btn_first"
        buttons.append(
            (Button(t(language, label), BriefingAction("more", "p", day_ref, next_page).pack()),)
        )
    return View("\n".join(lines), tuple(buttons))


def item_buttons(number: int, item: BriefingItem, language: str) -> tuple[Button, ...]:
    row: list[Button] = []
    if item.client_id:
        row.append(
            Button(t(language, "brief_btn_card", n=number), ClientPick(item.client_id).pack())
        )
        row.append(
            Button(
                t(language, "brief_btn_note", n=number),
                NoteStart(item.client_id).pack(),
            )
        )
    kind = REF_KINDS.get(item.ref_kind)
    if item.ref_kind == "ticket":  # ✅ on a ticket asks for its one-line resolution
        resolve = TicketAction("res", item.ref_id)
        if resolve.fits():
            row.append(Button(t(language, "brief_btn_done", n=number), resolve.pack()))
    elif kind is not None:
        row.append(
            Button(
                t(language, "brief_btn_done", n=number),
                BriefingAction("done", kind, item.ref_id).pack(),
            )
        )
    return tuple(row)


def briefing_plain(briefing: Briefing, language: str) -> str:
    """The whole briefing as plain text (the CLI `ambot briefing show`)."""
    staff = briefing.staff
    lines = [
        re.sub(
            r"<[^>]+>",
            "",
            t(
                language,
                "brief_title_on_demand",
                name=staff.name,
                date=day_label(briefing.day, language),
                count=len(briefing.items),
            ),
        )
    ]
    if briefing.data_date is not None:
        lines.append(t(language, "brief_data_date", date=briefing.data_date.isoformat()))
    if not briefing.trading_day:
        lines.append(t(language, "brief_not_trading"))
    if not briefing.items:
        lines.append(t(language, "brief_empty"))
    group = None
    for number, item in enumerate(briefing.items, start=1):
        if item.group != group:
            group = item.group
            lines.append("")
            lines.append(t(language, f"brief_group_{group}"))
        lines.append(item_line(number, item, language, briefing.day, html=False))
    return "\n".join(lines)


def digest_view(digest: Digest, language: str, *, limit: int = 6) -> View:
    """The supervisor's morning digest."""
    lines = [
        t(
            language,
            "digest_title",
            name=escape(digest.supervisor.name),
            date=day_label(digest.day, language),
            team=len(digest.team),
        )
    ]
    buttons: list[tuple[Button, ...]] = []
    if digest.kpis is not None and digest.kpis.managers:
        lines.append("")
        lines += digest_kpi_lines(digest.kpis, language)
    if digest.empty:
        lines.append("")
        lines.append(t(language, "digest_empty"))
        return View("\n".join(lines), _manager_rows(digest, language))
    number = 0
    sections = (
        ("digest_open_p1", digest.open_p1),
        ("digest_escalations", digest.escalations),
        ("digest_overdue", digest.overdue),
        ("digest_silent_hnw", digest.silent_hnw),
    )
    for key, items in sections:
        if not items:
            continue
        lines.append("")
        lines.append(t(language, key))
        for item in items[:limit]:
            number += 1  # numbered across the sections, so each button names one item
            manager = t(language, "digest_manager", manager=escape(item.manager_name))
            lines.append(item_line(number, item, language, digest.day) + manager)
            buttons.append(digest_item_buttons(number, item, language))
        if len(items) > limit:
            lines.append(t(language, "digest_more", n=len(items) - limit))
        if key == "digest_overdue" and digest.overdue_by_manager:
            names = {m.staff_id: m.name for m in digest.team}
            counts = "，".join(
                f"{escape(names.get(m, m))} {n}" for m, n in digest.overdue_by_manager.items() if n
            )
            lines.append(t(language, "digest_overdue_counts", counts=counts))
    return View("\n".join(lines), tuple(buttons) + _manager_rows(digest, language))


def digest_item_buttons(number: int, item: BriefingItem, language: str) -> tuple[Button, ...]:
    """A digest item's buttons: the client's card; ✅ on a P1 (the supervisor may close it);
    the manager's list for an overdue follow-up (only its owner closes that)."""
    row: list[Button] = []
    if item.client_id:
        row.append(
            Button(t(language, "digest_btn_card", n=number), ClientPick(item.client_id).pack())
        )
    if item.ref_kind == "alert":
        row.append(
            Button(
                t(language, "digest_btn_done", n=number),
                BriefingAction("done", "a", item.ref_id).pack(),
            )
        )
    elif item.manager_id:
        row.append(
            Button(
                t(language, "team_btn_list", name=f"{number} {item.manager_name}"),
                TeamAction("list", item.manager_id).pack(),
            )
        )
    return tuple(row)


def _manager_rows(digest: Digest, language: str) -> tuple[tuple[Button, ...], ...]:
    """📋 per manager under the digest's figures: her list for today."""
    return manager_buttons(digest.team, language) if digest.team else ()


def missed_report_view(member: StaffMember, day: date, grace: int, language: str) -> View:
    return View(
        t(
            language,
            "missed_report",
            name=escape(member.name),
            date=day.isoformat(),
            time=member.briefing_time.strftime("%H:%M"),
            grace=grace,
        )
    )


def failed_report_view(member: StaffMember, what: str, error: str, language: str) -> View:
    key = f"what_{what}" if what in ("briefing", "digest", "alert", "ping") else "what_other"
    return View(
        t(
            language,
            "failed_report",
            name=escape(member.name),
            what=t(language, key),
            error=escape(error[:120]),
        )
    )


def settings_view(member: StaffMember, language: str, *, zones: bool = False) -> View:
    """The settings with time and language buttons; zones=True shows the time-zone buttons."""
    text = "\n".join(
        [
            t(language, "settings_title"),
            t(
                language,
                "settings_current",
                time=member.briefing_time.strftime("%H:%M"),
                tz=escape(member.timezone),
                lang=t(language, f"language_{member.language}"),
            ),
            "",
            t(language, "settings_choose_zone" if zones else "settings_hint"),
        ]
    )
    if zones:
        return View(
            text,
            tuple(
                (
                    Button(
                        ("✓ " if member.timezone == zone else "") + zone,
                        SettingsAction("tz", str(index)).pack(),
                    ),
                )
                for index, zone in enumerate(TIME_ZONE_CHOICES)
            ),
        )
    times = [
        Button(
            ("✓ " if member.briefing_time.strftime("%H:%M") == c else "") + c,
            SettingsAction("time", c.replace(":", "")).pack(),
        )
        for c in TIME_CHOICES
    ]
    other = "en" if member.language == "zh" else "zh"
    return View(
        text,
        (
            tuple(times[:3]),
            tuple(times[3:]),
            (
                Button(t(language, "settings_btn_zones"), SettingsAction("zones", "-").pack()),
                Button(t(language, "settings_btn_language"), SettingsAction("lang", other).pack()),
            ),
        ),
    )


__all__ = ["GROUPS", "briefing_plain", "briefing_view", "digest_view", "settings_view"]
