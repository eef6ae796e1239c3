"""The rules engine (DESIGN §4): tiers, tags and the four alert rules, set-based in SQL.

Thresholds live in one YAML file (rules.yaml here, or AMBOT_RULES_CONFIG); `RulesService`
evaluates a trading date and stores client_tags and alerts idempotently.
"""

from crm.rules.config import (
    DEFAULT_RULES_PATH,
    RulesConfig,
    RulesConfigError,
    load_rules_config,
)
from crm.rules.results import AlertHit, Evaluation, TagHit
from crm.rules.service import NoSnapshotsError, RulesService

__all__ = [
    "DEFAULT_RULES_PATH",
    "AlertHit",
    "Evaluation",
    "NoSnapshotsError",
    "RulesConfig",
    "RulesConfigError",
    "RulesService",
    "TagHit",
    "load_rules_config",
]
