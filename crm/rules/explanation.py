"""What the views need to say why a client is on a list: a `Reason` with typed facts.

A reason's `kind` names its text (`reason_<kind>` in handlers/texts; an alert rule's kinds
start with the rule's name) and its `facts` are a frozen dataclass whose fields fill that
text. The field's type says how a view shows it: `int` as is, `Yuan` grouped, `date` as
today / yesterday / the date, `str` as free text (masked, escaped and clipped to the field's
`clip` metadata). The wording lives in the views; here there are only kinds and typed values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from storage.rows import ClientRow

CHUNK = 900  # bound IN-lists (SQLite's variable limit, plan sizes)
CLIP = "clip"  # field metadata: the longest free text a view shows of this field

T = TypeVar("T")


class Facts(Protocol):
    """Any dataclass instance (its fields fill the reason's text)."""

    __dataclass_fields__: ClassVar[dict[str, Any]]


class Yuan(int):
    """Whole yuan, shown grouped (2,700,000)."""


@dataclass(frozen=True)
class NoFacts:
    """A reason whose text has no placeholders."""


@dataclass(frozen=True)
class Reason:
    """Why an item is on a list: text key `reason_<kind>`, filled from `facts`."""

    kind: str
    facts: Facts = NoFacts()

    @property
    def values(self) -> dict[str, Any]:
        """The facts as plain values (dates as ISO text), for logs and tests."""
        return {
            f.name: (value.isoformat() if isinstance(value, date) else value)
            for f in fields(self.facts)
            for value in (getattr(self.facts, f.name),)
        }

    @property
    def research_url(self) -> str:
        """The research or announcement link the facts carry, if any ('' otherwise)."""
        return str(getattr(self.facts, "url", "") or "")


def text_field(clip: int) -> Any:
    """A free-text field a view clips to `clip` characters."""
    return field(metadata={CLIP: clip})


@dataclass(frozen=True)
class AlertKey:
    """An alert to explain: its id, rule, client and data date."""

    alert_id: int
    rule: str
    client_id: str
    as_of: date


def chunks(values: Sequence[T], size: int = CHUNK) -> list[Sequence[T]]:
    return [values[i : i + size] for i in range(0, len(values), size)] or [[]]


async def client_dates(
    session: AsyncSession, alerts: Sequence[AlertKey], column: InstrumentedAttribute[date | None]
) -> dict[str, date]:
    """One date column of the alerts' clients (birthday, opened_on), read in chunks."""
    found: dict[str, date] = {}
    for part in chunks(alerts):
        ids = [a.client_id for a in part]
        rows = await session.execute(
            select(ClientRow.client_id, column).where(ClientRow.client_id.in_(ids))
        )
        found.update({client_id: day for client_id, day in rows.all() if day is not None})
    return found


def whole_yuan(value: Decimal | None) -> Yuan:
    return Yuan(int((value or Decimal(0)).quantize(Decimal(1))))


def whole_percent(part: Decimal | None, whole: Decimal | None) -> int:
    if not whole or part is None:
        return 0
    return int((Decimal(100) * part / whole).quantize(Decimal(1)))
