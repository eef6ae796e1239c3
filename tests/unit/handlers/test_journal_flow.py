"""The journal records every message in and out (DESIGN §9), masked, and its chain holds."""

from __future__ import annotations

from datetime import UTC, datetime

from audit import Entry
from tests.support.ptb import Chat, Harness


async def entries(harness: Harness) -> list[Entry]:
    journal = harness.services.journal
    await journal.flush()  # the hooks queue their entries
    return [e async for e in journal.entries(datetime(2000, 1, 1, tzinfo=UTC))]


async def test_a_message_in_and_the_reply_out_are_journaled_masked(harness: Harness, li: Chat):
    before = len(await entries(harness))
    reply = await li.send("/note 张伟 客户新手机 13812345678 已电话沟通")
    new = (await entries(harness))[before:]
    incoming = [e for e in new if e.kind == "message.in"]
    outgoing = [e for e in new if e.kind == "message.out"]
    assert len(incoming) == 1 and incoming[0].actor == "M001"
    assert incoming[0].subject.startswith(f"chat:{li.id}:")
    assert "138****5678" in incoming[0].body and "13812345678" not in incoming[0].body
    assert outgoing and outgoing[-1].actor == "bot"
    assert outgoing[-1].subject == f"chat:{li.id}:{reply.message_id}"
    assert "sendMessage" in outgoing[-1].body and "已保存" in outgoing[-1].body
    result = await harness.services.journal.verify()
    assert result.ok and result.count == before + len(new)


async def test_a_button_press_and_a_stranger_are_journaled_and_invites_are_not(
    harness: Harness, li: Chat
):
    card = await li.send("/client 张伟")
    await li.press(card, "📝 记录")
    stranger = harness.user(first_name="陌生人")
    await stranger.send("你好")
    recorded = await entries(harness)
    assert any(e.kind == "button.in" and e.actor == "M001" for e in recorded)
    assert any(e.actor == f"telegram:{stranger.id}" and "你好" in e.body for e in recorded)
    starts = [e for e in recorded if e.kind == "message.in" and "/start" in e.body]
    assert starts and all('"/start ***"' in e.body for e in starts)
