"""Strings of issue 12's guarantees: a note's client picked when the name is not exact, a
message key holding another text, a busy database (nothing saved), and presses already done."""

ZH = {
    "note_pick": (
        "「{query}」不是确切的客户名或客户号，笔记还没有保存。请选择要记录的客户"
        "（只有姓名或客户号完全一致时才会直接保存）："
    ),
    "note_pick_button": "{name}（{client_id}）",
    "note_already_saved": "这条笔记已保存过 #{id}",
    "message_reused": (
        "⚠️ 没有保存：这条消息的编号已被另一条记录占用（机器人或会话重启后编号重新开始）。"
        "原记录未改动。请把内容重新发送一次。"
    ),
    "message_reused_toast": "没有保存：消息编号与另一条记录冲突，请重新发送。",
    "storage_busy": "⚠️ 系统繁忙，刚才的内容<b>没有保存</b>。请稍后重新发送。",
    "storage_busy_toast": "系统繁忙，没有保存，请稍后再按一次。",
    "contact_already": "已记录过：{at} 联系了 {name}",
    "fu_already_saved": "已保存过 #{id}",
    "fu_snooze_already": "已经顺延过了，没有再次顺延。",
}

EN = {
    "note_pick": (
        "“{query}” is not an exact client name or id, so the note is not saved yet. Choose the "
        "client for it (a note is saved directly only when the name or id matches exactly):"
    ),
    "note_pick_button": "{name} ({client_id})",
    "note_already_saved": "This note was already saved as #{id}",
    "message_reused": (
        "⚠️ Not saved: this message's number is already used by another saved record (the bot "
        "or session was restarted and numbers began again). The earlier record is unchanged. "
        "Please send it again."
    ),
    "message_reused_toast": "Not saved: the message number clashes with another record. Please send it again.",
    "storage_busy": "⚠️ The system is busy: what you just sent was <b>NOT saved</b>. Please send it again in a moment.",
    "storage_busy_toast": "Busy: nothing was saved. Please press again in a moment.",
    "contact_already": "Already recorded: contacted {name} at {at}",
    "fu_already_saved": "Already saved #{id}",
    "fu_snooze_already": "Already snoozed; not moved again.",
}
