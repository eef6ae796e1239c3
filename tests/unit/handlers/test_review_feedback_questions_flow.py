"""👍 answers in /review (issue 15 §2): a question a manager found answered well is offered to
compliance as a similar question of the cited document — 加为相似问 stores it for that document
(and the item leaves the queue), 忽略 marks it reviewed; one item per document and question;
managers cannot press either; the knowledge base's refusals read as replies (fast harness)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from handlers.errors import button_reply, message_reply
from knowledge_base.errors import (
    EmptyQuestionError,
    NotAuthorizedError,
    QuestionTooLongError,
    UnknownDocumentError,
)
from storage.kb_rows import QUESTION_MAX_CHARS
from tests.support.ptb import BotMessage, Chat, Harness, labels

QUESTION = "我想买科创板的股票要满足什么条件"
CITATION = re.compile(r"📎 出处：(KB-[A-Z0-9-]+) 第 (\d+) 版")
ADOPT, IGNORE, BACK = "➕ 加为相似问", "🚫 忽略", "« 返回队列"


@pytest.fixture
async def shen(harness: Harness) -> Chat:
    """沈静怡 (C001), a compliance officer, with an empty queue to start."""
    await harness.services.curation.reject("KB-OPTIONS-ELIGIBILITY", by="C001", reason="样例")
    return await harness.staff("C001", 3001, "沈静怡")


async def liked(chat: Chat, question: str = QUESTION) -> tuple[str, int]:
    """The manager asks and presses 👍; (cited document, version)."""
    answer = await chat.send(f"/ask {question}")
    found = CITATION.search(answer.plain_text)
    assert found, answer.plain_text
    assert (await chat.press(answer, "👍 有帮助")).toast == "感谢反馈，已记录。"
    return found.group(1), int(found.group(2))


def item_ref(queue: BotMessage, number: int = 1) -> int:
    """The 👍 row id the queue's numbered button opens."""
    for button in queue.buttons:
        if button.text == str(number):
            data = button.callback_data or ""
            assert data.startswith("rv:ol:"), data
            return int(data.split(":")[2])
    raise AssertionError(labels(queue))


async def entry_kinds(harness: Harness) -> list[str]:
    since = harness.clock.now - timedelta(days=3650)
    return [f"{e.kind} {e.subject}" async for e in harness.services.journal.entries(since)]


async def test_a_helpful_answer_becomes_a_similar_question_of_the_cited_document(
    harness: Harness, li: Chat, shen: Chat
) -> None:
    doc_id, version = await liked(li)
    before = await harness.services.curation.questions(doc_id)
    assert QUESTION not in [q for q, _, _ in before]

    queue = await shen.send("/review")
    assert "待合规处理（共 1 项）" in queue.plain_text
    assert f"1. 👍 回答「{QUESTION}」{doc_id} v{version} · 李明（M001）" in queue.plain_text
    await shen.press(queue, "1")
    assert "👍 好评回答" in queue.plain_text and f"问题：{QUESTION}" in queue.plain_text
    assert labels(queue) == [ADOPT, IGNORE, BACK]
    stale = queue.buttons[0].callback_data or ""

    adopted = await shen.press(queue, ADOPT)
    assert adopted.edited == [queue]
    assert f"✅ 已将「{QUESTION}」加为 {doc_id} 的相似问" in queue.plain_text
    assert labels(queue) == [BACK]
    after = await harness.services.curation.questions(doc_id)
    assert (QUESTION, None, "feedback") in after and len(after) == len(before) + 1
    assert f"kb.question_added kb:{doc_id}" in await entry_kinds(harness)
    assert "没有待合规处理的事项" in (await shen.send("/review")).plain_text

    again = await shen.press_data(queue, stale)
    assert again.toast == "已由 C001 处理，无需重复操作。"
    assert len(await harness.services.curation.questions(doc_id)) == len(after)

    # A later 👍 of the same question is not offered again: the document has it now.
    fang = await harness.staff("M002", 1002, "王芳")
    await liked(fang)
    assert "没有待合规处理的事项" in (await shen.send("/review")).plain_text


async def test_one_item_per_document_and_question_the_newest_vote(
    harness: Harness, li: Chat, shen: Chat
) -> None:
    doc_id, _ = await liked(li)
    harness.clock.advance(minutes=5)
    fang = await harness.staff("M002", 1002, "王芳")
    assert (await liked(fang, f"  {QUESTION} "))[0] == doc_id  # the same question, spaced
    queue = await shen.send("/review")
    assert "待合规处理（共 1 项）" in queue.plain_text
    assert "王芳（M002）" in queue.plain_text and "李明" not in queue.plain_text
    # Ignored once, the pair leaves the queue: li's older vote does not come back.
    await shen.press(queue, "1")
    await shen.press(queue, IGNORE)
    assert "🚫 已忽略" in queue.plain_text
    assert "没有待合规处理的事项" in (await shen.send("/review")).plain_text


