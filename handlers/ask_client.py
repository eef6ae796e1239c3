"""The client a question is about, and what her risk level says about the answer.

A question names her by its first word — `/ask 张伟 科创板开户条件` — when that word is the exact
name or client id of one client of the asker's own book (what /note saves for directly); any
other first word leaves the whole text the question, as before. Otherwise she is inherited from
a card opened (or a client named in /note or /ask) less than `CONTEXT_TTL` ago, timed on the
service clock; a question does not extend that time. Her name and risk level are read through
ClientService.read_for, which journals the read (`client.ask`) as the card journals
`client.card`.

A section whose document is a script or FAQ with a risk level is a business that needs a
permission (科创板, 创业板, 北交所, 港股通, 融资融券, options): rated R4, it takes a client rated
C4 or above. Product documents keep their own warning with the risk disclosure (handlers/ask.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from crm.clients import ClientSummary
from crm.errors import NotAuthorizedError, NotFoundError
from crm.staff import StaffMember
from crm.suitability import assess, client_level, product_level
from handlers import session
from handlers.context import AppContext
from handlers.render.suitability import BusinessWarning, ClientInContext
from knowledge_base.asking import ApprovedSection

CONTEXT_TTL = timedelta(minutes=10)
BUSINESS_KINDS = frozenset({"script", "faq"})


@dataclass(frozen=True)
class AskedAbout:
    """A question's text without the client's name, and the client it is about, if any."""

    question: str
    client_id: str | None = None
    named: bool = False  # the question named her (else she was inherited, or there is none)


async def named_in(context: AppContext, staff: StaffMember, text: str) -> AskedAbout:
    """Split off a first word that names one of her clients exactly; else the text unchanged."""
    parts = text.strip().split(maxsplit=1)
    if len(parts) >= 1:
        client_id = await context.services.clients.named(parts[0], staff)
        if client_id is not None:
            return AskedAbout(parts[1] if len(parts) == 2 else "", client_id, named=True)
    return AskedAbout(text)


async def asked_about(context: AppContext, staff: StaffMember, text: str) -> AskedAbout:
    """The client named in the text, else the one in context (opened < CONTEXT_TTL ago)."""
    about = await named_in(context, staff, text)
    if about.named:
        return about
    now = context.services.clients.now()
    inherited = session.current_client(context, now=now, ttl=CONTEXT_TTL)
    return AskedAbout(text, inherited)


def remember(context: AppContext, client_id: str) -> None:
    """A client named in a question becomes the one in context, as opening her card does."""
    session.set_current_client(context, client_id, at=context.services.clients.now())


async def read_client(
    context: AppContext, staff: StaffMember, client_id: str | None, answered: ApprovedSection | None
) -> ClientSummary | None:
    """Her summary, the read journaled with what it was for; None when she is no longer in the
    asker's book (the card was opened before a reassignment): then there is no context."""
    if client_id is None:
        return None
    details = {"answer": f"{answered.doc_id} v{answered.version}" if answered else None}
    try:
        return await context.services.clients.read_for(client_id, staff, "ask", details)
    except (NotFoundError, NotAuthorizedError):
        return None


def in_context(client: ClientSummary) -> ClientInContext:
    """What the reply shows of her: the name and a valid risk level."""
    level = client_level(client.risk_level)
    return ClientInContext(client.name, f"C{level}" if level is not None else None)


def business_warning(client: ClientInContext, section: ApprovedSection) -> BusinessWarning | None:
    """A warning when the section's business is above her level (or she has no valid level)."""
    required = product_level(section.product_risk)
    if required is None or section.kind not in BUSINESS_KINDS:
        return None
    verdict = assess(client.risk_level, section.product_risk)
    if verdict is not None and verdict.suitable:
        return None
    return BusinessWarning(client, section.title, f"C{required}", verdict)
