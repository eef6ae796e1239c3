"""The shape of the rules file: tiers, tags and one section per alert rule, each validated.

The alert sections are not listed here: each alert rule declares its own (a subclass of
`AlertRuleConfig`, in its module under crm/rules/alert_rules/), and `load_rules_config`
(crm/rules/config.py) validates the file's `alerts:` mapping against the registered rules.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from crm.errors import UsageError

Priority = Literal["P1", "P2", "P3", "P4"]


class RulesConfigError(UsageError):
    """The rules file is missing, not YAML, or has a bad threshold."""

    code = "rules_config"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TierConfig(_Section):
    hnw_above: Decimal = Field(default=Decimal(5_000_000), ge=0, decimal_places=2)
    wealth_from: Decimal = Field(default=Decimal(1_000_000), ge=0, decimal_places=2)


class HighFrequencyConfig(_Section):
    window_days: int = Field(default=30, ge=1, le=366)
    more_than: int = Field(default=10, ge=0)


class SilentTagConfig(_Section):
    days: int = Field(default=90, ge=1, le=3660)


class TechPreferenceConfig(_Section):
    sectors: tuple[str, ...] = ("科技",)
    min_share_pct: Decimal = Field(default=Decimal(60), gt=0, le=100)

    @field_validator("sectors")
    @classmethod
    def _some_sector(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value or any(not s.strip() for s in value):
            raise ValueError("at least one non-empty sector name")
        return value


class NewTagConfig(_Section):
    days: int = Field(default=30, ge=1, le=366)


class LoyalTagConfig(_Section):
    years: int = Field(default=5, ge=1, le=100)
    lookback_days: int = Field(default=365, ge=1, le=3660)


class TagsConfig(_Section):
    high_frequency: HighFrequencyConfig = HighFrequencyConfig()
    silent: SilentTagConfig = SilentTagConfig()
    tech_preference: TechPreferenceConfig = TechPreferenceConfig()
    new: NewTagConfig = NewTagConfig()
    loyal: LoyalTagConfig = LoyalTagConfig()


class AlertRuleConfig(_Section):
    """An alert rule's section of rules.yaml: at least its priority (a subclass gives the
    default and adds the rule's thresholds)."""

    priority: Priority


class AlertSections(Mapping[str, AlertRuleConfig]):
    """Rule name → its validated section. A rule without one uses its section's defaults
    (`AlertRule.settings`); `alerts.hnw_outflow` reads like the file."""

    def __init__(self, sections: Mapping[str, AlertRuleConfig] | None = None) -> None:
        self._sections = dict(sections or {})

    def __getitem__(self, name: str) -> AlertRuleConfig:
        return self._sections[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._sections)

    def __len__(self) -> int:
        return len(self._sections)

    def __getattr__(self, name: str) -> AlertRuleConfig:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._sections[name]
        except KeyError:
            raise AttributeError(name) from None

    def __hash__(self) -> int:
        return hash(frozenset(self._sections.items()))

    def __repr__(self) -> str:
        return f"AlertSections({self._sections!r})"


class RulesConfig(_Section):
    """The whole rules file; `version` is stored with every tag and alert."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    version: str = Field(min_length=1, max_length=32)
    tiers: TierConfig = TierConfig()
    tags: TagsConfig = TagsConfig()
    alerts: AlertSections = Field(default_factory=AlertSections)

    @field_validator("tiers")
    @classmethod
    def _ordered_tiers(cls, value: TierConfig) -> TierConfig:
        if value.wealth_from > value.hnw_above:
            raise ValueError("wealth_from must not exceed hnw_above")
        return value

    @field_validator("alerts", mode="before")
    @classmethod
    def _validated_sections(cls, value: Any) -> AlertSections:
        if isinstance(value, AlertSections):
            return value
        raise ValueError("alert sections are validated against the rules (load_rules_config)")


def as_fraction(percent: Decimal) -> Fraction:
    """A percentage as an exact fraction of one (30 → 3/10), for integer-only comparisons."""
    return Fraction(percent) / 100


def to_cents(yuan: Decimal) -> int:
    """A yuan threshold as whole cents (thresholds have at most two decimals)."""
    return int(yuan * 100)
