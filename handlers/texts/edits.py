"""Strings of edited messages that cannot apply: another client, another command, a /todo."""

ZH = {
    "edit_client_changed": (
        "✏️ 这次修改未保存：记录 #{id} 仍在 <b>{old}</b> 名下，编辑不能更换客户。"
    ),
    "edit_client_changed_undo": (
        "如果记错了客户，请点 ↩️ 撤销 #{id}，再发 <code>/note {new} …</code> 为 {new} 记录。"
    ),
    "edit_client_changed_late": (
        "撤销时限已过。请另发 <code>/note {new} …</code> 为 {new} 记录，"
        "并编辑原消息（保留客户 {old}）注明误记。"
    ),
    "edit_not_a_note_command": (
        "✏️ 这次修改未保存：这条消息是记录 #{id}，编辑不能把它改成其他命令。"
        "如需执行，请重新发送该命令。"
    ),
    "edit_todo": (
        "✏️ 编辑不会修改待办。已保存的待办请用待办上的按钮改时间或完成（/todos 查看）；"
        "要新建，请重新发送 /todo …"
    ),
    "edit_todo_request_changed": "✏️ 原消息已修改，这条确认已作废",
    "edit_todo_confirmation_void": (
        "✏️ 原消息在确认前已修改，这条确认已作废，没有保存待办。请按修改后的内容重新发送 /todo …"
    ),
}

EN = {
    "edit_client_changed": (
        "✏️ This edit was not saved: note #{id} stays with <b>{old}</b>; "
        "an edit cannot change the client."
    ),
    "edit_client_changed_undo": (
        "If you picked the wrong client, press ↩️ to undo #{id}, then send "
        "<code>/note {new} …</code> for {new}."
    ),
    "edit_client_changed_late": (
        "It is too late to undo. Send <code>/note {new} …</code> for {new}, and edit the "
        "original message (keeping client {old}) to say it was logged by mistake."
    ),
    "edit_not_a_note_command": (
        "✏️ This edit was not saved: this message is note #{id}, and an edit cannot turn it "
        "into another command. Send the command again to run it."
    ),
    "edit_todo": (
        "✏️ Editing does not change a task. Change or finish a saved task with its buttons "
        "(see /todos); to add one, send /todo … again."
    ),
    "edit_todo_request_changed": "✏️ The request was edited; this confirmation no longer applies",
    "edit_todo_confirmation_void": (
        "✏️ The request was edited before it was confirmed, so this confirmation no longer "
        "applies and nothing was saved. Send /todo … again with the new text."
    ),
}
