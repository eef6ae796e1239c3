"""Issue 12 §5 beyond clients: staff and ticket ids the importer would refuse, written straight
into the database (a row from before the rule, or another tool), work on every button that
carries them — /tickets (✅ 已响应, ✅ 已解决, 转派), /team's manager and team buttons, the
escalation ping's teammates, /staff's 停用 and 解绑 — with no button over 64 bytes, no raw odd
id in button data, no 「按钮已过期」 and no error id. A ticket's pings are traceable to it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from bot.console_proactive import ConsoleProactive
from crm.id_refs import hashed_ref
from crm.tickets import ledger_kind, ticket_ref
from emulator import BotMessage
from handlers.buttons import STORED_ID_LOOKUPS
from scheduler.alerts import sweep
from scheduler.startup import stop
from storage.clock import DemoClock
from storage.rows import ClientRow, StaffRow, TicketRow
from tests.support.proactive import use_clock
from tests.support.ptb import Chat, Harness, Outcome, labels
from tests.unit.handlers.conftest import DEMO_AS_OF
from tests.unit.handlers.test_proactive_flow import evaluate_rules, p1_of, shanghai
from tests.unit.handlers.test_stored_ids_flow import button_data

ODD_MANAGER = "S:01"  # a ':' splits packed data
ODD_SUPERVISOR = "主管:甲"
ODD_TEAM_MANAGER = "经理" * 16  # 32 characters, 96 bytes
CHINESE_TICKET = "工单编号" * 10  # 40 characters, 120 bytes
ODD_IDS = (ODD_MANAGER, ODD_SUPERVISOR, ODD_TEAM_MANAGER, CHINESE_TICKET)
EXPIRED = "按钮已过期"


async def add_odd_rows(harness: Harness) -> None:
    """欧阳经理 (S:01) in 周建国's team; 欧阳主管 (主管:甲) leading 欧阳九 (32 Chinese
    characters); the only open ticket has a 40-character Chinese id and belongs to 李明."""
    now = harness.clock.now
    async with harness.runtime.uow() as work:
        session = work.session
        session.add(
            StaffRow(staff_id=ODD_MANAGER, name="欧阳经理", role="manager", supervisor_id="S001")
        )
        session.add(StaffRow(staff_id=ODD_SUPERVISOR, name="欧阳主管", role="supervisor"))
        await session.flush()
        session.add(
            StaffRow(
                staff_id=ODD_TEAM_MANAGER,
                name="欧阳九",
                role="manager",
                supervisor_id=ODD_SUPERVISOR,
            )
        )
        await session.execute(delete(TicketRow))
        client = (
            await session.scalars(
                select(ClientRow)
                .where(ClientRow.manager_id == "M001")
                .order_by(ClientRow.client_id)
            )
        ).first()
        assert client is not None
        session.add(
            TicketRow(
                ticket_id=CHINESE_TICKET,
                client_id=client.client_id,
                category="inquiry",
                opened_at=now - timedelta(minutes=20),
                summary="咨询转账到账时间",
                manager_id="M001",
            )
        )
        await work.commit()


def ok(outcome: Outcome) -> Outcome:
    assert outcome.toast != EXPIRED, outcome
    return outcome


def assert_clean(harness: Harness, *chats: Chat) -> None:
    """Every button the bot sent these chats is ≤ 64 bytes and carries no raw odd id; no
    message shows an error id."""
    for chat in chats:
        for message in harness.sent_to(chat):
            assert "错误编号" not in message.plain_text, message.plain_text
            for data in button_data(message):
                assert len(data.encode()) <= 64, data
                assert not any(odd in data for odd in ODD_IDS), data
                assert "主管" not in data and "工单" not in data and "经理" not in data, data


async def ticket_of(harness: Harness) -> dict[str, object]:
    """The stored ticket's columns, read now."""
    async with harness.runtime.uow() as work:
        row = await work.session.get(TicketRow, CHINESE_TICKET)
        assert row is not None
        return {c.key: getattr(row, c.key) for c in TicketRow.__table__.columns}


