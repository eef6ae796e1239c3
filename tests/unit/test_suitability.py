"""C-level vs R-level matching: C1→R1 … C5→R5, a client may take anything at or below."""

from __future__ import annotations

import pytest

from crm.suitability import assess


@pytest.mark.parametrize(
    ("client", "product", "suitable"),
    [
        ("C1", "R1", True),
        ("C2", "R4", False),
        ("C3", "R3", True),
        ("C5", "R5", True),
        ("C4", "R5", False),
        ("c2", " r2 ", True),
        ("C5", "R1", True),
    ],
)
def test_matching(client: str, product: str, suitable: bool) -> None:
    verdict = assess(client, product)
    assert verdict is not None and verdict.suitable is suitable


def test_the_warning_names_what_the_client_may_take() -> None:
    verdict = assess("C2", "R4")
    assert verdict is not None
    assert (verdict.client_risk, verdict.max_product_risk, verdict.product_risk) == (
        "C2",
        "R2",
        "R4",
    )


@pytest.mark.parametrize(
    ("client", "product"), [(None, "R3"), ("C3", None), ("C6", "R1"), ("C2", "R0"), ("", "")]
)
def test_missing_or_malformed_levels_are_not_judged(
    client: str | None, product: str | None
) -> None:
    assert assess(client, product) is None
