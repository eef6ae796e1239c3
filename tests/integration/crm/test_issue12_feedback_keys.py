"""Issue 12 point 1's class for answer feedback, on SQLite and PostgreSQL: 👍/👎 is keyed by the
answer message's bot id, chat id and message id (and who pressed), so a new bot token or console
session numbering its messages from 1 again never changes, or is answered as, an old vote."""

from __future__ import annotations

from sqlalchemy import select

from knowledge_base.feedback import FeedbackService
from storage.activity_rows import AnswerFeedbackRow
from tests.integration.crm.conftest import Book, FakeClock

OLD_BOT, NEW_BOT = 100000001, 7000000002


async def test_a_new_bot_numbering_answers_again_records_its_own_vote(book: Book) -> None:
    feedback = FeedbackService(book.uow, clock=FakeClock())
    old = await feedback.record_answer_feedback(
        staff_id="M1",
        bot_id=OLD_BOT,
        chat_id=9,
        message_id=5,
        question="融资融券的保证金比例",
        doc_id="KB-MARGIN",
        version=1,
        helpful=True,
    )
    # A new console session: its answer message 5 answers another question; she presses 👎.
    new = await feedback.record_answer_feedback(
        staff_id="M1",
        bot_id=NEW_BOT,
        chat_id=9,
        message_id=5,
        question="科创板开户门槛",
        doc_id="KB-STAR",
        version=2,
        helpful=False,
    )
    assert new.status == "recorded" and new.feedback_id != old.feedback_id
    async with book.uow() as work:
        rows = (
            await work.session.scalars(select(AnswerFeedbackRow).order_by(AnswerFeedbackRow.id))
        ).all()
        votes = [(r.bot_id, r.question, r.doc_id, r.helpful) for r in rows]
    assert votes == [
        (OLD_BOT, "融资融券的保证金比例", "KB-MARGIN", True),  # the old vote is untouched
        (NEW_BOT, "科创板开户门槛", "KB-STAR", False),
    ]
    # Each bot's second press still finds its own vote.
    again = await feedback.record_answer_feedback(
        staff_id="M1",
        bot_id=NEW_BOT,
        chat_id=9,
        message_id=5,
        question="科创板开户门槛",
        doc_id="KB-STAR",
        version=2,
        helpful=False,
    )
    assert again.status == "unchanged" and again.feedback_id == new.feedback_id
    flipped = await feedback.record_answer_feedback(
        staff_id="M1",
        bot_id=OLD_BOT,
        chat_id=9,
        message_id=5,
        question="融资融券的保证金比例",
        doc_id="KB-MARGIN",
        version=1,
        helpful=False,
    )
    assert flipped.status == "changed" and flipped.feedback_id == old.feedback_id
