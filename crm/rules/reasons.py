"""The readable reason of a tier or tag, rendered from its facts (DESIGN §4: every tag is
explainable — rule, inputs, data date).

A tag's facts are the date's shared inputs (rule_evaluations.inputs, `tags.tag_inputs`) merged
with the client's own (client_tags.facts); `tag_facts` merges them, `tag_reason` words them.
Money is shown grouped with two decimals, exactly as stored.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from crm.rules.results import add_years, yuan_grouped
from crm.rules.tags import family


def tag_facts(tag: str, own: str | Mapping[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The whole facts of a tag: its family's shared inputs, then the client's own values.

    `own` is the stored JSON text (or already parsed); `inputs` is rule_evaluations.inputs
    parsed (family → shared facts)."""
    values = json.loads(own) if isinstance(own, str) else dict(own)
    return {**inputs.get(family(tag), {}), **values}


def tag_reason(
    tag: str, facts: Mapping[str, Any], *, with_name: bool = True, language: str = "zh"
) -> str:
    """The reason of `rules evaluate --json` ("高净值：总资产 …", Chinese); with_name=False
    leaves out the leading name, for the client card, which shows the name itself, and
    language="en" words it in English for English-speaking staff."""
    render = _RENDERERS.get(family(tag))
    english = language == "en"
    day = facts.get("data_date", "?")
    if render is None:
        return f"{tag} (data date {day})" if english else f"{tag}（数据日 {day}）"
    try:
        text = render(tag, facts, english)
    except (KeyError, ValueError, ArithmeticError):  # facts of another rule version
        raw = json.dumps(dict(facts), ensure_ascii=False, sort_keys=True)
        return f"{tag}: {raw}" if english else f"{tag}：{raw}"
    return text if with_name else text.split(": " if english else "：", 1)[1]


def _money(value: object) -> str:
    """'6250000.12' (yuan text) → '6,250,000.12'."""
    cents = int((Decimal(str(value)) * 100).to_integral_value(ROUND_HALF_UP))
    return yuan_grouped(cents)


def _cents(value: object) -> str:
    """625000012 (whole cents) → '6,250,000.12'."""
    return yuan_grouped(int(str(value)))


def _tier(tag: str, f: Mapping[str, Any], en: bool) -> str:
    total = _cents(f["total_assets_cents"])
    hnw, wealth = _money(f["hnw_above"]), _money(f["wealth_from"])
    day = f["data_date"]
    if tag == "tier:hnw":
        if en:
            return f"HNW: total assets {total} CNY > {hnw} CNY (data date {day})"
        return f"高净值：总资产 {total} 元 > {hnw} 元（数据日 {day}）"
    if tag == "tier:wealth":
        if en:
            return (
                f"Wealth: total assets {total} CNY, between {wealth} and {hnw} CNY "
                f"(data date {day})"
            )
        return f"财富：总资产 {total} 元，在 {wealth}–{hnw} 元之间（数据日 {day}）"
    if en:
        return f"Mass: total assets {total} CNY < {wealth} CNY (data date {day})"
    return f"大众：总资产 {total} 元 < {wealth} 元（数据日 {day}）"


def _high_frequency(_: str, f: Mapping[str, Any], en: bool) -> str:
    day = f["data_date"]
    if en:
        return (
            f"High frequency: {f['trades']} trades from {f['window_from']} to {day} "
            f"({f['window_days']} days), more than {f['more_than']} (data date {day})"
        )
    return (
        f"高频交易：{f['window_from']} 至 {day}（{f['window_days']} 天）共 {f['trades']} 笔交易，"
        f"多于 {f['more_than']} 笔（数据日 {day}）"
    )


def _silent(_: str, f: Mapping[str, Any], en: bool) -> str:
    day, days = f["data_date"], f["days"]
    if en:
        return (
            f"Silent: no trade in the {days} days from {f['window_from']} to {day} "
            f"(account open at least {days} days; data date {day})"
        )
    return (
        f"沉默客户：{f['window_from']} 至 {day} 的 {days} 天内没有交易"
        f"（开户满 {days} 天；数据日 {day}）"
    )


def _tech_preference(_: str, f: Mapping[str, Any], en: bool) -> str:
    tech, whole = int(f["tech_value_cents"]), int(f["market_value_cents"])
    share = (Decimal(tech * 100) / whole).quantize(Decimal("0.1"), ROUND_HALF_UP) if whole else 0
    if en:
        return (
            f"Tech preference: {', '.join(f['sectors'])} holdings of {_cents(tech)} CNY are "
            f"{share}% of the {_cents(whole)} CNY market value, ≥ {f['min_share_pct']}% "
            f"(holdings date {f['holdings_date']})"
        )
    sectors = "、".join(f["sectors"])
    return (
        f"科技偏好：{sectors}板块市值 {_cents(tech)} 元，占持仓市值 {_cents(whole)} 元的 "
        f"{share}% ≥ {f['min_share_pct']}%（持仓日 {f['holdings_date']}）"
    )


def _new(_: str, f: Mapping[str, Any], en: bool) -> str:
    day = f["data_date"]
    since = date.fromisoformat(day) - timedelta(days=int(f["days"]))
    if en:
        return (
            f"New: opened {f['opened_on']}, within {f['days']} days before the data date {day} "
            f"(after {since.isoformat()})"
        )
    return (
        f"新开户：开户日 {f['opened_on']}，在数据日 {day} 前 {f['days']} 天内"
        f"（晚于 {since.isoformat()}）"
    )


def _loyal(_: str, f: Mapping[str, Any], en: bool) -> str:
    day = f["data_date"]
    opened_before = add_years(date.fromisoformat(day), -int(f["years"]))
    reference = date.fromisoformat(f["reference_date"])
    target = date.fromisoformat(f["target_date"])
    now, then = _cents(f["total_assets_cents"]), _cents(f["reference_total_assets_cents"])
    if en:
        return (
            f"Loyal: opened {f['opened_on']}, before {opened_before.isoformat()} (more than "
            f"{f['years']} years); total assets {now} CNY ({day}) above {then} CNY on the "
            f"reference date {reference.isoformat()} ({reference_note(reference, target, en=True)})"
        )
    note = reference_note(reference, target)
    return (
        f"忠诚客户：开户日 {f['opened_on']} 早于 {opened_before.isoformat()}"
        f"（开户超过 {f['years']} 年），总资产 {now} 元（{day}）"
        f"高于参考日 {reference.isoformat()} 的 {then} 元（{note}）"
    )


def reference_note(reference: date, target: date, *, en: bool = False) -> str:
    """Says how "a year ago" was read: the exact day, the nearest snapshot, or the earliest one."""
    gap, day, ref = (reference - target).days, target.isoformat(), reference.isoformat()
    if gap == 0:
        return f"the snapshot of a year ago, {day}" if en else f"一年前 {day} 的快照"
    if abs(gap) <= 7:
        return f"the snapshot closest to a year ago, {day}" if en else f"最接近一年前 {day} 的快照"
    if en:
        return f"no snapshot near a year ago ({day}); the closest date, {ref}, stands in"
    return f"数据中没有一年前 {day} 附近的快照，以最接近的快照日 {ref} 代替"


_RENDERERS = {
    "tier": _tier,
    "high_frequency": _high_frequency,
    "silent": _silent,
    "tech_preference": _tech_preference,
    "new": _new,
    "loyal": _loyal,
}
