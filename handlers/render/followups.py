"""Views of follow-ups: confirmation, saved, /todos list, snooze choices and reminders.

Times are shown in the reader's zone; task text is masked (phone / ID numbers) and HTML-escaped.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import datetime
from html import escape

from crm.alert_tasks import (
    GREETING_RULES,
    Greeting,
    NoGreetingTemplateError,
    TemplatePlaceholderError,
)
from crm.errors import InvalidDateError, SnoozeNotLaterError
from crm.followups import FollowUp, FollowUpDraft, FollowUpPage, Reminder
from crm.when import zone_of
from handlers.buttons_followups import DraftAction, TodoAction, to_minute
from handlers.i18n import t
from handlers.render import Button, View, user_text

_WEEKDAYS_ZH = "一二三四五六日"
_WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def format_due(moment: datetime, zone: str, language: str) -> str:
    """「2026-11-24（周二）10:00」 or "Tue 2026-11-24 10:00", in the given zone."""
    local = moment.astimezone(zone_of(zone))
    if language == "en":
        return f"{_WEEKDAYS_EN[local.weekday()]} {local:%Y-%m-%d %H:%M}"
    return f"{local:%Y-%m-%d}（周{_WEEKDAYS_ZH[local.weekday()]}）{local:%H:%M}"


def _client(name: str | None, language: str) -> str:
    return escape(name) if name else t(language, "fu_no_client")


def _values(item: FollowUp, zone: str, language: str) -> dict[str, str | int]:
    return {
        "id": item.id,
        "due": format_due(item.due_at, zone, language),
        "title": user_text(item.title),
        "client": _client(item.client_name, language),
    }


def usage_view(language: str) -> View:
    return View(f"{t(language, 'fu_usage')}\n\n{t(language, 'fu_examples')}")


def when_error_view(reason: str, language: str) -> View:
    """unparseable / past / no_task, with examples where they help."""
    key = f"fu_{reason}" if reason in ("unparseable", "past", "no_task") else "fu_unparseable"
    text = t(language, key)
    if reason != "past":
        text = f"{text}\n{t(language, 'fu_examples')}"
    return View(text)


def ask_view(client_name: str, language: str) -> View:
    return View(
        f"{t(language, 'fu_ask', client=escape(client_name))}\n\n{t(language, 'fu_examples')}"
    )


def confirm_view(draft: FollowUpDraft, request_message_id: int, zone: str, language: str) -> View:
    due = format_due(draft.when.due_at, zone, language)
    text = t(
        language,
        "fu_confirm",
        due=due,
        title=user_text(draft.title),
        client=escape(draft.client_name),
    )
    if draft.when.time_defaulted:
        text += t(language, "fu_default_time")
    minute = to_minute(draft.when.due_at)
    return View(
        text,
        (
            (
                Button(
                    t(language, "fu_btn_confirm"),
                    DraftAction("ok", draft.client_id, request_message_id, minute).pack(),
                ),
                Button(
                    t(language, "fu_btn_cancel"),
                    DraftAction("no", draft.client_id, request_message_id, minute).pack(),
                ),
            ),
        ),
    )


def pick_client_view(
    query: str, matches: Sequence[tuple[str, str]], request_message_id: int, language: str
) -> View:
    rows = tuple(
        (
            Button(
                f"{name}（{client_id}）",
                DraftAction("pick", client_id, request_message_id, 0).pack(),
            ),
        )
        for client_id, name in matches[:8]
    )
    return View(t(language, "fu_pick_client", query=escape(query)), rows)


def saved_view(item: FollowUp, zone: str, language: str) -> View:
    return View(t(language, "fu_saved", **_values(item, zone, language)))


def cancelled_view(language: str) -> View:
    return View(t(language, "fu_cancelled"))


def list_view(page: FollowUpPage, now: datetime, zone: str, language: str) -> View:
    """/todos: soonest first, ✅ and ⏰ per item, "more" when the page is not the last."""
    if page.total == 0:
        return View(t(language, "fu_list_empty"))
    blocks = [t(language, "fu_list_title", total=page.total)]
    rows: list[tuple[Button, ...]] = []
    for item in page.items:
        overdue = t(language, "fu_overdue") if item.due_at <= now else ""
        blocks.append(t(language, "fu_list_item", overdue=overdue, **_values(item, zone, language)))
        row: tuple[Button, ...] = (
            Button(t(language, "fu_btn_done", id=item.id), TodoAction("done", item.id).pack()),
            Button(t(language, "fu_btn_later", id=item.id), TodoAction("later", item.id).pack()),
        )
        if is_greeting(item):  # one tap: the filled, ready-to-copy greeting
            greet = t(language, "fu_btn_greeting", id=item.id)
            row = (*row, Button(greet, TodoAction("greet", item.id).pack()))
        rows.append(row)
    shown_to = page.offset + len(page.items)
    if shown_to < page.total:
        blocks.append(t(language, "fu_more_note", first=page.offset + 1, last=shown_to))
        rows.append((Button(t(language, "fu_btn_more"), TodoAction("more", shown_to).pack()),))
    return View("\n\n".join(blocks), tuple(rows))


def _single_item_buttons(item: FollowUp, language: str) -> tuple[tuple[Button, ...], ...]:
    rows: tuple[tuple[Button, ...], ...] = (
        (
            Button(t(language, "fu_btn_done_short"), TodoAction("fin", item.id).pack()),
            Button(t(language, "fu_btn_hour"), TodoAction("hour", item.id).pack()),
            Button(t(language, "fu_btn_tomorrow"), TodoAction("tmrw", item.id).pack()),
        ),
    )
    if is_greeting(item):
        greet = Button(t(language, "fu_btn_greeting_short"), TodoAction("greet", item.id).pack())
        rows = (*rows, (greet,))
    return rows


def snooze_choice_view(item: FollowUp, zone: str, language: str) -> View:
    values = _values(item, zone, language)
    return View(t(language, "fu_snooze_ask", **values), _single_item_buttons(item, language))


def done_view(item: FollowUp, zone: str, language: str) -> View:
    return View(t(language, "fu_done", **_values(item, zone, language)))


def snoozed_view(item: FollowUp, zone: str, language: str) -> View:
    return View(t(language, "fu_snoozed", **_values(item, zone, language)))


def closed_view(language: str) -> View:
    return View(t(language, "fu_closed"))


def reminder_view(reminders: Sequence[Reminder]) -> View:
    """One owner's due follow-ups as one message (one item: ✅ / +1h / tomorrow buttons)."""
    first = reminders[0]
    language, zone = first.language, first.timezone
    if len(reminders) == 1:
        item = first.follow_up
        return View(
            t(language, "fu_reminder", **_values(item, zone, language)),
            _single_item_buttons(item, language),
        )
    page = FollowUpPage(tuple(r.follow_up for r in reminders), len(reminders), 0)
    latest = max(r.follow_up.due_at for r in reminders)  # all are due: mark every one
    listed = list_view(page, latest, zone, language)
    head = t(language, "fu_reminder_many", count=len(reminders))
    body = listed.text.split("\n\n", 1)[1]
    return View(f"{head}\n\n{body}", listed.buttons)


