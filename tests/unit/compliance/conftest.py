"""The shipped lexicon and a checker over it, built once per test session."""

from __future__ import annotations

import pytest

from knowledge_base.compliance import (
    ComplianceChecker,
    Lexicon,
    default_lexicon_path,
    load_lexicon,
)


@pytest.fixture(scope="session")
def lexicon() -> Lexicon:
    """knowledge_base/samples/lexicon.yaml, validated."""
    return load_lexicon(default_lexicon_path())


@pytest.fixture(scope="session")
def checker(lexicon: Lexicon) -> ComplianceChecker:
    """A checker over the shipped lexicon."""
    return ComplianceChecker(lexicon)
