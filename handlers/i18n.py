"""User-facing strings (simplified Chinese first, English available), looked up by key.

The strings live in handlers/texts/<feature>.py as ZH and EN dicts."""

from __future__ import annotations

from typing import Any

from handlers.texts import collect_messages

ROLE_NAMES = {
    "zh": {
        "manager": "客户经理",
        "supervisor": "团队主管",
        "compliance": "合规专员",
        "admin": "管理员",
    },
    "en": {
        "manager": "account manager",
        "supervisor": "supervisor",
        "compliance": "compliance officer",
        "admin": "administrator",
    },
}

MESSAGES: dict[str, dict[str, str]] = collect_messages()


def t(language: str, key: str, **values: Any) -> str:
    """The message `key` in `language` (falling back to Chinese), formatted with values."""
    catalog = MESSAGES.get(language, MESSAGES["zh"])
    template = catalog.get(key) or MESSAGES["zh"][key]
    return template.format(**values) if values else template


def role_name(language: str, role: str) -> str:
    return ROLE_NAMES.get(language, ROLE_NAMES["zh"]).get(role, role)