async def test_ignore_marks_it_reviewed_and_adds_nothing(
    harness: Harness, li: Chat, shen: Chat
) -> None:
    doc_id, _ = await liked(li)
    before = await harness.services.curation.questions(doc_id)
    queue = await shen.send("/review")
    ref = item_ref(queue)
    await shen.press(queue, "1")
    ignored = await shen.press(queue, IGNORE)
    assert ignored.edited == [queue]
    assert "🚫 已忽略，该回答不再出现在队列中。" in queue.plain_text
    assert "已由 C001 处理。" in queue.plain_text and labels(queue) == [BACK]
    assert await harness.services.curation.questions(doc_id) == before
    assert f"review.liked feedback:{ref}" in await entry_kinds(harness)
    assert "没有待合规处理的事项" in (await shen.send("/review")).plain_text
    # 加为相似问 on the ignored item (a stale view) adds nothing either.
    again = await shen.press_data(queue, f"rv:la:{ref}:0")
    assert again.toast == "已由 C001 处理，无需重复操作。"
    assert await harness.services.curation.questions(doc_id) == before


async def test_a_manager_cannot_adopt_or_ignore(harness: Harness, li: Chat, shen: Chat) -> None:
    doc_id, _ = await liked(li)
    before = await harness.services.curation.questions(doc_id)
    queue = await shen.send("/review")
    ref = item_ref(queue)
    for action in ("la", "li"):
        refused = await li.press_data(queue, f"rv:{action}:{ref}:0")
        assert refused.toast == "只有合规专员可以执行此操作。"
    assert await harness.services.curation.questions(doc_id) == before
    assert "共 1 项" in (await shen.send("/review")).plain_text
    # An admin reads the item and may ignore it, but only compliance adds questions.
    han = await harness.staff("A001", 4001, "韩雪")
    queue = await han.send("/review")
    await han.press(queue, "1")
    assert labels(queue) == [IGNORE, BACK]
    assert (await han.press_data(queue, f"rv:la:{ref}:0")).toast == "只有合规专员可以执行此操作。"


async def test_a_question_too_long_is_refused_with_the_limit(
    harness: Harness, li: Chat, shen: Chat
) -> None:
    long_question = "科创板" * 70  # 210 characters
    await harness.services.feedback.record_answer_feedback(
        staff_id="M001",
        chat_id=li.id,
        message_id=999,
        question=long_question,
        doc_id="KB-REVERSE-REPO",
        version=1,
        helpful=True,
    )
    queue = await shen.send("/review")
    await shen.press(queue, "1")
    refused = await shen.press(queue, ADOPT)
    assert refused.toast == (
        f"该问题有 210 字，相似问最多 {QUESTION_MAX_CHARS} 字，无法加入；请忽略。"
    )
    assert refused.answer and refused.answer.get("show_alert") is True
    assert long_question not in [
        q for q, _, _ in await harness.services.curation.questions("KB-REVERSE-REPO")
    ]
    await shen.press(queue, IGNORE)
    assert "没有待合规处理的事项" in (await shen.send("/review")).plain_text


@pytest.mark.parametrize(
    ("error", "zh", "en"),
    [
        (UnknownDocumentError("KB-NOPE"), "知识库中没有文档 KB-NOPE", "no document KB-NOPE"),
        (EmptyQuestionError("empty"), "该问题没有内容", "The question is empty"),
        (
            QuestionTooLongError(limit=200, length=250),
            "该问题有 250 字，相似问最多 200 字",
            "has 250 characters; a similar question has at most 200",
        ),
        (NotAuthorizedError("M001"), "只有合规专员可以执行此操作", "Only compliance officers"),
    ],
)
def test_knowledge_base_refusals_read_as_replies_in_both_languages(
    error: Exception, zh: str, en: str
) -> None:
    for language, expected in (("zh", zh), ("en", en)):
        press = button_reply(error, language, "review")
        assert press.toast is not None and expected in press.toast and press.alert
        view = message_reply(error, language, "review")
        assert view is not None
        if isinstance(error, UnknownDocumentError):  # /review KB-NOPE: no draft or version
            assert "KB-NOPE" in view.text
        else:
            assert expected in view.text
