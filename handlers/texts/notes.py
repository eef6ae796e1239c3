"""Strings of /note, note mode, revisions, undo and the compliance warning on notes."""

ZH = {
    "cmd_note": "记录通话要点（/note 客户 内容）",
    "note_usage": (
        "请写上客户和记录内容，例如：\n<code>/note 张伟 客户关注科创板，下周再约</code>\n"
        "也可以先用 /client 打开客户卡片，点「📝 记录」后直接发送文字或语音。"
    ),
    "note_empty": "记录内容为空（空格和不可见字符不算内容），未保存。请发送要记录的文字或语音。",
    "note_too_long": "记录过长（{length} 字，上限 {limit} 字），未保存。请分成几条发送。",
    "note_prompt": "📝 请发送对 <b>{name}</b>（{client_id}）的记录：文字或语音均可。",
    "note_saved": "✅ 已保存 #{id}（{name}）",
    "note_saved_deleted": "✅ 已保存 #{id}（{name}）— 该记录已撤销",
    "note_preview": "内容：{preview}",
    "note_length": "（全文 {length} 字已完整保存）",
    "note_voice_saved": "🎤 语音记录 {seconds} 秒（未转写）",
    "note_revised": "✏️ 已更新 #{id}（第 {revision} 版）",
    "note_edit_deleted": "记录 #{id} 已撤销，这次修改未保存。",
    "note_edit_empty": "修改后的内容为空，原记录保持不变。",
    "note_flag_title": "⚠️ <b>合规提示</b>（仅您可见，已提交合规复核）：",
    "note_flag_line": "• 「{matched}」：{suggestion}",
    "note_suggest_title": "📚 相关的合规话术：",
    "note_suggest_line": "• {title}（{doc_id} v{version}）",
    "note_undo_button": "↩️ 撤销",
    "note_undone": "↩️ 已撤销 #{id}（记录留存备查，不再显示在客户卡片上）",
    "note_undo_expired": "已超过 {minutes} 分钟，无法撤销 #{id}。如需更正，请编辑原消息。",
    "note_undo_not_yours": "只能撤销您自己的记录。",
}

EN = {
    "cmd_note": "Log a call note (/note client text)",
    "note_usage": (
        "Write the client and the note, e.g.:\n<code>/note 张伟 interested in STAR market, call next week</code>\n"
        "Or open a card with /client, press “📝 Note” and send text or a voice message."
    ),
    "note_empty": "The note is empty (spaces and invisible characters do not count), so nothing was saved. Send the text or a voice message.",
    "note_too_long": "The note is too long ({length} characters, limit {limit}); nothing was saved. Please send it in parts.",
    "note_prompt": "📝 Send the note for <b>{name}</b> ({client_id}): text or a voice message.",
    "note_saved": "✅ Saved #{id} ({name})",
    "note_saved_deleted": "✅ Saved #{id} ({name}) — this note was undone",
    "note_preview": "Text: {preview}",
    "note_length": "(all {length} characters saved)",
    "note_voice_saved": "🎤 Voice note, {seconds} s (not transcribed)",
    "note_revised": "✏️ Updated #{id} (version {revision})",
    "note_edit_deleted": "Note #{id} was undone; this edit was not saved.",
    "note_edit_empty": "The edited text is empty; the note is unchanged.",
    "note_flag_title": "⚠️ <b>Compliance notice</b> (only you see this; sent for compliance review):",
    "note_flag_line": "• “{matched}”: {suggestion}",
    "note_suggest_title": "📚 Related approved scripts:",
    "note_suggest_line": "• {title} ({doc_id} v{version})",
    "note_undo_button": "↩️ Undo",
    "note_undone": "↩️ Undone #{id} (kept on record, no longer shown on the card)",
    "note_undo_expired": "More than {minutes} minutes have passed; #{id} can no longer be undone. To correct it, edit the original message.",
    "note_undo_not_yours": "You can only undo your own notes.",
}
