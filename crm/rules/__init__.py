"""The rules engine (DESIGN §4): tiers, tags and the alert rules, set-based in SQL.

Thresholds live in one YAML file (rules.yaml here, or AMBOT_RULES_CONFIG); each alert rule is
one module of crm/rules/alert_rules/ declaring an `AlertRule` (the registry, ALERT_RULES);
`RulesService` evaluates a trading date and stores client_tags and alerts idempotently.
"""

from crm.rules.alert_rules import ALERT_RULE_ORDER, ALERT_RULES
from crm.rules.config import (
    DEFAULT_RULES_PATH,
    RulesConfig,
    RulesConfigError,
    load_rules_config,
)
from crm.rules.registry import AlertRule
from crm.rules.results import AlertHit, Evaluation, TagHit
from crm.rules.service import NoSnapshotsError, RulesService

__all__ = [
    "ALERT_RULES",
    "ALERT_RULE_ORDER",
    "DEFAULT_RULES_PATH",
    "AlertHit",
    "AlertRule",
    "Evaluation",
    "NoSnapshotsError",
    "RulesConfig",
    "RulesConfigError",
    "RulesService",
    "TagHit",
    "load_rules_config",
]
