"""The rules' thresholds: one YAML file (crm/rules/rules.yaml by default) with a version string.

Every threshold is validated on load; a typo in a key is refused by name rather than ignored.
The `alerts:` mapping holds one section per registered alert rule, validated by that rule's
own schema (crm/rules/alert_rules/<rule>.py); a section for no registered rule is refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from crm.rules.alert_rules import ALERT_RULES
from crm.rules.registry import AlertRule
from crm.rules.schema import (
    AlertRuleConfig,
    AlertSections,
    HighFrequencyConfig,
    LoyalTagConfig,
    NewTagConfig,
    Priority,
    RulesConfig,
    RulesConfigError,
    SilentTagConfig,
    TagsConfig,
    TechPreferenceConfig,
    TierConfig,
    as_fraction,
    to_cents,
)

DEFAULT_RULES_PATH = Path(__file__).with_name("rules.yaml")


def load_rules_config(
    path: Path | None = None, *, rules: Iterable[AlertRule[Any]] = ALERT_RULES
) -> RulesConfig:
    """Read and validate the rules file (the shipped rules.yaml when path is None) for `rules`
    (the registered alert rules unless given)."""
    source = path or DEFAULT_RULES_PATH
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RulesConfigError(f"cannot read rules file {source}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise RulesConfigError(f"rules file {source} is not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise RulesConfigError(f"rules file {source} must be a mapping with a version")
    raw_alerts = raw.pop("alerts", None) or {}
    try:
        config = RulesConfig.model_validate(raw)
    except ValidationError as exc:
        raise _refused(source, exc) from None
    if not isinstance(raw_alerts, dict):
        raise RulesConfigError(f"rules file {source}: alerts: must be a mapping of rules")
    schemas = {rule.name: rule.config for rule in rules}
    for name in raw_alerts:
        if name not in schemas:
            raise RulesConfigError(f"rules file {source}: alerts.{name}: no such alert rule")
    sections: dict[str, AlertRuleConfig] = {}
    for name, schema in schemas.items():
        try:
            sections[name] = schema.model_validate(raw_alerts.get(name) or {})
        except ValidationError as exc:
            raise _refused(source, exc, f"alerts.{name}") from None
    return config.model_copy(update={"alerts": AlertSections(sections)})


def _refused(source: Path, exc: ValidationError, prefix: str = "") -> RulesConfigError:
    first = exc.errors()[0]
    where = ".".join([prefix] * bool(prefix) + [str(p) for p in first["loc"]])
    return RulesConfigError(f"rules file {source}: {where}: {first['msg']}")


__all__ = [
    "DEFAULT_RULES_PATH",
    "AlertRuleConfig",
    "AlertSections",
    "HighFrequencyConfig",
    "LoyalTagConfig",
    "NewTagConfig",
    "Priority",
    "RulesConfig",
    "RulesConfigError",
    "SilentTagConfig",
    "TagsConfig",
    "TechPreferenceConfig",
    "TierConfig",
    "as_fraction",
    "load_rules_config",
    "to_cents",
]
