"""Issue 12 point 1's class for 👍/👎: an earlier bot or console session whose answer had the same
message id is another answer — her press records a vote of its own and leaves the old one."""

from __future__ import annotations

from sqlalchemy import select

from storage.activity_rows import AnswerFeedbackRow
from tests.support.ptb import Chat, Harness

EARLIER_BOT = 100000001  # the console session before this one, on the same database


async def test_a_press_on_a_new_sessions_answer_is_not_the_old_vote(
    harness: Harness, li: Chat
) -> None:
    answer = await li.send("科创板开户条件")
    await harness.services.feedback.record_answer_feedback(
        staff_id="M001",
        bot_id=EARLIER_BOT,
        chat_id=li.id,
        message_id=answer.message_id,  # the earlier session's answer had this id too
        question="融资融券的保证金比例",
        doc_id="KB-OLD",
        version=1,
        helpful=False,
    )
    assert (await li.press(answer, "👍 有帮助")).toast == "感谢反馈，已记录。"
    async with harness.runtime.uow() as work:
        rows = (
            await work.session.scalars(select(AnswerFeedbackRow).order_by(AnswerFeedbackRow.id))
        ).all()
        votes = [(r.question, r.doc_id, r.helpful) for r in rows]
    assert votes[0] == ("融资融券的保证金比例", "KB-OLD", False)  # untouched
    assert votes[1][0] == "科创板开户条件" and votes[1][2] is True and len(votes) == 2
