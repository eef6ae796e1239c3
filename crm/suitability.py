"""Suitability: may a client of risk level C1–C5 be offered a product or a business rated R1–R5?

The brokerage's matching rule is one-to-one: C1→R1, C2→R2, … C5→R5 (a client may take any
product or service at or below her own level). Businesses that need a permission (科创板, 创业板,
北交所, 港股通, 融资融券, options) are rated on the same R scale (`product_risk` in their
document's front matter), so a business rated R4 requires a client rated C4 or above.
Pure functions; no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CLIENT = re.compile(r"^C([1-5])$")
_PRODUCT = re.compile(r"^R([1-5])$")


def client_level(value: str | None) -> int | None:
    """1–5 for "C1"–"C5" (case and surrounding space ignored); None when not a client level."""
    match = _CLIENT.match((value or "").strip().upper())
    return int(match.group(1)) if match else None


def product_level(value: str | None) -> int | None:
    """1–5 for "R1"–"R5"; None when not a product risk level."""
    match = _PRODUCT.match((value or "").strip().upper())
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class Suitability:
    """The verdict for one client and one product; `max_product_risk` is what she may take."""

    client_risk: str
    product_risk: str
    suitable: bool

    @property
    def max_product_risk(self) -> str:
        return f"R{self.client_risk[1:]}"

    @property
    def required_client_risk(self) -> str:
        """The lowest client level that may take it (R4 → C4)."""
        return f"C{self.product_risk[1:]}"


def assess(client_risk: str | None, product_risk: str | None) -> Suitability | None:
    """The verdict, or None when either level is missing or malformed (nothing to judge)."""
    c = client_level(client_risk)
    r = product_level(product_risk)
    if c is None or r is None:
        return None
    return Suitability(f"C{c}", f"R{r}", suitable=r <= c)
