"""/tickets, the ticket buttons (✅ 已响应, ✅ 已解决 with its one-line resolution, 转派 by a
supervisor) and the client card's open tickets, on the fast harness."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select

from storage.rows import ClientRow, TicketRow
from tests.support.ptb import Harness, labels


async def add_tickets(harness: Harness) -> str:
    """Two open tickets of M001 (an inquiry 20 min old, a complaint 1 h old); returns the
    client's name. The demo book's own tickets are removed, so the list is exactly these."""
    now = harness.clock.now
    async with harness.runtime.uow() as work:
        await work.session.execute(delete(TicketRow))
        client = (
            await work.session.scalars(
                select(ClientRow)
                .where(ClientRow.manager_id == "M001")
                .order_by(ClientRow.client_id)
            )
        ).first()
        assert client is not None
        for ticket_id, category, minutes in (("TK-C1", "complaint", 60), ("TK-I1", "inquiry", 20)):
            work.session.add(
                TicketRow(
                    ticket_id=ticket_id,
                    client_id=client.client_id,
                    category=category,
                    opened_at=now - timedelta(minutes=minutes),
                    summary=f"{category} 13812345678",
                    manager_id="M001",
                )
            )
        await work.commit()
        return client.name


async def test_tickets_lists_the_most_urgent_first_and_the_buttons_work_once(
    harness: Harness,
) -> None:
    name = await add_tickets(harness)
    li = await harness.staff("M001", 1001, "李明")
    listing = await li.send("/tickets")
    text = listing.plain_text
    assert text.index("TK-I1") < text.index("TK-C1")  # breached first
    assert "首次响应已超时 5 分钟" in text and "首次响应还剩 23 小时 0 分钟" in text
    assert "13812345678" not in text and name in text
    assert labels(listing)[:2] == ["1 ✅ 已响应", "1 ✅ 已解决"]

    responded = await li.press(listing, "1 ✅ 已响应")
    assert responded.toast == "已记录首次响应" and responded.edited == [listing]
    assert "解决还剩 2 小时 0 分钟" in listing.plain_text
    again = await li.press_data(listing, "tk:rsp:TK-I1:-:l")
    assert again.toast == "该工单已处理过了"

    prompt = (await li.press(listing, "1 ✅ 已解决")).message
    assert "请用一句话回复工单" in prompt.plain_text
    empty = await li.send("   ")
    assert "不能为空" in empty.plain_text
    done = await li.send("已电话说明原因，客户接受")
    assert "已解决并关闭" in done.plain_text and "客户接受" in done.plain_text
    stale = await li.press_data(listing, "tk:res:TK-I1:-:l")
    assert stale.toast == "该工单已处理过了"
    assert "TK-I1" not in (await li.send("/tickets")).plain_text

    card = await li.send(f"/client {name}")
    assert "未结工单（1）" in card.plain_text and "TK-C1" in card.plain_text


async def test_a_supervisor_reassigns_and_a_manager_cannot(harness: Harness) -> None:
    await add_tickets(harness)
    li = await harness.staff("M001", 1001, "李明")
    zhou = await harness.staff("S001", 1101, "周建国")
    team = await zhou.send("/tickets")
    assert "团队未结工单" in team.plain_text and "TK-I1（李明）" in team.plain_text  # the owner
    choose = (await zhou.press(team, "1 转派")).message
    assert "转派给哪位组员" in choose.plain_text and "→ 李明" not in labels(choose)
    target = labels(choose)[0]
    moved = await zhou.press(choose, target)
    assert moved.toast.startswith("已转派给") and "已转派给" in choose.plain_text
    mine = await li.send("/tickets")
    forged = await li.press_data(mine, "tk:to:TK-C1:M002:m")  # a manager does not reassign
    assert forged.toast == "您无权处理该工单"


async def test_the_briefings_older_done_button_on_a_ticket_asks_for_the_resolution(
    harness: Harness,
) -> None:
    """A briefing sent before tickets had resolutions carries ✅ as brief:done:t:<id>:0; it used
    to close the ticket with no resolution. Now it asks for the one line like ✅ 已解决."""
    await add_tickets(harness)
    li = await harness.staff("M001", 1001, "李明")
    listing = await li.send("/tickets")
    prompt = (await li.press_data(listing, "brief:done:t:TK-I1:0")).message
    assert "请用一句话回复工单" in prompt.plain_text
    async with harness.runtime.uow() as work:
        ticket = await work.session.get(TicketRow, "TK-I1")
        assert ticket is not None and (ticket.status, ticket.resolution) == ("open", None)
    done = await li.send("已补发对账单，客户确认收到")
    assert "已解决并关闭" in done.plain_text
    async with harness.runtime.uow() as work:
        ticket = await work.session.get(TicketRow, "TK-I1")
        assert ticket is not None
        assert (ticket.status, ticket.resolution) == ("closed", "已补发对账单，客户确认收到")
