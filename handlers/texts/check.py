"""Strings of /check (the draft-message compliance check)."""

ZH = {
    "cmd_check": "发送前检查给客户的草稿",
    "check_usage": (
        "请把准备发给客户的草稿写在 /check 后面，例如：\n/check 这个产品保本，年化8%稳稳的"
    ),
    "check_clean": (
        "✅ 未发现违规表述，可以发送。\n<i>（按合规禁用语库检查，不代替合规审核。）</i>"
    ),
    "check_flagged": "⚠️ <b>发现 {count} 处不合规表述</b>，请修改后再发送：",
    "check_item": "{number}. <b>{category}</b>：「{matched}」{times}\n✏️ 合规表述：{suggestion}",
    "check_item_script": "📎 参考已审批话术：{title}（{doc_id} 第 {version} 版 · 审批人 {approved_by} · 生效日期 {effective_from}）",
    "check_recorded": "<i>已记录供合规复核（#{finding_id}）。</i>",
    "check_mentions": (
        "ℹ️ 引号中的{phrases}按引述处理，未计为违规：请确认是在转述或纠正，而不是您自己的承诺。"
    ),
}

EN = {
    "cmd_check": "Check a draft before sending it to a client",
    "check_usage": (
        "Write the draft you want to send to a client after /check, for example:\n"
        "/check 这个产品保本，年化8%稳稳的"
    ),
    "check_clean": (
        "✅ No banned phrases found — fine to send.\n"
        "<i>(Checked against the compliance lexicon; not a substitute for compliance review.)</i>"
    ),
    "check_flagged": "⚠️ <b>{count} non-compliant phrase(s) found</b> — please revise before sending:",
    "check_item": "{number}. <b>{category}</b>: “{matched}”{times}\n✏️ Compliant wording: {suggestion}",
    "check_item_script": "📎 Approved script: {title} ({doc_id} v{version} · approved by {approved_by} · effective {effective_from})",
    "check_recorded": "<i>Recorded for compliance review (#{finding_id}).</i>",
    "check_mentions": (
        "ℹ️ The quoted {phrases} read as a quotation and are not counted: make sure you are "
        "quoting or correcting someone, not making the claim yourself."
    ),
}
