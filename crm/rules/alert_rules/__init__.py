"""The registered alert rules: every module in this package that declares `RULE`.

Adding a rule is adding a module here (see docs/architecture.md, "Add an alert rule"); the
registry is found the way pytest finds plugins, so no other file lists the rules.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from crm.rules.registry import AlertRule, checked_rules


def discover() -> tuple[AlertRule[Any], ...]:
    """Every `RULE` of this package's modules, checked and in their order."""
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        rule = getattr(module, "RULE", None)
        if isinstance(rule, AlertRule):
            found.append(rule)
    return checked_rules(found)


ALERT_RULES: tuple[AlertRule[Any], ...] = discover()
ALERT_RULE_ORDER: tuple[str, ...] = tuple(rule.name for rule in ALERT_RULES)

__all__ = ["ALERT_RULES", "ALERT_RULE_ORDER", "AlertRule", "discover"]
