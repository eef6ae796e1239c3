"""Strings of /start, /help, refusals, errors and fallbacks."""

ZH = {
    "refuse_unknown": (
        "您好，这是券商内部的客户经理助手，仅限已授权的员工使用。"
        "如您是员工，请向管理员索取邀请链接。"
    ),
    "refuse_group": "为保护客户信息，本助手只在私聊中使用，请私信我。",
    "welcome": "您好，{name}（{role}）！我是您的客户经理助手。",
    "bound": "✅ 绑定成功：{name}（{role}）。欢迎使用！",
    "already_bound": "您已绑定为 {name}（{role}），无需再次使用邀请码。",
    "invite_unknown": "邀请码无效。请检查链接是否完整，或向管理员索取新的邀请。",
    "invite_used": "该邀请码已被使用。如需重新绑定，请向管理员索取新的邀请。",
    "invite_expired": "该邀请码已过期（有效期 7 天）。请向管理员索取新的邀请。",
    "invite_inactive": "该员工账号已停用，无法绑定。请联系管理员。",
    "invite_already_bound": "您的 Telegram 账号已绑定其他员工，无法重复绑定。请联系管理员。",
    "help_title": "<b>我能为您做什么</b>",
    "help_body": (
        "• 每个交易日开盘前推送今日重点客户（资产大额流出、长期未交易、生日、持仓利空公告）\n"
        "• 查询客户 360° 视图，通话后两行字记录跟进，并设置提醒\n"
        "• 回答产品与合规话术问题（仅引用合规审批通过的版本）\n"
        "• 发送给客户前检查草稿，拦截「保本」「稳赚」等违规表述"
    ),
    "help_commands": (
        "<b>命令与示例</b>\n"
        "/client 张伟 — 查客户 360° 视图（姓名、客户号、拼音或首字母均可）\n"
        "/note 张伟 客户关注科创板，下周约面谈 — 记录通话要点\n"
        "/todo 张伟 明天上午10点 回电 — 设置跟进提醒\n"
        "/todos — 查看待办跟进（完成 / 推迟）\n"
        "/ask 科创板开户条件 — 问产品或合规话术（也可直接发送问题）\n"
        "/check 这个产品保本 — 发给客户前检查草稿\n"
        "/today — 今日重点客户（晨报）\n"
        "/settings — 晨报时间与语言设置\n"
        "/start — 开始 / 绑定账号\n"
        "/help — 查看本帮助"
    ),
    "help_you": "当前身份：{name}（{role}，工号 {staff_id}）",
    "btn_language": "🌐 Switch to English",
    "language_set": "✅ 已切换为中文。",
    "button_expired": "按钮已过期",
    "unknown_command": "暂不支持 {command} 命令。发送 /help 查看可用的命令。",
    "not_understood": "这条消息我暂时还处理不了。发送 /help 查看我现在能做的事。",
    "error": "抱歉，处理您的请求时出错了（错误编号 {error_id}）。请稍后重试，或把编号告诉管理员。",
    "cmd_start": "开始 / 绑定账号",
    "cmd_help": "查看帮助",
}

EN = {
    "refuse_unknown": (
        "Hello — this is an internal assistant for the brokerage's account managers and only "
        "authorised staff can use it. If you are staff, ask an administrator for an invite link."
    ),
    "refuse_group": "To protect client data I only work in private chats — please message me directly.",
    "welcome": "Hello, {name} ({role})! I am your account-manager assistant.",
    "bound": "✅ Linked: {name} ({role}). Welcome!",
    "already_bound": "You are already linked as {name} ({role}); no invite needed.",
    "invite_unknown": "That invite code is not valid. Check the link, or ask an administrator for a new invite.",
    "invite_used": "That invite code has already been used. Ask an administrator for a new invite.",
    "invite_expired": "That invite code has expired (valid 7 days). Ask an administrator for a new invite.",
    "invite_inactive": "That staff account is inactive and cannot be linked. Please contact an administrator.",
    "invite_already_bound": "Your Telegram account is already linked to another staff member. Please contact an administrator.",
    "help_title": "<b>What I can do for you</b>",
    "help_body": (
        "• Before the market opens: today's priority clients (large outflows, silent clients, "
        "birthdays, negative news on their holdings)\n"
        "• Client 360° cards; log a call in two lines and set a follow-up\n"
        "• Answer product and compliance-script questions (approved versions only)\n"
        "• Check a draft before it reaches a client and stop phrases like “guaranteed return”"
    ),
    "help_commands": (
        "<b>Commands, with an example each</b>\n"
        "/client 张伟 — a client's 360° card (name, client id, pinyin or initials)\n"
        "/note 张伟 客户关注科创板，下周约面谈 — log a call note\n"
        "/todo 张伟 明天上午10点 回电 — set a follow-up (“tomorrow 10am” works too)\n"
        "/todos — open follow-ups (done / snooze)\n"
        "/ask 科创板开户条件 — ask about a product or script (or just send the question)\n"
        "/check 这个产品保本 — check a draft before it goes to a client\n"
        "/today — today's priority clients (briefing)\n"
        "/settings — briefing time and language\n"
        "/start — start / link your account\n"
        "/help — this help"
    ),
    "help_you": "You are: {name} ({role}, staff id {staff_id})",
    "btn_language": "🌐 切换为中文",
    "language_set": "✅ Language set to English.",
    "button_expired": "This button has expired",
    "unknown_command": "{command} is not a command I know. Send /help to see what I can do.",
    "not_understood": "I can't handle that message yet. Send /help to see what I can do now.",
    "error": "Sorry, something went wrong (error id {error_id}). Please try again, or give the id to an administrator.",
    "cmd_start": "Start / link your account",
    "cmd_help": "Help",
}
