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


def tag_reason(tag: str, facts: Mapping[str, Any]) -> str:
    """The Chinese reason shown on the client card and in `rules evaluate --json`."""
    render = _RENDERERS.get(family(tag))
    if render is None:
        return f"{tag}（数据日 {facts.get('data_date', '?')}）"
    try:
        return render(tag, facts)
    except (KeyError, ValueError, ArithmeticError):  # facts of another rule version
        return f"{tag}：{json.dumps(dict(facts), ensure_ascii=False, sort_keys=True)}"


def _money(value: object) -> str:
    """'6250000.12' (yuan text) → '6,250,000.12'."""
    cents = int((Decimal(str(value)) * 100).to_integral_value(ROUND_HALF_UP))
    return yuan_grouped(cents)


def _cents(value: object) -> str:
    """625000012 (whole cents) → '6,250,000.12'."""
    return yuan_grouped(int(str(value)))


def _tier(tag: str, f: Mapping[str, Any]) -> str:
    total = _cents(f["total_assets_cents"])
    hnw, wealth = _money(f["hnw_above"]), _money(f["wealth_from"])
    day = f["data_date"]
    if tag == "tier:hnw":
        return f"高净值：总资产 {total} 元 > {hnw} 元（数据日 {day}）"
    if tag == "tier:wealth":
        return f"财富：总资产 {total} 元，在 {wealth}–{hnw} 元之间（数据日 {day}）"
    return f"大众：总资产 {total} 元 < {wealth} 元（数据日 {day}）"


def _high_frequency(_: str, f: Mapping[str, Any]) -> str:
    day = f["data_date"]
    return (
        f"高频交易：{f['window_from']} 至 {day}（{f['window_days']} 天）共 {f['trades']} 笔交易，"
        f"多于 {f['more_than']} 笔（数据日 {day}）"
    )


def _silent(_: str, f: Mapping[str, Any]) -> str:
    day, days = f["data_date"], f["days"]
    return (
        f"沉默客户：{f['window_from']} 至 {day} 的 {days} 天内没有交易"
        f"（开户满 {days} 天；数据日 {day}）"
    )


def _tech_preference(_: str, f: Mapping[str, Any]) -> str:
    tech, whole = int(f["tech_value_cents"]), int(f["market_value_cents"])
    share = (Decimal(tech * 100) / whole).quantize(Decimal("0.1"), ROUND_HALF_UP) if whole else 0
    sectors = "、".join(f["sectors"])
    return (
        f"科技偏好：{sectors}板块市值 {_cents(tech)} 元，占持仓市值 {_cents(whole)} 元的 "
        f"{share}% ≥ {f['min_share_pct']}%（持仓日 {f['holdings_date']}）"
    )


def _new(_: str, f: Mapping[str, Any]) -> str:
    day = f["data_date"]
    since = date.fromisoformat(day) - timedelta(days=int(f["days"]))
    return (
        f"新开户：开户日 {f['opened_on']}，在数据日 {day} 前 {f['days']} 天内"
        f"（晚于 {since.isoformat()}）"
    )


def _loyal(_: str, f: Mapping[str, Any]) -> str:
    day = f["data_date"]
    opened_before = add_years(date.fromisoformat(day), -int(f["years"]))
    reference = date.fromisoformat(f["reference_date"])
    note = reference_note(reference, date.fromisoformat(f["target_date"]))
    return (
        f"忠诚客户：开户日 {f['opened_on']} 早于 {opened_before.isoformat()}"
        f"（开户超过 {f['years']} 年），总资产 {_cents(f['total_assets_cents'])} 元（{day}）"
        f"高于参考日 {reference.isoformat()} 的 {_cents(f['reference_total_assets_cents'])} 元"
        f"（{note}）"
    )


def reference_note(reference: date, target: date) -> str:
    """Says how "a year ago" was read: the exact day, the nearest snapshot, or the earliest one."""
    gap = (reference - target).days
    if gap == 0:
        return f"一年前 {target.isoformat()} 的快照"
    if abs(gap) <= 7:
        return f"最接近一年前 {target.isoformat()} 的快照"
    return (
        f"数据中没有一年前 {target.isoformat()} 附近的快照，以最接近的快照日 "
        f"{reference.isoformat()} 代替"
    )


_RENDERERS = {
    "tier": _tier,
    "high_frequency": _high_frequency,
    "silent": _silent,
    "tech_preference": _tech_preference,
    "new": _new,
    "loyal": _loyal,
}
