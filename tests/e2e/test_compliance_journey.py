"""Issue 13, over the real Bot API protocol, in one running bot (the demo book, the sample
knowledge base, the real model):

1. C001 uploads a draft (a .md file); 2. her own 批准 is refused (four eyes); 3. C002 approves
it from /review; 4. a manager's question is answered from the new version once the bot's
generation check has run (one check interval, 3 s ≤ 10 s, on a clock the test moves: no
sleeps); 5. C002 retires it with a reason; 6. the manager's next question no longer cites it.

And a content gap raised by a manager is linked by compliance to a document: the manager is
told, and the same question then gets that document.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from knowledge_base.curation import CHECK_EVERY
from storage.rows import StaffRow
from tests.e2e.conftest import Bot

SAMPLES = Path(__file__).resolve().parents[2] / "knowledge_base" / "samples" / "docs"
QUESTION = "国债逆回购GC001怎么计息"
UNANSWERED = "客户的闲钱放几天买什么划算"


class Monotonic:
    """The bot's generation-check clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def reverse_repo_v2() -> bytes:
    text = (SAMPLES / "KB-REVERSE-REPO.v1.md").read_text(encoding="utf-8")
    text = text.replace("version: 1", "version: 2", 1).replace("status: approved", "status: draft")
    return (text + "\n## 节假日计息\n\n节假日前买入的逆回购按实际占款天数计息。\n").encode()


async def journey(demo_bot: Bot) -> tuple[Any, Any, Any, Monotonic]:
    """The manager 李明, compliance officers C001 and C002 (added), and the check clock."""
    runtime = demo_bot.runtime
    clock = Monotonic()
    runtime.services.curation.monotonic = clock
    async with runtime.uow() as work:
        work.session.add(StaffRow(staff_id="C002", name="顾敏", role="compliance"))
        await work.commit()
    li = await demo_bot.bound_user("M001", 7401, "李明")
    shen = await demo_bot.bound_user("C001", 7402, "静怡")
    gu = await demo_bot.bound_user("C002", 7403, "顾敏")
    return li, shen, gu, clock


async def ask(demo_bot: Bot, who: Any, question: str = QUESTION) -> str:
    await demo_bot.telegram.user_sends(who, f"/ask {question}")
    reply: str = (await demo_bot.telegram.next_message(who)).plain_text
    return reply


def number_of(queue: Any, fragment: str) -> str:
    """The queue button that opens the line containing `fragment`."""
    for line in queue.plain_text.splitlines():
        if fragment in line:
            return str(line.split(".", 1)[0])
    raise AssertionError(f"{fragment!r} not in the queue:\n{queue.plain_text}")


async def test_a_draft_is_uploaded_approved_by_another_officer_served_and_retired(demo_bot):
    telegram = demo_bot.telegram
    answers = demo_bot.runtime.services.answers
    li, shen, gu, clock = await journey(demo_bot)
    before = await ask(demo_bot, li)
    assert "KB-REVERSE-REPO" in before and "第 1 版" in before  # the running bot, as it was

    # 1. C001 uploads a draft
    await telegram.user_sends_document(shen, "KB-REVERSE-REPO.v2.md", reverse_repo_v2())
    draft = await telegram.next_message(shen)
    assert "已保存为草稿 KB-REVERSE-REPO v2" in draft.plain_text
    assert "+节假日前买入的逆回购按实际占款天数计息。" in draft.plain_text

    # 2. her own approval is refused
    press = await telegram.press(shen, draft, "✅ 批准")
    await telegram.settle()
    refusal = telegram.callback_answer(press)
    assert refusal is not None and refusal.get("show_alert") is True
    assert "不能批准自己的草稿（四眼原则）" in refusal["text"]
    assert "第 1 版" in await ask(demo_bot, li)

    # 3. C002 approves it from /review
    await telegram.user_sends(gu, "/review")
    queue = await telegram.next_message(gu)
    await telegram.press(gu, queue, number_of(queue, "KB-REVERSE-REPO v2"))
    await telegram.next_edit(queue)
    await telegram.press(gu, queue, "✅ 批准")
    await telegram.next_edit(queue)
    assert "✅ 已批准 KB-REVERSE-REPO v2" in queue.plain_text and "批准人 C002" in queue.plain_text

    # 4. within one check interval the running bot no longer cites version 1 and, once its
    #    index has taken in the new text (rebuilt in the background), cites version 2
    clock.now += CHECK_EVERY
    first = await ask(demo_bot, li)
    assert "第 1 版" not in first or "KB-REVERSE-REPO" not in first
    assert answers._reloading is not None
    await answers._reloading
    after = await ask(demo_bot, li)
    assert "KB-REVERSE-REPO" in after and "第 2 版" in after and "审批人 C002" in after

    # 5. C002 retires it, with a reason
    await telegram.press(gu, queue, "⛔ 下线现行版 v2")
    prompt = await telegram.next_message(gu)
    assert "请回复下线 KB-REVERSE-REPO（现行第 2 版）的原因" in prompt.plain_text
    await telegram.user_sends(gu, "计息规则调整，暂停使用")
    retired = await telegram.next_message(gu)
    assert (
        "⛔ 已下线 KB-REVERSE-REPO（第 2 版），原因：计息规则调整，暂停使用" in retired.plain_text
    )

    # 6. the manager's next question no longer cites it
    clock.now += CHECK_EVERY
    assert "KB-REVERSE-REPO" not in await ask(demo_bot, li)
    await telegram.settle()
    telegram.assert_no_more_messages(li)


async def test_a_gap_linked_to_a_document_is_answered_and_the_manager_told(demo_bot):
    telegram = demo_bot.telegram
    answers = demo_bot.runtime.services.answers
    li, shen, _gu, clock = await journey(demo_bot)
    await telegram.user_sends(li, f"/ask {UNANSWERED}")
    no_answer = await telegram.next_message(li)
    assert "KB-REVERSE-REPO" not in no_answer.plain_text
    await telegram.press(li, no_answer, "📨 提交给合规")
    await telegram.next_edit(no_answer)

    await telegram.user_sends(shen, "/review")
    queue = await telegram.next_message(shen)
    await telegram.press(shen, queue, number_of(queue, UNANSWERED))
    await telegram.next_edit(queue)
    assert "内容缺口" in queue.plain_text and UNANSWERED in queue.plain_text
    await telegram.press(shen, queue, "🔗 关联其他文档")
    assert "请回复要关联的文档 ID" in (await telegram.next_message(shen)).plain_text
    await telegram.user_sends(shen, "KB-REVERSE-REPO")
    linked = await telegram.next_message(shen)
    assert "已关联到 KB-REVERSE-REPO 第 1 版" in linked.plain_text

    told = await telegram.next_message(li)
    assert "您提交合规的问题已有审批通过的答案" in told.plain_text
    assert UNANSWERED in told.plain_text and "KB-REVERSE-REPO 第 1 版" in told.plain_text

    clock.now += CHECK_EVERY  # the bot sees the new generation, and re-indexes
    await ask(demo_bot, li, UNANSWERED)
    if answers._reloading is not None:
        await answers._reloading
    again = await ask(demo_bot, li, UNANSWERED)
    assert "KB-REVERSE-REPO" in again and "第 1 版" in again
    await telegram.settle()
    telegram.assert_no_more_messages(li)
