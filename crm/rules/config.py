"""The rules' thresholds: one YAML file (crm/rules/rules.yaml by default) with a version string.

Every threshold is validated on load; a typo in a key is refused by name rather than ignored.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from crm.errors import UsageError

DEFAULT_RULES_PATH = Path(__file__).with_name("rules.yaml")
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


class HnwOutflowConfig(_Section):
    priority: Priority = "P1"
    more_than_pct: Decimal = Field(default=Decimal(30), ge=0, le=100)


class SilentWarningConfig(_Section):
    priority: Priority = "P3"
    days: int = Field(default=30, ge=1, le=3660)


class NegativeEventConfig(_Section):
    priority: Priority = "P2"
    min_share_pct: Decimal = Field(default=Decimal(20), gt=0, le=100)
    sentiment: Literal["negative", "neutral", "positive"] = "negative"
    severity: Literal["major", "minor"] = "major"


class BirthdayConfig(_Section):
    priority: Priority = "P4"


class AnniversaryConfig(_Section):
    priority: Priority = "P4"
    min_years: int = Field(default=1, ge=1, le=100)


class AlertsConfig(_Section):
    hnw_outflow: HnwOutflowConfig = HnwOutflowConfig()
    silent_warning: SilentWarningConfig = SilentWarningConfig()
    negative_event: NegativeEventConfig = NegativeEventConfig()
    birthday: BirthdayConfig = BirthdayConfig()
    anniversary: AnniversaryConfig = AnniversaryConfig()


class RulesConfig(_Section):
    """The whole rules file; `version` is stored with every tag and alert."""

    version: str = Field(min_length=1, max_length=32)
    tiers: TierConfig = TierConfig()
    tags: TagsConfig = TagsConfig()
    alerts: AlertsConfig = AlertsConfig()

    @field_validator("tiers")
    @classmethod
    def _ordered_tiers(cls, value: TierConfig) -> TierConfig:
        if value.wealth_from > value.hnw_above:
            raise ValueError("wealth_from must not exceed hnw_above")
        return value


def load_rules_config(path: Path | None = None) -> RulesConfig:
    """Read and validate the rules file (the shipped rules.yaml when path is None)."""
    source = path or DEFAULT_RULES_PATH
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RulesConfigError(f"cannot read rules file {source}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise RulesConfigError(f"rules file {source} is not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise RulesConfigError(f"rules file {source} must be a mapping with a version")
    try:
        return RulesConfig.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise RulesConfigError(f"rules file {source}: {where}: {first['msg']}") from None


def as_fraction(percent: Decimal) -> Fraction:
    """A percentage as an exact fraction of one (30 → 3/10), for integer-only comparisons."""
    return Fraction(percent) / 100


def to_cents(yuan: Decimal) -> int:
    """A yuan threshold as whole cents (thresholds have at most two decimals)."""
    return int(yuan * 100)
