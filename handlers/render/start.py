"""Views of /start and /help, refusals and errors."""

from __future__ import annotations

from html import escape

from crm.staff import StaffMember
from handlers.callback_data import LanguageChoice
from handlers.i18n import role_name, t
from handlers.render import Button, View


def staff_label(member: StaffMember, language: str) -> dict[str, str]:
    return {
        "name": escape(member.name),
        "role": role_name(language, member.role),
        "staff_id": escape(member.staff_id),
    }


def help_view(member: StaffMember, language: str) -> View:
    other = "en" if language == "zh" else "zh"
    text = "\n\n".join(
        [
            t(language, "help_you", **staff_label(member, language)),
            t(language, "help_title"),
            t(language, "help_body"),
            t(language, "help_commands"),
        ]
    )
    return View(text, ((Button(t(language, "btn_language"), LanguageChoice(other).pack()),),))


def welcome_view(member: StaffMember, language: str, *, just_bound: bool) -> View:
    key = "bound" if just_bound else "welcome"
    greeting = t(language, key, **staff_label(member, language))
    body = help_view(member, language)
    return View(f"{greeting}\n\n{body.text}", body.buttons)


def already_bound_view(member: StaffMember, language: str) -> View:
    return View(t(language, "already_bound", **staff_label(member, language)))


def invite_error_text(reason: str, language: str) -> str:
    return t(language, f"invite_{reason}")


def refusal_text(language: str, *, group: bool) -> str:
    return t(language, "refuse_group" if group else "refuse_unknown")


def error_text(language: str, error_id: str) -> str:
    return t(language, "error", error_id=error_id)