async def test_ticket_buttons_work_for_odd_ticket_and_staff_ids(harness: Harness) -> None:
    await add_odd_rows(harness)
    li = await harness.staff("M001", 1001, "李明")
    zhou = await harness.staff("S001", 1101, "周建国")
    ouyang = await harness.staff(ODD_MANAGER, 1201, "欧阳经理")

    listing = await li.send("/tickets")
    assert CHINESE_TICKET in listing.plain_text
    briefing = await li.send("/today")  # the breached ticket is an item with its ✅
    resolve = next((d for d in button_data(briefing) if d.startswith("tk:res:~")), None)
    assert resolve is not None, briefing.plain_text
    asked = ok(await li.press_data(briefing, resolve, strict=True)).message
    assert "请用一句话回复工单" in asked.plain_text and CHINESE_TICKET in asked.plain_text
    responded = ok(await li.press(listing, "1 ✅ 已响应"))
    assert responded.toast == "已记录首次响应"
    assert (await ticket_of(harness))["first_response_by"] == "M001"

    team = await zhou.send("/tickets")
    choose = ok(await zhou.press(team, "1 转派")).message
    assert "→ 欧阳经理" in labels(choose)
    before = len(harness.sent_to(ouyang))
    moved = ok(await zhou.press(choose, "→ 欧阳经理"))
    assert (moved.toast or "").startswith("已转派给") and "欧阳经理" in (moved.toast or "")
    assert (await ticket_of(harness))["manager_id"] == ODD_MANAGER
    told = harness.sent_to(ouyang)[before:]
    assert told and CHINESE_TICKET in told[0].plain_text  # the new owner hears of it

    mine = await ouyang.send("/tickets")
    assert CHINESE_TICKET in mine.plain_text
    prompt = ok(await ouyang.press(mine, "1 ✅ 已解决")).message
    assert CHINESE_TICKET in prompt.plain_text
    done = await ouyang.send("已电话说明到账时间")
    assert "已解决并关闭" in done.plain_text
    row = await ticket_of(harness)
    assert row["status"] == "closed" and row["closed_by"] == ODD_MANAGER
    again = await ouyang.press(mine, "1 ✅ 已解决")  # a second press: already done
    assert again.toast == "该工单已处理过了"
    # a manager outside the ticket's team cannot resolve the hashed ref: stale, not someone's
    data = mine.buttons[0].callback_data or ""
    assert data.startswith("tk:") and "~" in data  # the ticket travels hashed
    fang = await harness.staff("M004", 1004, "刘婷")
    forged = await fang.press_data(await fang.send("/tickets"), data)
    assert forged.toast == EXPIRED
    assert_clean(harness, li, zhou, ouyang)


def test_a_tickets_ledger_kind_names_it() -> None:
    """The ping of a 40-character Chinese ticket id is recorded under a ref that resolves to it
    (it was a digest nothing could trace)."""
    kind = ledger_kind("tkfr1", CHINESE_TICKET)
    assert len(kind) <= 40 and ticket_ref(kind) is not None


async def test_pings_of_an_odd_ticket_are_traced_to_whoever_may_see_it(harness: Harness) -> None:
    await add_odd_rows(harness)
    tickets = harness.services.tickets
    zhou = await harness.services.staff.get("S001")
    sun = await harness.services.staff.get("S002")
    ref = ticket_ref(ledger_kind("tkfr1", CHINESE_TICKET))
    assert ref is not None
    assert (await tickets.get_by_ref(ref, zhou)).ticket_id == CHINESE_TICKET
    assert await tickets.resolve_ref(ref, sun) is None  # another team's supervisor


async def test_team_buttons_work_for_odd_staff_ids(harness: Harness) -> None:
    await add_odd_rows(harness)
    zhou = await harness.staff("S001", 1101, "周建国")
    kpis = (await zhou.send_all("/team")).messages[0]
    assert "📋 欧阳经理" in labels(kpis)
    listed = ok(await zhou.press(kpis, "📋 欧阳经理")).message
    assert "欧阳经理 的今日清单" in listed.plain_text

    han = await harness.staff("A001", 1301, "韩雪")
    picker = await han.send("/team")
    assert "欧阳主管（1人）" in labels(picker)
    picked = ok(await han.press(picker, "欧阳主管（1人）")).messages[0]
    assert "欧阳主管 团队" in picked.plain_text and "欧阳九" in picked.plain_text
    opened = ok(await han.press(picked, "📋 欧阳九")).message
    assert "欧阳九 的今日清单" in opened.plain_text
    everyone = ok(await han.press(picker, "全部团队")).messages[0]
    assert "全部团队" in everyone.plain_text
    # another supervisor's press on 欧阳经理's button: her ref names nobody she may see
    sun = await harness.staff("S002", 1102, "孙丽华")
    theirs = (await sun.send_all("/team")).messages[0]
    stolen = next(d for d in button_data(kpis) if d.startswith("team:list:~"))
    assert (await sun.press_data(theirs, stolen)).toast == EXPIRED
    assert_clean(harness, zhou, han, sun)


