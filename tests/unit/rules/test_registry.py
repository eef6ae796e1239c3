"""The alert-rule registry: the five rules of DESIGN §4 in their order, each with its config
section, texts in both languages, and the checks a new rule must pass."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from crm.rules import RulesConfigError, load_rules_config
from crm.rules.alert_rules import ALERT_RULE_ORDER, ALERT_RULES, discover
from crm.rules.registry import checked_rules
from handlers.i18n import MESSAGES


def test_the_registry_holds_the_five_rules_in_their_order() -> None:
    assert ALERT_RULE_ORDER == (
        "hnw_outflow",
        "negative_event",
        "silent_warning",
        "birthday",
        "anniversary",
    )
    assert discover() == ALERT_RULES
    config = load_rules_config()
    assert [rule.priority(config) for rule in ALERT_RULES] == ["P1", "P2", "P3", "P4", "P4"]


@pytest.mark.parametrize("rule", ALERT_RULES, ids=lambda rule: rule.name)
@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_rule_has_its_texts(rule, language: str) -> None:
    """Its name on the client card, and the reason of each kind its explain gives."""
    assert f"card_rule_{rule.name}" in MESSAGES[language]
    for kind in rule.reason_kinds:
        assert kind.startswith(rule.name)
        assert f"reason_{kind}" in MESSAGES[language], (rule.name, kind, language)


@pytest.mark.parametrize("rule", ALERT_RULES, ids=lambda rule: rule.name)
def test_every_rule_has_a_section_in_the_shipped_file_and_defaults(rule) -> None:
    config = load_rules_config()
    assert rule.name in config.alerts
    assert rule.settings(config) == rule.config.model_validate({})  # shipped = the defaults


def test_a_rule_needs_a_name_the_column_and_the_texts_can_hold() -> None:
    hnw = ALERT_RULES[0]
    for name in ("Idle cash", "a_name_longer_than_20", "", "1st"):
        with pytest.raises(ValueError, match="alert rule name"):
            checked_rules([dataclasses.replace(hnw, name=name)])
    with pytest.raises(ValueError, match="names repeat"):
        checked_rules([hnw, dataclasses.replace(hnw, order=99)])
    with pytest.raises(ValueError, match="orders repeat"):
        checked_rules([hnw, dataclasses.replace(hnw, name="other")])
    extra = dataclasses.replace(hnw, name="first", order=1)
    assert [r.name for r in checked_rules([*ALERT_RULES, extra])][:2] == ["first", "hnw_outflow"]


def test_a_section_for_no_registered_rule_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text('version: "v"\nalerts:\n  idle_cash: {priority: P3}\n', encoding="utf-8")
    with pytest.raises(RulesConfigError, match=r"alerts\.idle_cash: no such alert rule"):
        load_rules_config(path)
    extra = dataclasses.replace(ALERT_RULES[3], name="idle_cash", order=99)
    config = load_rules_config(path, rules=[*ALERT_RULES, extra])
    assert extra.settings(config).priority == "P3"
