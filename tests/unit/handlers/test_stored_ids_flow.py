"""Issue 12 point 5: every button works for any stored client id. `CN:001` (a ':' that splits
packed data) and a 20-character Chinese id (60 bytes: over the 64-byte limit once packed) are
written straight into the database, past the importer's id rule, as a row stored before the
rule or by another tool would be; the card's buttons, the pick lists, /todo's confirmation and
/today's pages all work for them, and no button's data is over 64 bytes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from emulator import BotMessage
from storage.activity_rows import ContactRow, FollowUpRow, NoteRow
from storage.rows import ClientRow
from tests.support.ptb import Chat, Harness, Outcome, labels
from tests.unit.handlers.conftest import DEMO_AS_OF

COLON_ID = "CN:001"
CHINESE_ID = "客户编号" * 5  # 20 characters, 60 bytes
ODD_CLIENTS = {COLON_ID: "欧阳一", CHINESE_ID: "欧阳二"}
MONDAY = date(2026, 11, 23)
EXPIRED = "按钮已过期"


def shanghai(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) - timedelta(hours=8)


def button_data(message: BotMessage) -> list[str]:
    """The callback data of every button the message has shown, before and after edits."""
    markups = [version.reply_markup for version in message.edits] + [message.reply_markup]
    return [
        button["callback_data"]
        for markup in markups
        if markup
        for row in markup.get("inline_keyboard") or []
        for button in row
        if button.get("callback_data")
    ]


def assert_short_data(harness: Harness, chat: Chat) -> None:
    """Every button the bot ever sent this chat carries ≤ 64 bytes and no raw odd id."""
    for message in harness.sent_to(chat):
        for data in button_data(message):
            assert len(data.encode()) <= 64, data
            assert COLON_ID not in data and "客户" not in data, data


@pytest.fixture
async def li(harness: Harness) -> Chat:
    """李明 (M001) with two odd clients in her book, each with a follow-up due today."""
    async with harness.runtime.uow() as work:
        for client_id, name in ODD_CLIENTS.items():
            work.session.add(
                ClientRow(
                    client_id=client_id,
                    name=name,
                    manager_id="M001",
                    opened_on=date(2020, 1, 2),
                    risk_level="C3",
                )
            )
        await work.session.flush()
        for index, client_id in enumerate(ODD_CLIENTS):
            work.session.add(
                FollowUpRow(
                    client_id=client_id,
                    owner_id="M001",
                    title=f"回访 {index}",
                    due_at=shanghai(MONDAY, 17),
                    created_at=shanghai(DEMO_AS_OF, 9),
                )
            )
        await work.session.commit()
    return await harness.staff("M001", 1001, "李明")


async def count(
    harness: Harness, row: type[NoteRow] | type[ContactRow] | type[FollowUpRow], client_id: str
) -> int:
    async with harness.runtime.uow() as work:
        query = select(func.count()).select_from(row).where(row.client_id == client_id)
        return int(await work.session.scalar(query) or 0)


def not_expired(outcome: Outcome) -> Outcome:
    assert outcome.toast != EXPIRED, outcome
    return outcome


@pytest.mark.parametrize("client_id", [COLON_ID, CHINESE_ID], ids=["colon", "chinese-20"])
async def test_the_card_and_its_buttons_work(harness: Harness, li: Chat, client_id: str) -> None:
    name = ODD_CLIENTS[client_id]
    card = await li.send(f"/client {name}")
    assert f"{name}（{client_id}）" in card.plain_text
    assert labels(card) == ["📝 记录", "⏰ 跟进", "📈 图表", "✅ 已联系"]

    prompt = not_expired(await li.press(card, "📝 记录")).message
    assert name in prompt.plain_text
    saved = await li.send("约了下周面谈")
    assert "已保存" in saved.plain_text and await count(harness, NoteRow, client_id) == 1

    follow_up = not_expired(await li.press(card, "⏰ 跟进")).message
    assert name in follow_up.plain_text

    not_expired(await li.press(card, "📈 图表"))

    contacts = await count(harness, ContactRow, client_id)
    contacted = not_expired(await li.press(card, "✅ 已联系")).message
    assert "已记录" in contacted.plain_text and name in contacted.plain_text
    assert await count(harness, ContactRow, client_id) == contacts + 1
    assert_short_data(harness, li)


async def test_pick_lists_open_and_save_for_the_odd_ids(harness: Harness, li: Chat) -> None:
    choices = await li.send("/client 欧阳")
    for client_id, name in ODD_CLIENTS.items():
        opened = not_expired(await li.press(choices, f"{name} · {client_id}")).message
        assert f"{name}（{client_id}）" in opened.plain_text

    pick = await li.send("/note 欧阳 电话没接通")
    assert "欧阳二" in " ".join(labels(pick))
    chosen = next(label for label in labels(pick) if "欧阳二" in label)
    not_expired(await li.press(pick, chosen))
    assert await count(harness, NoteRow, CHINESE_ID) == 1

    draft = await li.send("/todo 欧阳 明天上午10点 回电")
    chosen = next(label for label in labels(draft) if "欧阳一" in label)
    not_expired(await li.press(draft, chosen))
    assert "欧阳一" in draft.plain_text
    not_expired(await li.press(draft, "✅ 确认"))
    assert "已保存 #" in draft.plain_text
    assert await count(harness, FollowUpRow, COLON_ID) == 2
    assert_short_data(harness, li)


async def test_today_pages_through_items_of_odd_ids(harness: Harness, li: Chat) -> None:
    harness.clock.now = shanghai(MONDAY, 8)
    await harness.services.rules.evaluate(DEMO_AS_OF)
    briefing = await li.send("/today")
    seen: set[str] = set()
    for _page in range(20):
        for name in ODD_CLIENTS.values():
            if name in briefing.plain_text and name not in seen:
                seen.add(name)
        page_labels = labels(briefing)
        if "◂ 第一页" in page_labels:
            break
        assert "更多 ▸" in page_labels, briefing.plain_text
        more = not_expired(await li.press(briefing, "更多 ▸"))
        assert more.edited == [briefing]
    else:
        pytest.fail("the pages never came back to the first")
    assert seen == set(ODD_CLIENTS.values())
    assert_short_data(harness, li)
    # the card and note buttons of an odd client's item work on whatever page it is
    for _page in range(20):
        number = next(
            (
                line.split(".")[0].strip()
                for line in briefing.plain_text.splitlines()
                if "欧阳一" in line and line.split(".")[0].strip().isdigit()
            ),
            None,
        )
        if number is not None:
            break
        await li.press(briefing, labels(briefing)[-1])
    assert number is not None, briefing.plain_text
    card = not_expired(await li.press(briefing, f"{number} 卡片")).message
    assert f"欧阳一（{COLON_ID}）" in card.plain_text
