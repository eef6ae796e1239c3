"""Strings of /staff (admins: deactivate a leaver, unbind an account) and the handover."""

ZH = {
    "cmd_staff": "员工管理：停用、解绑",
    "staff_title": "<b>员工（共 {count} 人{page}）</b>",
    "staff_page": "，第 {page}/{pages} 页",
    "staff_line": "{name}（{staff_id}）· {role} · {state} · {bound}",
    "staff_active": "在职",
    "staff_inactive": "已停用",
    "staff_bound": "已绑定",
    "staff_unbound": "未绑定",
    "staff_hint": "停用后，其未结预警和待办跟进转给其主管；解绑后，该 Telegram 账号立即无法使用本助手。",
    "staff_btn_off": "🚫 停用 {name}",
    "staff_btn_unbind": "🔓 解绑 {name}",
    "staff_btn_prev": "◀ 上一页",
    "staff_btn_next": "下一页 ▶",
    "staff_ask_off": "请回复停用 {name}（{staff_id}）的原因（一条消息）。发送其他命令即取消。",
    "staff_ask_unbind": "请回复解绑 {name}（{staff_id}）Telegram 账号的原因（一条消息）。发送其他命令即取消。",
    "staff_already_off": "{name}（{staff_id}）已停用。",
    "staff_already_unbound": "{name}（{staff_id}）没有绑定 Telegram 账号。",
    "staff_not_self": "不能停用您自己的账号。",
    "staff_reason_too_long": "原因最多 {limit} 字，请精简后重新发送。",
    "staff_reason_empty": "请发送停用或解绑的原因。",
    "staff_done_off": "✅ 已停用 {name}（{staff_id}），原因：{reason}",
    "staff_done_handover": "{alerts} 条未结预警、{follow_ups} 条待办跟进已转给主管 {supervisor}（{supervisor_id}），并已通知。",
    "staff_done_no_supervisor": "⚠️ {name} 没有在职的主管：{alerts} 条未结预警、{follow_ups} 条待办跟进未转交。",
    "staff_done_tickets": "其客户的未结工单 {count} 张：{tickets}",
    "staff_done_unbind": "✅ 已解绑 {name}（{staff_id}）的 Telegram 账号，原因：{reason}。可用 ambot staff invite 重新邀请。",
    "staff_handover": (
        "📋 <b>{name}（{staff_id}）已停用</b>\n原因：{reason}\n"
        "其 {alerts} 条未结预警、{follow_ups} 条待办跟进已转给您，发送 /todos 查看跟进。"
    ),
    "staff_handover_tickets": "其客户的未结工单 {count} 张（您可在团队中查看）：{tickets}",
    "staff_not_admin": "此功能仅限管理员使用。",
}

EN = {
    "cmd_staff": "Staff: deactivate, unlink",
    "staff_title": "<b>Staff ({count}{page})</b>",
    "staff_page": ", page {page}/{pages}",
    "staff_line": "{name} ({staff_id}) · {role} · {state} · {bound}",
    "staff_active": "active",
    "staff_inactive": "deactivated",
    "staff_bound": "linked",
    "staff_unbound": "not linked",
    "staff_hint": "Deactivating moves their open alerts and follow-ups to their supervisor; unlinking stops that Telegram account at once.",
    "staff_btn_off": "🚫 Deactivate {name}",
    "staff_btn_unbind": "🔓 Unlink {name}",
    "staff_btn_prev": "◀ Previous",
    "staff_btn_next": "Next ▶",
    "staff_ask_off": "Reply with the reason for deactivating {name} ({staff_id}), in one message. Any command cancels.",
    "staff_ask_unbind": "Reply with the reason for unlinking {name} ({staff_id})'s Telegram account, in one message. Any command cancels.",
    "staff_already_off": "{name} ({staff_id}) is already deactivated.",
    "staff_already_unbound": "{name} ({staff_id}) has no linked Telegram account.",
    "staff_not_self": "You cannot deactivate your own account.",
    "staff_reason_too_long": "The reason may be at most {limit} characters; please shorten it and send it again.",
    "staff_reason_empty": "Please send the reason for deactivating or unlinking.",
    "staff_done_off": "✅ Deactivated {name} ({staff_id}). Reason: {reason}",
    "staff_done_handover": "{alerts} open alerts and {follow_ups} open follow-ups moved to their supervisor {supervisor} ({supervisor_id}), who was told.",
    "staff_done_no_supervisor": "⚠️ {name} has no active supervisor: {alerts} open alerts and {follow_ups} open follow-ups were not moved.",
    "staff_done_tickets": "Open tickets of their clients ({count}): {tickets}",
    "staff_done_unbind": "✅ Unlinked the Telegram account of {name} ({staff_id}). Reason: {reason}. `ambot staff invite` can invite them again.",
    "staff_handover": (
        "📋 <b>{name} ({staff_id}) was deactivated</b>\nReason: {reason}\n"
        "Their {alerts} open alerts and {follow_ups} open follow-ups are now yours; /todos lists the follow-ups."
    ),
    "staff_handover_tickets": "Open tickets of their clients ({count}, visible in your team): {tickets}",
    "staff_not_admin": "This is only for administrators.",
}
