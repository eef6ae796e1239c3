"""Strings of /lexicon (compliance and admins: list, add and retire banned phrases)."""

ZH = {
    "cmd_lexicon": "禁用语词库：查看、新增、下线",
    "help_line_lexicon": "/lexicon — 禁用语词库：查看、新增（/lexicon add）、下线",
    "lexicon_title": "<b>禁用语词库</b>（第 {version} 版，共 {count} 条{page}）",
    "lexicon_page": "，第 {page}/{pages} 页",
    "lexicon_origin_stored": "{by} 于 {day} 更新",
    "lexicon_origin_shipped": "随系统发布的词库",
    "lexicon_line": "{number}. <b>{phrase}</b> · {category}\n    ✅ {suggestion}",
    "lexicon_found": "<b>词库中含「{query}」的条目</b>：{count} 条{shown}",
    "lexicon_found_shown": "，显示前 {shown} 条",
    "lexicon_found_none": "词库中没有含「{query}」的条目。发送 /lexicon add {query} 可新增。",
    "lexicon_hint": "按 🗑 下线对应条目（需填写原因）；修改即时生效，/check 与笔记检查立即使用新词库。",
    "lexicon_btn_add": "➕ 新增禁用语",
    "lexicon_btn_retire": "🗑 {number}",
    "lexicon_btn_prev": "◀ 上一页",
    "lexicon_btn_next": "下一页 ▶",
    "lexicon_usage": (
        "用法：\n/lexicon — 查看词库\n/lexicon 保本 — 查找条目\n/lexicon add — 逐步新增\n"
        "/lexicon add 词语 | 类别 | 合规建议 — 一行新增（类别可写 1–5 或名称）"
    ),
    "lexicon_ask_phrase": (
        "请发送要禁用的词语（最多 {limit} 字）。\n也可一行新增：/lexicon add 词语 | 类别 | 合规建议。"
        "发送其他命令即取消。"
    ),
    "lexicon_ask_category": "「{phrase}」属于哪一类违规？",
    "lexicon_ask_suggestion": (
        "「{phrase}」· {category}\n请发送合规建议：客户经理应改用的说法（最多 {limit} 字）。"
        "发送其他命令即取消。"
    ),
    "lexicon_ask_reason": "请回复下线「{phrase}」（{category}）的原因（一条消息）。发送其他命令即取消。",
    "lexicon_done_added": (
        "✅ 已加入禁用语词库（第 {version} 版）：\n<b>{phrase}</b> · {category}\n合规建议：{suggestion}\n"
        "即时生效：/check 与笔记检查会标记它。"
    ),
    "lexicon_done_retired": (
        "✅ 已从禁用语词库下线（第 {version} 版）：<b>{phrase}</b> · {category}\n原因：{reason}\n"
        "即时生效：/check 与笔记检查不再标记它。"
    ),
    "lexicon_phrase_empty": "禁用语不能为空，请发送要禁用的词语。",
    "lexicon_phrase_too_long": "禁用语最多 {limit} 字，请缩短后重新发送。",
    "lexicon_phrase_unmatchable": "禁用语需要包含文字或数字，请重新发送。",
    "lexicon_phrase_duplicate": "「{existing}」已在词库中，无需重复添加。",
    "lexicon_suggestion_empty": "合规建议不能为空，请发送客户经理应改用的说法。",
    "lexicon_suggestion_too_long": "合规建议最多 {limit} 字，请精简后重新发送。",
    "lexicon_category_unknown": (
        "未知的类别。请写 1–5 或类别名称：1 承诺收益、2 承诺保本、3 预测业绩、4 不当诱导、5 泄露客户信息。"
    ),
    "lexicon_reason_empty": "请发送下线的原因。",
    "lexicon_reason_too_long": "原因最多 {limit} 字，请精简后重新发送。",
    "lexicon_last_entry": "词库至少要保留一条，不能下线最后一条。",
    "lexicon_gone": "该条目已不在词库中（可能已被他人下线）。",
}

EN = {
    "cmd_lexicon": "Banned-phrase lexicon: list, add, retire",
    "help_line_lexicon": "/lexicon — banned-phrase lexicon: list, add (/lexicon add), retire",
    "lexicon_title": "<b>Banned-phrase lexicon</b> (version {version}, {count} entries{page})",
    "lexicon_page": ", page {page}/{pages}",
    "lexicon_origin_stored": "updated by {by} on {day}",
    "lexicon_origin_shipped": "the lexicon shipped with the system",
    "lexicon_line": "{number}. <b>{phrase}</b> · {category}\n    ✅ {suggestion}",
    "lexicon_found": "<b>Entries containing “{query}”</b>: {count}{shown}",
    "lexicon_found_shown": ", first {shown} shown",
    "lexicon_found_none": "No entry contains “{query}”. Send /lexicon add {query} to add it.",
    "lexicon_hint": "Press 🗑 to retire an entry (a reason is asked). Changes apply at once to /check and to note checks.",
    "lexicon_btn_add": "➕ Add a phrase",
    "lexicon_btn_retire": "🗑 {number}",
    "lexicon_btn_prev": "◀ Previous",
    "lexicon_btn_next": "Next ▶",
    "lexicon_usage": (
        "Usage:\n/lexicon — list the lexicon\n/lexicon 保本 — find entries\n/lexicon add — add step by step\n"
        "/lexicon add phrase | category | compliant wording — add in one line (category: 1–5 or its name)"
    ),
    "lexicon_ask_phrase": (
        "Send the phrase to ban (at most {limit} characters).\nOr add in one line: "
        "/lexicon add phrase | category | compliant wording. Any command cancels."
    ),
    "lexicon_ask_category": "Which kind of violation is “{phrase}”?",
    "lexicon_ask_suggestion": (
        "“{phrase}” · {category}\nSend the compliant wording managers should use instead "
        "(at most {limit} characters). Any command cancels."
    ),
    "lexicon_ask_reason": "Reply with the reason for retiring “{phrase}” ({category}), in one message. Any command cancels.",
    "lexicon_done_added": (
        "✅ Added to the lexicon (version {version}):\n<b>{phrase}</b> · {category}\n"
        "Compliant wording: {suggestion}\nIn force now: /check and note checks flag it."
    ),
    "lexicon_done_retired": (
        "✅ Retired from the lexicon (version {version}): <b>{phrase}</b> · {category}\n"
        "Reason: {reason}\nIn force now: /check and note checks no longer flag it."
    ),
    "lexicon_phrase_empty": "The phrase cannot be empty; send the phrase to ban.",
    "lexicon_phrase_too_long": "A banned phrase has at most {limit} characters; shorten it and send it again.",
    "lexicon_phrase_unmatchable": "A banned phrase needs letters or digits; send it again.",
    "lexicon_phrase_duplicate": "“{existing}” is already in the lexicon.",
    "lexicon_suggestion_empty": "The compliant wording cannot be empty; send what managers should say instead.",
    "lexicon_suggestion_too_long": "The compliant wording has at most {limit} characters; shorten it and send it again.",
    "lexicon_category_unknown": (
        "Unknown category. Write 1–5 or its name: 1 Promised returns, 2 Guaranteed principal, "
        "3 Performance prediction, 4 Inducement, 5 Client information disclosure."
    ),
    "lexicon_reason_empty": "Please send the reason for retiring it.",
    "lexicon_reason_too_long": "The reason has at most {limit} characters; shorten it and send it again.",
    "lexicon_last_entry": "The lexicon must keep at least one entry.",
    "lexicon_gone": "That entry is no longer in the lexicon (someone may have retired it).",
}
