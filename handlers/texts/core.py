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
    "help_commands_title": "<b>命令与示例</b>",
    "help_line_client": "/client 张伟 — 查客户 360° 视图（姓名、客户号、拼音或首字母均可）",
    "help_line_note": "/note 张伟 客户关注科创板，下周约面谈 — 记录通话要点",
    "help_line_todo": "/todo 张伟 明天上午10点 回电 — 设置跟进提醒",
    "help_line_todos": "/todos — 查看待办跟进（完成 / 推迟）",
    "help_line_ask": "/ask 科创板开户条件 — 问产品或合规话术（也可直接发送问题）",
    "help_line_check": "/check 这个产品保本 — 发给客户前检查草稿",
    "help_line_today": "/today — 今日重点客户（晨报）",
    "help_line_settings": "/settings — 晨报时间与语言设置",
    "help_line_staff": "/staff — 员工列表：停用离职员工、解绑 Telegram 账号",
    "help_line_start": "/start — 开始 / 绑定账号",
    "help_line_help": "/help — 查看本帮助",
    "help_body_supervisor": (
        "• 每个交易日开盘前推送团队摘要与今日重点客户\n"
        "• 查询团队客户 360° 视图，记录跟进并设置提醒\n"
        "• 接收预警升级，改派给团队成员\n"
        "• 回答产品与合规话术问题（仅引用合规审批通过的版本），发送前检查草稿"
    ),
    "help_body_compliance": (
        "• 复核队列：审批知识库草稿（四眼原则）、处理内容缺口、复核标记与 👎 回答\n"
        "• 发送 .md 文件即提交草稿；下线现行文档\n"
        "• 查看客户经理会得到的答案（仅引用合规审批通过的版本）\n"
        "• 检查话术草稿，拦截「保本」「稳赚」等违规表述"
    ),
    "help_body_admin": "• 管理员工：查看在职状态，停用离职员工，解绑 Telegram 账号",
    "role_refused": "此功能仅限{roles}使用。发送 /help 查看您可用的命令。",
    "role_join": "和",
    "role_short_manager": "客户经理",
    "role_short_supervisor": "主管",
    "role_short_compliance": "合规专员",
    "role_short_admin": "管理员",
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
    "help_commands_title": "<b>Commands, with an example each</b>",
    "help_line_client": "/client 张伟 — a client's 360° card (name, client id, pinyin or initials)",
    "help_line_note": "/note 张伟 客户关注科创板，下周约面谈 — log a call note",
    "help_line_todo": "/todo 张伟 明天上午10点 回电 — set a follow-up (“tomorrow 10am” works too)",
    "help_line_todos": "/todos — open follow-ups (done / snooze)",
    "help_line_ask": "/ask 科创板开户条件 — ask about a product or script (or just send the question)",
    "help_line_check": "/check 这个产品保本 — check a draft before it goes to a client",
    "help_line_today": "/today — today's priority clients (briefing)",
    "help_line_settings": "/settings — briefing time and language",
    "help_line_staff": "/staff — staff list: deactivate a leaver, unlink a Telegram account",
    "help_line_start": "/start — start / link your account",
    "help_line_help": "/help — this help",
    "help_body_supervisor": (
        "• Before the market opens: your team's digest and today's priority clients\n"
        "• Your team's client cards; log calls and set follow-ups\n"
        "• Escalated alerts, with buttons to reassign them within the team\n"
        "• Approved product and script answers, and a check of drafts before they reach a client"
    ),
    "help_body_compliance": (
        "• The review queue: approve knowledge-base drafts (four eyes), resolve content gaps, review flags and 👎 answers\n"
        "• Send a .md file to submit a draft; retire a document in force\n"
        "• See the answers account managers get (approved versions only)\n"
        "• Check a draft script and stop phrases like “guaranteed return”"
    ),
    "help_body_admin": "• Staff: see who is active, deactivate a leaver, unlink a Telegram account",
    "role_refused": "This is only for {roles}. Send /help to see the commands you can use.",
    "role_join": " and ",
    "role_short_manager": "account managers",
    "role_short_supervisor": "supervisors",
    "role_short_compliance": "compliance officers",
    "role_short_admin": "administrators",
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
