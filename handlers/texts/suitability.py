"""Strings of a question asked about a client: who it is about, and the suitability warning for a
business that needs a permission (科创板, 创业板, 北交所, 港股通, 融资融券, options)."""

ZH = {
    "suit_about_client": "👤 针对客户 <b>{client}</b>（{risk}）",
    "suit_risk_unknown": "未测评",
    "suit_business_mismatch": (
        "⚠️ <b>{client} 风险等级 {client_risk}，低于「{business}」要求的 {required}</b>："
        "请勿推荐，先做适当性评估。"
    ),
    "suit_business_unassessed": (
        "⚠️ <b>{client} 没有有效的风险测评等级，「{business}」要求 {required} 及以上</b>："
        "请勿推荐，先做适当性评估。"
    ),
    "suit_client_set": (
        "👤 好的，接下来 {minutes} 分钟内您的提问都针对客户 <b>{client}</b>（{risk}）。请发送问题，"
        "例如：科创板开户条件"
    ),
}

EN = {
    "suit_about_client": "👤 For client <b>{client}</b> ({risk})",
    "suit_risk_unknown": "not assessed",
    "suit_business_mismatch": (
        "⚠️ <b>{client} is rated {client_risk}, below the {required} that 「{business}」 "
        "requires</b>: do not recommend it; do a suitability assessment first."
    ),
    "suit_business_unassessed": (
        "⚠️ <b>{client} has no valid risk assessment, and 「{business}」 requires {required} or "
        "above</b>: do not recommend it; do a suitability assessment first."
    ),
    "suit_client_set": (
        "👤 OK: for the next {minutes} minutes your questions are about client <b>{client}</b> "
        "({risk}). Send your question, e.g. STAR Market eligibility"
    ),
}
