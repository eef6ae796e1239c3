"""Tag reasons are rendered from the stored facts: the date's shared inputs plus the client's own."""

from crm.rules.reasons import tag_facts, tag_reason

INPUTS = {
    "tier": {
        "rule": "tier",
        "data_date": "2026-03-10",
        "hnw_above": "5000000.00",
        "wealth_from": "1000000.00",
    },
    "silent": {
        "rule": "silent",
        "data_date": "2026-03-10",
        "window_from": "2025-12-11",
        "days": 90,
        "trades": 0,
    },
    "new": {"rule": "new", "data_date": "2026-03-10", "days": 30},
}


def test_shared_inputs_and_own_values_are_merged_own_last() -> None:
    facts = tag_facts("tier:wealth", '{"total_assets_cents": 250000050}', INPUTS)
    assert facts["rule"] == "tier" and facts["total_assets_cents"] == 250000050
    assert tag_reason("tier:wealth", facts) == (
        "财富：总资产 2,500,000.50 元，在 1,000,000.00–5,000,000.00 元之间（数据日 2026-03-10）"
    )


def test_silent_and_new_reasons_name_their_windows() -> None:
    assert tag_reason("silent", tag_facts("silent", "{}", INPUTS)) == (
        "沉默客户：2025-12-11 至 2026-03-10 的 90 天内没有交易（开户满 90 天；数据日 2026-03-10）"
    )
    assert tag_reason("new", tag_facts("new", '{"opened_on": "2026-03-01"}', INPUTS)) == (
        "新开户：开户日 2026-03-01，在数据日 2026-03-10 前 30 天内（晚于 2026-02-08）"
    )


def test_unknown_tags_and_facts_of_another_shape_still_explain_something() -> None:
    assert tag_reason("vip", {"data_date": "2026-03-10"}) == "vip（数据日 2026-03-10）"
    odd = tag_reason("tier:hnw", {"data_date": "2026-03-10", "total": 1})  # a missing input
    assert odd.startswith("tier:hnw：") and '"total": 1' in odd


def test_the_card_leaves_out_the_name_and_english_staff_read_english() -> None:
    facts = tag_facts("tier:wealth", '{"total_assets_cents": 250000050}', INPUTS)
    assert tag_reason("tier:wealth", facts, with_name=False) == (
        "总资产 2,500,000.50 元，在 1,000,000.00–5,000,000.00 元之间（数据日 2026-03-10）"
    )
    assert tag_reason("tier:wealth", facts, with_name=False, language="en") == (
        "total assets 2,500,000.50 CNY, between 1,000,000.00 and 5,000,000.00 CNY"
        " (data date 2026-03-10)"
    )
    silent = tag_reason("silent", tag_facts("silent", "{}", INPUTS), language="en")
    assert silent.startswith("Silent: no trade in the 90 days from 2025-12-11 to 2026-03-10")
