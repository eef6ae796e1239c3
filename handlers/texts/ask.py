"""Strings of /ask (answers, alternatives, feedback, content gaps, suitability)."""

ZH = {
    "cmd_ask": "问产品或合规话术",
    "ask_usage": (
        "请在 /ask 后面写上您的问题，例如：\n/ask 科创板开户条件\n\n也可以直接把问题发给我，不用加命令。"
    ),
    "ask_truncated": "<i>（问题较长，只按前 {limit} 个字检索。）</i>",
    "ask_citation": "📎 出处：{doc_id} 第 {version} 版 · 审批人 {approved_by} · 生效日期 {effective_from}",
    "ask_no_answer": (
        "暂时没有经合规审批的答案可以回答这个问题，我不会凭猜测回答。\n"
        "如需补充，可把问题提交给合规部门，审批后的答案会加入知识库。"
    ),
    "ask_out_of_scope": (
        "🚫 这类问题不从知识库回答：{reason}\n"
        "如果是客户这样问，可以问我「客户问……该怎么回应」，查看经审批的沟通话术。"
    ),
    "ask_uncertain": (
        "🤔 <b>不确定是否对题</b>：下面是最接近的已批准内容，请先核对再用；"
        "下方按钮里还有相近的内容。都不对的话，可提交给合规补充。"
    ),
    "ask_uncertain_alone": (
        "🤔 <b>不确定是否对题</b>：下面是最接近的已批准内容，请先核对再用。"
        "不对的话，可提交给合规补充。"
    ),
    "btn_ask_gap": "📨 提交给合规",
    "ask_gap_submitted": "✅ 已提交给合规（内容缺口 #{gap_id}）。",
    "ask_gap_already": "该问题已在合规待办中（#{gap_id}）。",
    "btn_ask_alternative": "📄 {title}",
    "btn_ask_helpful": "👍 有帮助",
    "btn_ask_unhelpful": "👎 没帮助",
    "ask_feedback_recorded": "感谢反馈，已记录。",
    "ask_feedback_unchanged": "已记录过您的反馈。",
    "ask_feedback_changed": "已更新您的反馈。",
    "ask_suitability_warning": (
        "⚠️ <b>适当性提示</b>：当前客户 {client} 的风险承受能力为 {client_risk}，"
        "只适合 {max_risk} 及以下的产品；该产品风险等级为 {product_risk}，高于客户等级。"
        "请勿主动推荐；客户主动要求购买的，须按适当性流程出具风险警示并由客户签字确认。"
    ),
    "ask_disclosure_title": "📋 <b>{product_risk} 风险揭示（须向客户揭示）</b>",
    "ask_disclosure_missing": "（暂无 {product_risk} 的已审批风险揭示书，请联系合规部门。）",
}

EN = {
    "cmd_ask": "Ask about a product or a compliance script",
    "ask_usage": (
        "Write your question after /ask, for example:\n/ask 科创板开户条件\n\n"
        "You can also just send me the question, without a command."
    ),
    "ask_truncated": "<i>(Long question: only its first {limit} characters were searched.)</i>",
    "ask_citation": "📎 Source: {doc_id} v{version} · approved by {approved_by} · effective {effective_from}",
    "ask_no_answer": (
        "There is no compliance-approved answer to this question yet, and I will not guess.\n"
        "You can send the question to compliance; once they approve an answer it joins the "
        "knowledge base."
    ),
    "ask_out_of_scope": (
        "🚫 The knowledge base does not answer this kind of question: {reason}\n"
        'If a client asked you this, ask me "how should I respond when a client asks …" for '
        "the approved talking points."
    ),
    "ask_uncertain": (
        "🤔 <b>Not sure this is on your question</b>: below is the closest approved text; "
        "check it before you use it. The buttons below offer related texts. If none fits, "
        "send the question to compliance."
    ),
    "ask_uncertain_alone": (
        "🤔 <b>Not sure this is on your question</b>: below is the closest approved text; "
        "check it before you use it. If it does not fit, send the question to compliance."
    ),
    "btn_ask_gap": "📨 Send to compliance",
    "ask_gap_submitted": "✅ Sent to compliance (content gap #{gap_id}).",
    "ask_gap_already": "This question is already waiting with compliance (#{gap_id}).",
    "btn_ask_alternative": "📄 {title}",
    "btn_ask_helpful": "👍 Helpful",
    "btn_ask_unhelpful": "👎 Not helpful",
    "ask_feedback_recorded": "Thanks, your feedback is recorded.",
    "ask_feedback_unchanged": "Your feedback was already recorded.",
    "ask_feedback_changed": "Your feedback is updated.",
    "ask_suitability_warning": (
        "⚠️ <b>Suitability warning</b>: the current client {client} is rated {client_risk} and "
        "may only be offered products up to {max_risk}; this product is rated {product_risk}, "
        "above the client's level. Do not recommend it; if the client insists, follow the "
        "suitability process: a written risk warning the client signs."
    ),
    "ask_disclosure_title": "📋 <b>{product_risk} risk disclosure (must be shown to the client)</b>",
    "ask_disclosure_missing": "(No approved {product_risk} risk disclosure found; please contact compliance.)",
}
