"""The rules file: the shipped thresholds, overrides, and refusals that name the bad key."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from crm.rules import DEFAULT_RULES_PATH, RulesConfigError, load_rules_config
from crm.rules.config import as_fraction, to_cents


def test_shipped_file_holds_the_manual_thresholds() -> None:
    config = load_rules_config()
    assert config.version
    assert (config.tiers.hnw_above, config.tiers.wealth_from) == (5_000_000, 1_000_000)
    assert config.tags.high_frequency.more_than == 10
    assert config.tags.silent.days == 90
    assert config.tags.tech_preference.sectors == ("科技",)
    assert (config.tags.new.days, config.tags.loyal.years) == (30, 5)
    alerts = config.alerts
    assert (alerts.hnw_outflow.priority, alerts.hnw_outflow.more_than_pct) == ("P1", 30)
    assert (alerts.silent_warning.priority, alerts.silent_warning.days) == ("P3", 30)
    assert (alerts.negative_event.priority, alerts.negative_event.min_share_pct) == ("P2", 20)
    assert alerts.birthday.priority == alerts.anniversary.priority == "P4"
    assert load_rules_config(DEFAULT_RULES_PATH) == config


def test_an_override_file_changes_only_what_it_says(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(
        'version: "bank-2"\nalerts:\n  hnw_outflow:\n    more_than_pct: 25.5\n', encoding="utf-8"
    )
    config = load_rules_config(path)
    assert config.version == "bank-2"
    assert config.alerts.hnw_outflow.more_than_pct == Decimal("25.5")
    assert config.alerts.silent_warning.days == 30


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tiers: {}\n", "version: Field required"),
        ('version: "v"\ntags:\n  silnet: {days: 90}\n', "tags.silnet"),
        ('version: "v"\nalerts:\n  hnw_outflow: {priority: P9}\n', "alerts.hnw_outflow.priority"),
        ('version: "v"\nalerts:\n  negative_event: {min_share_pct: 0}\n', "min_share_pct"),
        ('version: "v"\ntiers: {hnw_above: 100, wealth_from: 200}\n', "wealth_from"),
        ('version: "v"\ntags:\n  tech_preference: {sectors: []}\n', "sector"),
        ("- just\n- a list\n", "must be a mapping"),
        ("version: [unclosed\n", "not valid YAML"),
    ],
)
def test_bad_files_are_refused_with_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulesConfigError, match=message.replace("[", r"\[")):
        load_rules_config(path)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RulesConfigError, match="cannot read rules file"):
        load_rules_config(tmp_path / "nope.yaml")


def test_thresholds_become_exact_integers() -> None:
    assert as_fraction(Decimal(30)) == Fraction(3, 10)
    assert as_fraction(Decimal("12.5")) == Fraction(1, 8)
    assert to_cents(Decimal("5000000")) == 500_000_000
