"""DESIGN §9: every change and every read of a client's data is an entry of the journal, with
its actor and target, written in the same transaction as the change (no change, no entry), and
the chain still verifies."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any
from unittest import mock

from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from audit import Entry, Journal
from storage.activity_rows import ContactRow
from tests.support.ptb import Chat, Harness
from tests.unit.handlers.test_proactive_flow import alerted, p1_of  # noqa: F401 - a fixture

CHANGE_KINDS = ("note.", "followup.", "contact.", "client.", "alert.", "staff.")


async def journaled(harness: Harness, *prefixes: str) -> list[Entry]:
    since = harness.clock.now - timedelta(days=2)
    found = [e async for e in harness.services.journal.entries(since)]
    return [e for e in found if e.kind.startswith(prefixes or CHANGE_KINDS)]


async def verified(harness: Harness) -> int:
    result = await harness.services.journal.verify()
    assert result.ok, (result.bad_seq, result.reason)
    return result.count


def saved_id(text: str) -> int:
    found = re.search(r"#(\d+)", text)
    assert found, text
    return int(found.group(1))


async def test_a_note_saved_revised_and_undone_is_journaled(harness: Harness, li: Chat) -> None:
    saved = await li.send("/note 张伟 已电话沟通，客户暂不加仓")
    note = saved_id(saved.plain_text)
    request = li.last_request
    assert request is not None
    await li.edit(request, "已电话沟通，客户暂不加仓，下周再联系")
    await li.press(saved, "↩️ 撤销")
    entries = await journaled(harness, "note.")
    assert [(e.actor, e.kind, e.subject) for e in entries] == [
        ("M001", "note.saved", f"note:{note}"),
        ("M001", "note.revised", f"note:{note}"),
        ("M001", "note.undone", f"note:{note}"),
    ]
    client = json.loads(entries[0].body)["client"]
    assert all(json.loads(e.body)["client"] == client for e in entries)
    assert json.loads(entries[1].body)["revision"] == 2
    await verified(harness)


async def test_reading_a_client_is_journaled_search_card_chart_and_contact(
    harness: Harness, li: Chat
) -> None:
    card = await li.send("/client 张伟")
    await li.press(card, "📈")
    await li.press(card, "✅ 已联系")
    entries = await journaled(harness, "client.", "contact.")
    kinds = [(e.actor, e.kind) for e in entries]
    assert kinds == [
        ("M001", "client.search"),
        ("M001", "client.card"),
        ("M001", "client.chart"),
        ("M001", "contact.recorded"),
    ]
    client = entries[1].subject
    assert client.startswith("client:") and entries[2].subject == client
    assert entries[0].subject == client and json.loads(entries[0].body)["hits"] == [client[7:]]
    assert json.loads(entries[3].body)["client"] == client[7:]
    zhou = await harness.staff("S001", 1101, "周")
    await zhou.send("/client 张伟")  # a supervisor's read is hers
    assert [e.actor for e in await journaled(harness, "client.card")] == ["M001", "S001"]
    await verified(harness)


async def test_follow_ups_created_done_and_snoozed_are_journaled(
    harness: Harness, li: Chat
) -> None:
    confirmation = await li.send("/todo 张伟 明天上午10点回电")
    await li.press(confirmation, "✅ 确认")
    first = saved_id(confirmation.plain_text)
    confirmation = await li.send("/todo 张伟 明天上午9点 送资料")
    await li.press(confirmation, "✅ 确认")
    second = saved_id(confirmation.plain_text)
    listing = await li.send("/todos")
    later = (await li.press(listing, f"⏰ 稍后 #{first}")).message
    await li.press(later, "+1 小时")
    await li.press(listing, f"✅ 完成 #{second}")
    entries = await journaled(harness, "followup.")
    assert [(e.actor, e.kind, e.subject) for e in entries] == [
        ("M001", "followup.created", f"followup:{first}"),
        ("M001", "followup.created", f"followup:{second}"),
        ("M001", "followup.snoozed", f"followup:{first}"),
        ("M001", "followup.done", f"followup:{second}"),
    ]
    assert json.loads(entries[2].body)["option"] == "hour"
    await verified(harness)


async def test_alert_acknowledgement_is_journaled(
    harness: Harness,
    alerted: dict[str, Chat],  # noqa: F811 - the fixture
) -> None:
    li = alerted["M001"]
    p1 = p1_of(harness, li)
    await li.press(p1, "稍后")
    await li.press(p1, "确认")
    mine = [e for e in await journaled(harness, "alert.") if e.actor == "M001"]
    assert [e.kind for e in mine] == ["alert.snoozed", "alert.acknowledged"]
    assert mine[0].subject == mine[1].subject and mine[0].subject.startswith("alert:")
    delivered = await journaled(harness, "alert.delivered")
    assert delivered and all(e.actor == "system" for e in delivered)
    await verified(harness)


async def test_a_change_that_rolls_back_leaves_no_entry(harness: Harness, li: Chat) -> None:
    before = await verified(harness)
    real_commit = AsyncSession.commit
    failed = []

    async def refuse_once(session: AsyncSession) -> None:
        # The note's transaction (its contact is still to be written), not the journal's own.
        if not failed and any(isinstance(row, ContactRow) for row in session.new):
            failed.append(True)
            raise OperationalError("COMMIT", {}, Exception("database is locked"))
        await real_commit(session)

    with mock.patch.object(AsyncSession, "commit", refuse_once):
        busy = await li.send("/note 张伟 客户想了解国债逆回购")
    assert failed and "没有保存" in busy.plain_text
    assert await journaled(harness, "note.") == []
    assert await verified(harness) >= before  # the message in and out only, chain intact
    saved = await li.send("/note 张伟 客户想了解国债逆回购")
    note = saved_id(saved.plain_text)
    assert [e.subject for e in await journaled(harness, "note.")] == [f"note:{note}"]
    await verified(harness)


async def test_answer_feedback_and_a_flagged_draft_are_journaled(
    harness: Harness, li: Chat
) -> None:
    answer = await li.send("科创板开户条件")
    await li.press(answer, "👍 有帮助")
    await li.press(answer, "👍 有帮助")  # already recorded: nothing changed, no entry
    await li.press(answer, "👎 没帮助")
    await li.send("/check 保证年化8%，稳赚不赔")
    entries = await journaled(harness, "kb.feedback", "kb.finding")
    assert [(e.actor, e.kind) for e in entries] == [
        ("M001", "kb.feedback"),
        ("M001", "kb.feedback"),
        ("M001", "kb.finding"),
    ]
    assert entries[0].subject == entries[1].subject
    bodies = [json.loads(e.body) for e in entries]
    assert [b.get("helpful") for b in bodies[:2]] == [True, False]
    assert bodies[2]["violations"] >= 2
    await verified(harness)


async def test_note_with_its_client_named_commits_the_search_hit_with_the_note(
    harness: Harness, li: Chat
) -> None:
    """`/note 张伟 …` saves at once: the search hit's entry joins the note's transaction (one
    commit, not two); `/note 张` (a pick list, nothing saved) journals the hits on their own."""
    real_append = Journal.append
    sessions: dict[str, list[AsyncSession | None]] = {}

    async def spy(self: Journal, actor: str, kind: str, subject: str, body: Any = "", **kw: Any):  # type: ignore[no-untyped-def]
        sessions.setdefault(kind, []).append(kw.get("session"))
        return await real_append(self, actor, kind, subject, body, **kw)

    with mock.patch.object(Journal, "append", spy):
        saved = await li.send("/note 张伟 客户想了解国债逆回购")
    note = saved_id(saved.plain_text)
    [search], [save] = sessions["client.search"], sessions["note.saved"]
    assert search is not None and search is save
    entries = await journaled(harness, "client.search", "note.saved")
    assert [(e.kind, e.subject) for e in entries][-2:] == [
        ("client.search", entries[-2].subject),
        ("note.saved", f"note:{note}"),
    ]
    assert entries[-1].seq == entries[-2].seq + 1
    assert json.loads(entries[-2].body)["hits"] == [json.loads(entries[-1].body)["client"]]
    before = len(await journaled(harness, "client.search"))
    await li.send("/note 张")  # several clients: she picks, the read is journaled alone
    assert len(await journaled(harness, "client.search")) == before + 1
    await verified(harness)


async def test_a_gap_submitted_by_a_manager_is_journaled_once(harness: Harness) -> None:
    """The 📮 press's service call: a new gap is an entry (actor the manager), a repeat is not."""
    asking = harness.services.asking
    first = await asking.submit_gap("逆回购节假日怎么计息", asked_by="M001")
    again = await asking.submit_gap("逆回购节假日怎么计息？", asked_by="M001")
    assert first.new and not again.new and again.gap_id == first.gap_id
    since = harness.clock.now - timedelta(days=3650)
    found = [
        e async for e in harness.services.journal.entries(since) if e.kind == "kb.gap_submitted"
    ]
    assert [(e.actor, e.subject) for e in found] == [("M001", f"gap:{first.gap_id}")]
    await verified(harness)
