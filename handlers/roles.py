"""Which role may use which command: the one registry that `/help`, the Telegram command menu
and the guard's role check all derive from.

A command listed here is refused by the guard, in the user's language, for any role not named
(「此功能仅限客户经理和主管使用」); a command of no role here (a feature not built yet) is
simply not listed, and reaches the fallback. Each bound staff member gets a command menu of her
own (`BotCommandScopeChat`, in her language), set on her first update in a process and again
whenever her role or language differs from the menu this process last set; the default menu
(strangers, and anyone not yet seen) is the manager's.
"""

from __future__ import annotations

import logging
import weakref
from dataclasses import dataclass
from typing import Any

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from crm.staff import StaffMember
from handlers.i18n import t

log = logging.getLogger(__name__)

ROLES = ("manager", "supervisor", "compliance", "admin")
_EVERYONE = frozenset(ROLES)
_BOOK = frozenset({"manager", "supervisor"})  # roles with a client book
_SCRIPTS = _BOOK | {"compliance"}  # approved answers and the draft check


@dataclass(frozen=True)
class Command:
    """A command, the roles that may use it, and whether /help shows an example line for it."""

    name: str
    roles: frozenset[str]


# In menu order. Description key `cmd_<name>`, help line `help_line_<name>`.
COMMANDS: tuple[Command, ...] = (
    Command("start", _EVERYONE),
    Command("help", _EVERYONE),
    Command("ask", _SCRIPTS),
    Command("check", _SCRIPTS),
    Command("review", frozenset({"compliance", "admin"})),
    Command("todo", _BOOK),
    Command("todos", _BOOK),
    Command("client", _BOOK),
    Command("note", _BOOK),
    Command("today", _BOOK),
    Command("tickets", _BOOK),
    Command("settings", _BOOK),
    Command("team", frozenset({"supervisor", "admin"})),
    Command("broadcast", frozenset({"admin"})),
    Command("staff", frozenset({"admin"})),
    Command("lexicon", frozenset({"compliance", "admin"})),
)
_BY_NAME = {command.name: command for command in COMMANDS}


def commands_for(role: str) -> tuple[str, ...]:
    """The commands `role` may use, in menu order."""
    return tuple(c.name for c in COMMANDS if role in c.roles)


def allowed_roles(command: str) -> frozenset[str] | None:
    """The roles that may use `command` (None: not a command of the registry)."""
    found = _BY_NAME.get(command)
    return found.roles if found is not None else None


def command_of(text: str | None) -> str | None:
    """`/client@ambot_bot 张伟` → `client`; None for a message that is not a command."""
    if not text or not text.startswith("/"):
        return None
    return text.split(maxsplit=1)[0][1:].split("@", 1)[0].lower() or None


def refused_for(command: str | None, role: str) -> frozenset[str] | None:
    """The roles `command` is for, when `role` is not one of them (the guard refuses it)."""
    if command is None:
        return None
    roles = allowed_roles(command)
    return roles if roles is not None and role not in roles else None


def bot_commands(role: str, language: str) -> list[BotCommand]:
    return [BotCommand(name, t(language, f"cmd_{name}")) for name in commands_for(role)]


# Per Application: Telegram user id → (role, language) of the menu this process last set.
_MENUS: weakref.WeakKeyDictionary[Any, dict[int, tuple[str, str]]] = weakref.WeakKeyDictionary()


def _menus(application: Any) -> dict[int, tuple[str, str]]:
    return _MENUS.setdefault(application, {})


async def ensure_menu(application: Any, bot: Bot, member: StaffMember) -> None:
    """Give member's private chat her role's menu in her language, unless this process already
    did; a failure is logged and retried on her next update."""
    user_id = member.telegram_user_id
    if user_id is None:
        return
    menus = _menus(application)
    wanted = (member.role, member.language)
    if menus.get(user_id) == wanted:
        return
    try:
        await bot.set_my_commands(
            bot_commands(member.role, member.language), scope=BotCommandScopeChat(user_id)
        )
    except TelegramError as exc:
        log.warning("could not set the command menu of %s: %s", member.staff_id, exc)
        return
    menus[user_id] = wanted


async def clear_menu(application: Any, bot: Bot, user_id: int, language: str) -> None:
    """An account that is no longer staff (deactivated, unbound): only /start is left."""
    _menus(application).pop(user_id, None)
    try:
        await bot.set_my_commands(
            [BotCommand("start", t(language, "cmd_start"))], scope=BotCommandScopeChat(user_id)
        )
    except TelegramError as exc:
        log.warning("could not clear a command menu: %s", exc)
