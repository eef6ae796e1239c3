"""/broadcast in chat: an approved, in-effect document to one team with 收到 buttons and the
sender's tally; refusals for unknown, unapproved and not-yet-effective documents."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from scheduler.broadcasts import RESUME_AFTER, sweep
from scheduler.startup import stop
from tests.support.proactive import PacerTime, use_clock
from tests.support.ptb import BotMessage, Chat, Harness, labels

DOC = "KB-NEGATIVE-EVENT-TALKING-POINTS"


@pytest.fixture
async def paced(harness: Harness) -> AsyncIterator[PacerTime]:
    gate = use_clock(harness.application, harness.runtime.uow, harness.clock)
    try:
        yield gate
    finally:
        await stop(harness.application)


async def drained(harness: Harness, gate: PacerTime) -> None:
    pacer = gate.pacer
    assert pacer is not None
    await harness.emulator.wait_until(lambda: pacer.pending == 0)


def acks(harness: Harness, *chats: Chat) -> list[BotMessage]:
    """The broadcast messages (with 收到) the chats got."""
    return [m for c in chats for m in harness.sent_to(c) if labels(m) == ["收到"]]


async def received(harness: Harness, *chats: Chat) -> None:
    """Wait (bounded) until every chat got its broadcast: the fan-out runs in the background."""
    done = harness.emulator.wait_until(lambda: len(acks(harness, *chats)) >= len(chats))
    await asyncio.wait_for(done, timeout=20)


async def test_a_broadcast_reaches_the_team_and_the_tally_follows_the_acks(
    harness: Harness, paced: PacerTime
) -> None:
    han = await harness.staff("A001", 1301, "韩雪")
    li = await harness.staff("M001", 1001, "李明")
    fang = await harness.staff("M002", 1002, "王芳")
    tally = await han.send(f"/broadcast {DOC} S001")
    assert "持仓个股重大负面事件沟通要点" in tally.plain_text and "周建国 团队" in tally.plain_text
    assert "已开始发送给 3 位客户经理" in tally.plain_text and "0/3 已确认" in tally.plain_text
    await received(harness, li, fang)
    await drained(harness, paced)
    sent = next(m for m in harness.sent_to(li) if labels(m) == ["收到"])
    assert "总部通知" in sent.plain_text and f"{DOC} v1" in sent.plain_text
    assert not any(labels(m) == ["收到"] for m in harness.sent_to(han))  # managers only

    acked = await li.press(sent, "收到")
    assert acked.toast == "已确认收到，谢谢"
    assert "✅ 已确认收到" in sent.plain_text and not labels(sent)
    assert "1/3 已确认" in tally.plain_text

    other = next(m for m in harness.sent_to(fang) if labels(m) == ["收到"])
    harness.clock.advance(seconds=1)  # within the tally's spacing: shown by the sweep
    await fang.press(other, "收到")
    assert "1/3 已确认" in tally.plain_text
    harness.clock.advance(seconds=5)
    assert (await sweep(harness.application))["tallies"] == 1
    assert "2/3 已确认" in tally.plain_text


async def test_only_approved_documents_in_effect_go_out(harness: Harness, paced: PacerTime) -> None:
    han = await harness.staff("A001", 1301, "韩雪")
    assert "找不到文档 KB-NOPE" in (await han.send("/broadcast KB-NOPE")).plain_text
    draft = await han.send("/broadcast KB-OPTIONS-ELIGIBILITY")
    assert "尚未审批" in draft.plain_text
    retired = await han.send("/broadcast KB-NEEQ-ELIGIBILITY")
    assert "尚未审批（或已退役）" in retired.plain_text
    future = await han.send("/broadcast KB-RISK-QUESTIONNAIRE-2027")
    assert "不在有效期内" in future.plain_text
    assert "不是主管编号" in (await han.send(f"/broadcast {DOC} M001")).plain_text
    assert "用法：/broadcast" in (await han.send("/broadcast")).plain_text


async def test_a_manager_may_not_broadcast(li: Chat) -> None:
    assert "仅限" in (await li.send(f"/broadcast {DOC}")).plain_text


async def test_a_fan_out_cut_short_is_resumed_by_the_sweep_once(
    harness: Harness, paced: PacerTime
) -> None:
    """The broadcast and its receipts are in the database before anything is sent: a process
    that stopped right after recording it (no fan-out ran) is made good by the sweep, which
    sends each manager the message once, after the starting process had its chance."""
    han = await harness.staff("A001", 1301, "韩雪")
    li = await harness.staff("M001", 1001, "李明")
    fang = await harness.staff("M002", 1002, "王芳")
    broadcasts = harness.application.bot_data.services.broadcasts
    sender = await harness.application.bot_data.services.staff.get("A001")
    assert sender is not None
    _broadcast, recipients = await broadcasts.create(sender, DOC, "S001")  # then the crash
    assert len(recipients) == 3 and not acks(harness, li, fang)
    assert (await sweep(harness.application))["resumed"] == 0  # the starter may still be on it
    harness.clock.advance(seconds=RESUME_AFTER.total_seconds() + 1)
    assert (await sweep(harness.application))["resumed"] == 2  # the two bound managers
    await received(harness, li, fang)
    await drained(harness, paced)
    assert [len(acks(harness, c)) for c in (li, fang)] == [1, 1]
    assert (await sweep(harness.application))["resumed"] == 0  # sent: never twice
    await drained(harness, paced)
    assert [len(acks(harness, c)) for c in (li, fang)] == [1, 1]
    assert not acks(harness, han)
