"""Views of a question asked about a client: the 「针对客户」 line, the warning when a business
that needs a permission is above her risk level, and the reply to a bare client name."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from crm.suitability import Suitability
from handlers.i18n import t
from handlers.render import View


@dataclass(frozen=True)
class ClientInContext:
    """The client a question is about: named in it, or her card opened just before. Only her
    name and risk level are ever shown (never phone, ID or client id)."""

    name: str
    risk_level: str | None  # "C3"; None when she has no valid assessment


@dataclass(frozen=True)
class BusinessWarning:
    """The business the answer is about (its document's title) is above the client's level, or
    she has no valid level to judge by."""

    client: ClientInContext
    business: str
    required: str  # the lowest client level it takes, "C4"
    verdict: Suitability | None  # None: no valid client level


def _risk(client: ClientInContext, language: str) -> str:
    return client.risk_level or t(language, "suit_risk_unknown")


def about_client_line(client: ClientInContext, language: str) -> str:
    return t(
        language, "suit_about_client", client=escape(client.name), risk=_risk(client, language)
    )


def business_warning_line(warning: BusinessWarning, language: str) -> str:
    common = {
        "client": escape(warning.client.name),
        "business": escape(warning.business),
        "required": warning.required,
    }
    if warning.verdict is None:
        return t(language, "suit_business_unassessed", **common)
    return t(language, "suit_business_mismatch", client_risk=warning.verdict.client_risk, **common)


def client_set_view(client: ClientInContext, minutes: int, language: str) -> View:
    """The reply to a client's name alone: the next questions are about her."""
    return View(
        t(
            language,
            "suit_client_set",
            client=escape(client.name),
            risk=_risk(client, language),
            minutes=minutes,
        )
    )