@pytest.fixture
async def escalated(harness: Harness) -> AsyncIterator[tuple[Chat, BotMessage]]:
    """王芳's P1 alert escalated to 周建国, whose team has 欧阳经理 (S:01)."""
    await add_odd_rows(harness)
    await evaluate_rules(harness, shanghai(DEMO_AS_OF, 16, 0))
    fang = await harness.staff("M002", 8002, "王芳")
    zhou = await harness.staff("S001", 8101, "周建国")
    gate = use_clock(harness.application, harness.runtime.uow, harness.clock)
    await sweep(harness.application)
    pacer = gate.pacer
    assert pacer is not None
    await harness.emulator.wait_until(lambda: pacer.pending == 0)
    try:
        before = len(harness.sent_to(zhou))
        ok(await fang.press(p1_of(harness, fang), "升级"))
        yield zhou, harness.sent_to(zhou)[before]
    finally:
        await stop(harness.application)


async def test_escalation_reassigns_to_an_odd_staff_id(
    harness: Harness, escalated: tuple[Chat, BotMessage]
) -> None:
    zhou, ping = escalated
    ok(await zhou.press(ping, "转派给组员"))
    assert "欧阳经理" in labels(ping)
    reassigned = ok(await zhou.press(ping, "欧阳经理"))
    assert "欧阳经理" in (reassigned.toast or "") and "已转派给 欧阳经理" in ping.plain_text
    assert_clean(harness, zhou)


async def test_staff_buttons_work_for_an_odd_staff_id(harness: Harness) -> None:
    await add_odd_rows(harness)
    await harness.staff(ODD_MANAGER, 1201, "欧阳经理")
    han = await harness.staff("A001", 4001, "韩雪")
    listing = await han.send("/staff")
    for _page in range(5):
        if "🔓 解绑 欧阳经理" in labels(listing):
            break
        ok(await han.press(listing, "下一页"))
    assert "🚫 停用 欧阳经理" in labels(listing)

    prompt = ok(await han.press(listing, "🔓 解绑 欧阳经理")).message
    assert "欧阳经理（S:01）" in prompt.plain_text
    unbound = await han.send("换了手机")
    assert "欧阳经理" in unbound.plain_text

    prompt = ok(await han.press(listing, "🚫 停用 欧阳经理")).message
    assert "请回复停用 欧阳经理（S:01）的原因" in prompt.plain_text
    done = await han.send("离职")
    assert "✅ 已停用 欧阳经理（S:01），原因：离职" in done.plain_text
    async with harness.runtime.uow() as work:
        row = await work.session.get(StaffRow, ODD_MANAGER)
        assert row is not None and not row.active and row.telegram_user_id is None
    assert_clean(harness, han)


async def test_each_kind_resolves_only_what_the_presser_may_see(harness: Harness) -> None:
    """The wrapper's lookups: staff within her team (an admin: everyone), tickets of her team,
    approved documents (any staff member)."""
    await add_odd_rows(harness)
    services = harness.services
    zhou, sun, li, han = [
        await services.staff.get(staff_id) for staff_id in ("S001", "S002", "M001", "A001")
    ]
    staff = STORED_ID_LOOKUPS["staff"]
    assert await staff(services, zhou, hashed_ref(ODD_MANAGER)) == ODD_MANAGER
    assert await staff(services, li, hashed_ref(ODD_MANAGER)) == ODD_MANAGER  # a teammate
    assert await staff(services, sun, hashed_ref(ODD_MANAGER)) is None
    assert await staff(services, han, hashed_ref(ODD_TEAM_MANAGER)) == ODD_TEAM_MANAGER
    assert await staff(services, zhou, hashed_ref(ODD_TEAM_MANAGER)) is None
    ticket = STORED_ID_LOOKUPS["ticket"]
    assert await ticket(services, li, hashed_ref(CHINESE_TICKET)) == CHINESE_TICKET
    assert await ticket(services, han, hashed_ref(CHINESE_TICKET)) == CHINESE_TICKET
    assert await ticket(services, sun, hashed_ref(CHINESE_TICKET)) is None
    document = STORED_ID_LOOKUPS["document"]
    assert await document(services, li, hashed_ref("KB-ACCOUNT-OPENING")) == "KB-ACCOUNT-OPENING"
    assert await document(services, li, hashed_ref("KB-NO-SUCH-DOCUMENT")) is None


async def test_the_console_shows_a_supervisor_the_ping_of_an_odd_ticket(harness: Harness) -> None:
    """The console prints a ticket's ping to whoever may see the ticket: it traces the ledger
    kind back to the ticket (a digest could not be traced, so the ping was never shown)."""
    await add_odd_rows(harness)
    zhou = await harness.services.staff.get("S001")
    sun = await harness.services.staff.get("S002")
    kind = ledger_kind("tkfr1", CHINESE_TICKET)
    for viewer, shown in ((zhou, True), (sun, False)):
        console = ConsoleProactive(
            harness.application, harness.emulator, viewer, DemoClock(lambda: harness.clock.now)
        )
        claimed = await console.outbox.claim(zhou, [(DEMO_AS_OF, kind)])
        assert (claimed[0].id in console.outbox._wanted) is shown, viewer.staff_id
