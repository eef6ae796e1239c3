"""/staff for admins: the list, 停用 with a reason as the next message (the leaver's follow-ups
and tickets go to her supervisor, who is told), 解绑, and the leaver's refused presses and messages."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from storage.rows import TicketRow
from tests.support.ptb import Chat, Harness, labels

REFUSED = "仅限已授权的员工使用"


async def admin(harness: Harness) -> Chat:
    return await harness.staff("A001", 4001, "韩雪")


async def test_staff_lists_everyone_with_buttons_and_pages(harness: Harness, li: Chat) -> None:
    han = await admin(harness)
    listing = await han.send("/staff")
    text = listing.plain_text
    assert "员工（共 10 人，第 1/2 页）" in text
    assert "李明（M001）· 客户经理 · 在职 · 已绑定" in text
    assert "沈静怡（C001）· 合规专员 · 在职 · 未绑定" in text
    assert "🚫 停用 李明" in labels(listing) and "🔓 解绑 李明" in labels(listing)
    assert "🚫 停用 韩雪" not in labels(listing)  # not herself
    page = await han.press(listing, "下一页")
    assert page.edited == [listing] and "第 2/2 页" in listing.plain_text
    assert "周建国（S001）· 团队主管 · 在职 · 未绑定" in listing.plain_text
    assert labels(listing)[-1] == "◀ 上一页"


async def test_deactivation_hands_over_and_refuses_the_leaver_at_once(
    harness: Harness, li: Chat
) -> None:
    zhou = await harness.staff("S001", 5001, "周建国")
    confirmation = await li.send("/todo 张伟 明天上午10点回电")
    await li.press(confirmation, "✅ 确认")
    todos = await li.send("/todos")  # buttons already on her screen
    assert labels(todos)
    han = await admin(harness)
    listing = await han.send("/staff")
    prompt = await han.press(listing, "🚫 停用 李明")
    assert "请回复停用 李明（M001）的原因" in prompt.message.plain_text
    before = len(harness.sent_to(zhou))
    done = await han.send("离职，已交接")
    assert "✅ 已停用 李明（M001），原因：离职，已交接" in done.plain_text
    assert "1 条待办跟进已转给主管 周建国（S001）" in done.plain_text

    told = harness.sent_to(zhou)[before:]
    assert len(told) == 1 and "李明（M001）已停用" in told[0].plain_text
    assert "离职，已交接" in told[0].plain_text
    assert "回电" in (await zhou.send("/todos")).plain_text

    press = await li.press(todos, 0)  # a button from before: refused, nothing done
    assert REFUSED in (press.toast or "") and not press.edited and not press.messages
    assert REFUSED in (await li.send("/todos")).plain_text
    after = await han.send("/staff")
    await han.press(after, "下一页")  # the deactivated come last
    assert "李明（M001）· 客户经理 · 已停用 · 已绑定" in after.plain_text
    assert "🚫 停用 李明" not in labels(after) and "🔓 解绑 李明" in labels(after)

    since = harness.clock.now - timedelta(days=1)
    entries = [e async for e in harness.services.journal.entries(since)]
    journaled = [e for e in entries if e.kind == "staff.deactivated"]
    assert [(e.actor, e.subject) for e in journaled] == [("A001", "staff:M001")]
    assert "离职" in journaled[0].body and isinstance(journaled[0].at, datetime)


async def test_unbind_refuses_the_account_until_a_new_invite(harness: Harness, li: Chat) -> None:
    han = await admin(harness)
    listing = await han.send("/staff")
    await han.press(listing, "🔓 解绑 李明")
    done = await han.send("换手机")
    assert "已解绑 李明（M001）的 Telegram 账号" in done.plain_text
    assert REFUSED in (await li.send("/help")).plain_text
    invite = await harness.services.staff.create_invite("M001")
    assert "绑定成功" in (await li.send(f"/start {invite.code}")).plain_text


async def test_a_command_cancels_the_reason_and_stale_presses_are_answered(
    harness: Harness, li: Chat
) -> None:
    han = await admin(harness)
    listing = await han.send("/staff")
    await han.press(listing, "🚫 停用 李明")
    await han.send("/help")  # moved on: the next text is not a reason
    assert "工号 M001" in (await li.send("/help")).plain_text
    await harness.services.staff.deactivate("M001", by="A001", reason="离职")
    again = await han.press(listing, "🚫 停用 李明")
    assert again.toast == "李明（M001）已停用。" and not again.messages
    forged = await han.press_data(listing, "stf:off:../x")
    assert forged.toast == "按钮已过期"


async def test_a_leavers_open_tickets_go_to_her_supervisor(harness: Harness, li: Chat) -> None:
    zhou = await harness.staff("S001", 5001, "周建国")
    async with harness.runtime.uow() as work:
        hers = set(
            await work.session.scalars(
                select(TicketRow.ticket_id).where(
                    TicketRow.manager_id == "M001", TicketRow.status == "open"
                )
            )
        )
    assert hers  # the demo book gives her open tickets
    han = await admin(harness)
    listing = await han.send("/staff")
    await han.press(listing, "🚫 停用 李明")
    before = len(harness.sent_to(zhou))
    done = await han.send("离职")
    assert f"其 {len(hers)} 张未结工单也已转给主管" in done.plain_text
    told = harness.sent_to(zhou)[before:]
    assert f"其 {len(hers)} 张未结工单也已转给您，发送 /tickets 查看" in told[0].plain_text
    async with harness.runtime.uow() as work:
        owners = set(
            await work.session.scalars(
                select(TicketRow.manager_id).where(TicketRow.ticket_id.in_(hers))
            )
        )
    assert owners == {"S001"}
