"""Views of /start and /help, refusals and errors."""

from __future__ import annotations

from html import escape

from crm.staff import StaffMember
from handlers.callback_data import LanguageChoice
from handlers.i18n import role_name, t
from handlers.render import Button, View
from handlers.roles import ROLES, commands_for

# The order of /help's example lines (the menu keeps the registry's order).
HELP_ORDER = (
    "client",
    "note",
    "todo",
    "todos",
    "ask",
    "check",
    "review",
    "today",
    "tickets",
    "settings",
    "team",
    "broadcast",
    "staff",
    "lexicon",
    "start",
    "help",
)


def staff_label(member: StaffMember, language: str) -> dict[str, str]:
    return {
        "name": escape(member.name),
        "role": role_name(language, member.role),
        "staff_id": escape(member.staff_id),
    }


def help_commands(role: str, language: str) -> str:
    """The example lines of the commands `role` may use (from handlers/roles.py)."""
    mine = set(commands_for(role))
    lines = [t(language, f"help_line_{name}") for name in HELP_ORDER if name in mine]
    return "\n".join([t(language, "help_commands_title"), *lines])


def help_view(member: StaffMember, language: str) -> View:
    """Who she is, what the bot does for her role, and her role's commands."""
    other = "en" if language == "zh" else "zh"
    body = "help_body" if member.role == "manager" else f"help_body_{member.role}"
    text = "\n\n".join(
        [
            t(language, "help_you", **staff_label(member, language)),
            t(language, "help_title"),
            t(language, body),
            help_commands(member.role, language),
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


def role_refusal_text(roles: frozenset[str], language: str) -> str:
    """「此功能仅限客户经理和主管使用。」: a command that is not for the sender's role."""
    names = [t(language, f"role_short_{role}") for role in ROLES if role in roles]
    joined = (
        names[0]
        if len(names) == 1
        else (
            ("、" if language == "zh" else ", ").join(names[:-1])
            + t(language, "role_join")
            + names[-1]
        )
    )
    return t(language, "role_refused", roles=joined)


def refusal_text(language: str, *, group: bool) -> str:
    return t(language, "refuse_group" if group else "refuse_unknown")


def error_text(language: str, error_id: str) -> str:
    return t(language, "error", error_id=error_id)
