"""The demo oracle covers the registered alert rules, in the registry's order, with the
shipped thresholds: a rule added to the registry shows up in expected.json without a change
to demo/ (as checked or, until it has an oracle, as unchecked)."""

from __future__ import annotations

from crm.rules import ALERT_RULE_ORDER
from demo.expected import ORACLES
from tests.unit.demo.csvbook import CsvBook


def test_expected_rules_follow_the_registry(book: CsvBook) -> None:
    assert set(ORACLES) <= set(ALERT_RULE_ORDER)
    assert list(book.expected["rules"]) == [r for r in ALERT_RULE_ORDER if r in ORACLES]
    assert book.expected["unchecked_rules"] == [r for r in ALERT_RULE_ORDER if r not in ORACLES]
    assert book.expected["unchecked_rules"] == []  # the five rules of DESIGN §4 are all read


def test_definitions_carry_the_shipped_thresholds(book: CsvBook) -> None:
    definitions = book.expected["definitions"]
    assert "> 30 %" in definitions["hnw_outflow"]
    assert "exactly 30 days" in definitions["silent_warning"]
    assert "≥ 20 %" in definitions["negative_event"]
