"""Notices owed to staff about curation acts (knowledge_base/notices.py)."""

ZH = {
    "ntc_draft_rejected": (
        "↩️ 您提交的草稿 {doc_id} 第 {version} 版《{title}》被{who}退回。\n"
        "原因：{reason}\n修改后请重新上传 .md 文件。"
    ),
}

EN = {
    "ntc_draft_rejected": (
        "↩️ Your draft {doc_id} version {version} “{title}” was returned by {who}.\n"
        "Reason: {reason}\nPlease correct it and upload the .md file again."
    ),
}
