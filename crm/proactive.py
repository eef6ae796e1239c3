"""Configuration of the proactive half (briefings, escalation, pacing, calendar overrides).

Defaults ship in crm/proactive.yaml; a proactive.yaml in the data directory overrides any key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from crm.trading_days import TradingCalendar

DEFAULT_PATH = Path(__file__).with_name("proactive.yaml")


@dataclass(frozen=True)
class SlaClock:
    """The SLA of one ticket category (DESIGN §8), in wall-clock time: the first response is
    due this long after opening, the resolution this long after the first response."""

    first_response: timedelta
    resolution: timedelta


def _clock(first_response_minutes: int, resolution_minutes: int) -> SlaClock:
    return SlaClock(
        timedelta(minutes=first_response_minutes), timedelta(minutes=resolution_minutes)
    )


DEFAULT_SLA = {
    "inquiry": _clock(15, 120),
    "account": _clock(15, 120),
    "trading": _clock(15, 120),
    "complaint": _clock(24 * 60, 72 * 60),
}


@dataclass(frozen=True)
class ProactiveConfig:
    briefing_top_items: int = 8
    briefing_page_size: int = 8
    grace_minutes: int = 60
    escalation_minutes: int = 30
    snooze_minutes: int = 15
    alert_sweep_seconds: int = 60
    # Approved KB scripts shown with pushed alerts, per priority: any script with one of the tags.
    talking_point_tags: dict[str, tuple[str, ...]] = field(default_factory=dict)
    ticket_sla: dict[str, SlaClock] = field(default_factory=lambda: dict(DEFAULT_SLA))
    ticket_sweep_seconds: int = 30
    ticket_push_hours: int = 24  # a ticket opened longer ago than this is not pushed as new
    digest_hnw_silent_days: int = 30
    overall_per_second: float = 25.0
    per_chat_per_second: float = 1.0
    max_attempts: int = 5
    lock_ttl_seconds: int = 180
    lock_renew_seconds: int = 60
    extra_closed: tuple[date, ...] = ()
    extra_open: tuple[date, ...] = ()

    def calendar(self) -> TradingCalendar:
        return TradingCalendar(self.extra_closed, self.extra_open)


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _days(values: Any) -> tuple[date, ...]:
    return tuple(v if isinstance(v, date) else date.fromisoformat(str(v)) for v in values or ())


def _sla(raw: Any) -> dict[str, SlaClock]:
    clocks = dict(DEFAULT_SLA)
    for category, values in (raw or {}).items():
        base = clocks.get(str(category), DEFAULT_SLA["inquiry"])
        values = values or {}
        clocks[str(category)] = SlaClock(
            timedelta(
                minutes=int(
                    values.get("first_response_minutes", base.first_response.total_seconds() // 60)
                )
            ),
            timedelta(
                minutes=int(values.get("resolution_minutes", base.resolution.total_seconds() // 60))
            ),
        )
    return clocks


def load_proactive_config(override: Path | None = None) -> ProactiveConfig:
    """The shipped defaults, overlaid with `override` when that file exists."""
    raw: dict[str, Any] = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    if override is not None and override.is_file():
        raw = _merge(raw, yaml.safe_load(override.read_text(encoding="utf-8")) or {})
    b, a, tk, d, p, s, c = (
        raw.get(k, {})
        for k in ("briefing", "alerts", "tickets", "digest", "pacing", "scheduler", "calendar")
    )
    return ProactiveConfig(
        briefing_top_items=int(b.get("top_items", 8)),
        briefing_page_size=int(b.get("page_size", 8)),
        grace_minutes=int(b.get("grace_minutes", 60)),
        escalation_minutes=int(a.get("escalation_minutes", 30)),
        snooze_minutes=int(a.get("snooze_minutes", 15)),
        alert_sweep_seconds=int(a.get("sweep_seconds", 60)),
        talking_point_tags={
            str(priority): tuple(str(tag) for tag in tags or ())
            for priority, tags in (a.get("talking_points") or {}).items()
        },
        ticket_sla=_sla(tk.get("clocks")),
        ticket_sweep_seconds=int(tk.get("sweep_seconds", 30)),
        ticket_push_hours=int(tk.get("push_max_age_hours", 24)),
        digest_hnw_silent_days=int(d.get("hnw_silent_days", 30)),
        overall_per_second=float(p.get("overall_per_second", 25)),
        per_chat_per_second=float(p.get("per_chat_per_second", 1)),
        max_attempts=int(p.get("max_attempts", 5)),
        lock_ttl_seconds=int(s.get("lock_ttl_seconds", 180)),
        lock_renew_seconds=int(s.get("lock_renew_seconds", 60)),
        extra_closed=_days(c.get("extra_closed")),
        extra_open=_days(c.get("extra_open")),
    )
