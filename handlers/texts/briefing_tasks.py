"""The task of an alert, shown on the alert's line in the briefing (one line, not two items)."""

from __future__ import annotations

ZH = {
    "brief_task_due_today": "📋 待办：今天 {time} 到期",
    "brief_task_overdue": "📋 待办已逾期（{due} 到期）",
    "brief_task_later": "📋 待办：{due} 到期",
    "brief_task_done": "📋 待办已完成",
    "brief_task_cancelled": "📋 待办已取消",
}

EN = {
    "brief_task_due_today": "📋 Task: due today {time}",
    "brief_task_overdue": "📋 Task overdue (due {due})",
    "brief_task_later": "📋 Task: due {due}",
    "brief_task_done": "📋 Task done",
    "brief_task_cancelled": "📋 Task cancelled",
}