def invalid_date_view(exc: InvalidDateError, language: str) -> View:
    """Why a date or time does not exist: 「2月没有30日」, "There is no 25 o'clock"."""
    month_name = calendar.month_name[exc.month] if exc.month and 1 <= exc.month <= 12 else ""
    values = {
        "year": exc.year,
        "month": exc.month,
        "day": exc.day,
        "hour": exc.hour,
        "minute": exc.minute,
        "month_name": month_name,
    }
    return View(escape(t(language, f"fu_invalid_{exc.problem}", **values)))


def snooze_not_later_text(exc: SnoozeNotLaterError, language: str) -> str:
    """The dialog of a snooze that would move a follow-up earlier: both times, nothing changed."""
    return t(
        language,
        "fu_snooze_not_later",
        id=exc.follow_up_id,
        due=format_due(exc.due_at, exc.zone, language),
        until=format_due(exc.until, exc.zone, language),
    )[:200]


# ----------------------------------------------------------------------------- tasks from alerts


def is_greeting(item: FollowUp) -> bool:
    """A birthday or anniversary task: it carries the 🎉 button to its filled template."""
    return item.alert_rule in GREETING_RULES


def event_tasks_note(follow_up_ids: Sequence[int], language: str) -> str | None:
    """The line under a P2 batch naming the follow-ups created for its clients."""
    if not follow_up_ids:
        return None
    return t(language, "event_tasks_note", ids="、".join(f"#{i}" for i in follow_up_ids))


def greeting_view(greeting: Greeting, language: str) -> View:
    """The greeting task's filled template, ready to copy (each message in <code>: a tap
    copies it), phone and ID numbers masked, with the approved template it came from."""
    template = greeting.template
    blocks = [
        t(
            language,
            "greeting_title",
            id=greeting.follow_up_id,
            client=escape(greeting.client_name),
        ),
        t(language, "greeting_copy"),
        f"<code>{user_text(greeting.text)}</code>",
    ]
    others = greeting.variants[1:]
    if others:
        blocks.append(t(language, "greeting_other"))
        blocks.extend(f"{escape(v.heading)}\n<code>{user_text(v.text)}</code>" for v in others)
    blocks.append(
        t(
            language,
            "greeting_source",
            title=escape(template.title),
            doc_id=escape(template.doc_id),
            version=template.version,
            approved_by=escape(template.approved_by),
            effective=template.effective_from.isoformat(),
        )
    )
    return View("\n\n".join(blocks))


def greeting_refused_view(
    exc: NoGreetingTemplateError | TemplatePlaceholderError, language: str
) -> View:
    """No complete greeting can be made: say why, never show a half-filled one."""
    if isinstance(exc, TemplatePlaceholderError):
        return View(
            t(
                language,
                "greeting_bad_template",
                doc_id=escape(exc.doc_id),
                placeholder=escape(exc.placeholder),
            )
        )
    return View(t(language, "greeting_no_template"))
