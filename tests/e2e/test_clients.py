"""/client over the Bot API: fuzzy lookup, the 360° card, the chart, ✅ contacted, scoping."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from storage.activity_rows import ContactRow
from storage.rows import ClientRow

ZHANG_WEI = "3100000004"  # 张伟, M001's client (team S001)
OTHER_TEAMS_CLIENT = "3100000001"  # 金佳燕, M005's client (team S002)


async def _sensitive_numbers(bot) -> list[str]:
    async with bot.runtime.uow() as work:
        rows = (await work.session.execute(select(ClientRow.phone, ClientRow.id_number))).all()
    return [value for row in rows for value in row if value]


async def _assert_nothing_unmasked(bot) -> None:
    """No phone or ID number of any client appears in any message or caption the bot sent."""
    numbers = await _sensitive_numbers(bot)
    emulator = bot.server.emulator
    sent = [m for chat in list(emulator.chats) for m in emulator.sent_messages(chat)]
    assert sent
    for message in sent:
        texts = [message.text or ""] + [v.text or "" for v in message.edits]
        digits = [re.sub(r"\D", "", text) for text in texts]
        for number in numbers:
            plain = re.sub(r"\D", "", number)
            assert all(number not in text for text in texts), message.describe()
            assert all(plain not in d for d in digits), message.describe()


async def test_name_lookup_opens_the_card_with_masked_identity(demo_bot):
    telegram = demo_bot.telegram
    li = await demo_bot.bound_user("M001", 1001, "丽")
    await telegram.user_sends(li, "/client 张伟")
    card = await telegram.next_message(li)
    text = card.plain_text
    assert "张伟" in text and ZHANG_WEI in text
    assert "139****9375" in text and "110*************56" in text
    assert "风险等级 C4" in text
    assert "大众客户" in text and "< 1,000,000.00" in text  # the tier with its reason
    assert "总资产 ¥954,382.00" in text and "近 30 天 -12,413.34（-1.28%" in text
    assert "药明康德 603259" in text and "47.1%" in text
    assert "最近联系：暂无记录" in text
    assert [b.text for b in card.buttons] == ["📝 记录", "⏰ 跟进", "📈 图表", "✅ 已联系"]
    await _assert_nothing_unmasked(demo_bot)


async def test_pinyin_initials_typo_and_id_find_the_same_client(demo_bot):
    telegram = demo_bot.telegram
    li = await demo_bot.bound_user("M001", 1001, "丽")
    for query in ("zhangwei", "ZhangWei", "zw", "张卫", ZHANG_WEI, "３１０００００００４"):
        await telegram.user_sends(li, f"/client {query}")
        reply = await telegram.next_message(li)
        assert f"张伟（{ZHANG_WEI}）" in reply.plain_text, (query, reply.plain_text)


async def test_several_matches_offer_buttons_and_a_press_opens_the_card(demo_bot):
    telegram = demo_bot.telegram
    li = await demo_bot.bound_user("M001", 1001, "丽")
    await telegram.user_sends(li, "/client 张")
    choices = await telegram.next_message(li)
    assert "请选择" in choices.plain_text
    labels = [b.text for b in choices.buttons]
    assert 2 <= len(labels) <= 8 and f"张伟 · {ZHANG_WEI}" in labels
    await telegram.press(li, choices, f"张伟 · {ZHANG_WEI}")
    card = await telegram.next_message(li)
    assert f"张伟（{ZHANG_WEI}）" in card.plain_text


async def test_empty_and_unknown_queries_get_clear_answers(demo_bot):
    telegram = demo_bot.telegram
    li = await demo_bot.bound_user("M001", 1001, "丽")
    for empty in ("/client", "/client    \u3000 "):
        await telegram.user_sends(li, empty)
        assert "/client 张伟" in (await telegram.next_message(li)).plain_text
    await telegram.user_sends(li, "/client <b>不存在的人</b>")
    reply = await telegram.next_message(li)
    assert "没有找到「<b>不存在的人</b>」" in reply.plain_text


async def test_a_manager_cannot_see_another_managers_client(demo_bot):
    telegram = demo_bot.telegram
    li = await demo_bot.bound_user("M001", 1001, "丽")
    for query in (OTHER_TEAMS_CLIENT, "金佳燕", "jinjiayan"):
        await telegram.user_sends(li, f"/client {query}")
        reply = await telegram.next_message(li)
        assert "没有找到" in reply.plain_text
        assert "金佳燕" not in reply.plain_text.replace(f"「{query}」", "")
        assert not reply.buttons
    # A forged card button for that client is stale, and shows nothing.
    query = demo_bot.server.emulator.user_presses(
        li, li.id, reply.message_id, f"chart:{OTHER_TEAMS_CLIENT}", strict=False
    )
    await telegram.settle()
    assert telegram.callback_answer(query)["text"] == "按钮已过期"
    telegram.assert_no_more_messages(li)


async def test_a_supervisor_sees_her_teams_clients_only(demo_bot):
    telegram = demo_bot.telegram
    zhou = await demo_bot.bound_user("S001", 1101, "周")
    await telegram.user_sends(zhou, "/client 张伟")
    card = await telegram.next_message(zhou)
    assert f"张伟（{ZHANG_WEI}）" in card.plain_text and "客户经理：李明" in card.plain_text
    await telegram.user_sends(zhou, f"/client {OTHER_TEAMS_CLIENT}")
    assert "没有找到" in (await telegram.next_message(zhou)).plain_text


async def test_compliance_staff_have_no_client_book(demo_bot):
    telegram = demo_bot.telegram
    shen = await demo_bot.bound_user("C001", 1201, "沈")
    await telegram.user_sends(shen, "/client 张伟")
    reply = await telegram.next_message(shen)
    assert "此功能仅限客户经理和主管使用" in reply.plain_text and "张伟（" not in reply.plain_text


async def test_chart_is_a_png_photo(demo_bot):
    telegram = demo_bot.telegram
    li = await demo_bot.bound_user("M001", 1001, "丽")
    await telegram.user_sends(li, "/client 张伟")
    card = await telegram.next_message(li)
    await telegram.press(li, card, "📈 图表")
    photo = await telegram.next_message(li)
    assert photo.method == "sendPhoto" and photo.photo is not None
    assert photo.photo.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert photo.photo.size > 5_000
    assert "张伟" in photo.plain_text and "120 天" in photo.plain_text


async def test_mark_contacted_records_a_contact_shown_on_the_card(demo_bot):
    telegram = demo_bot.telegram
    li = await demo_bot.bound_user("M001", 1001, "丽")
    await telegram.user_sends(li, "/client 张伟")
    card = await telegram.next_message(li)
    await telegram.press(li, card, "✅ 已联系")
    done = await telegram.next_message(li)
    assert "已记录" in done.plain_text and "张伟" in done.plain_text
    async with demo_bot.runtime.uow() as work:
        count = await work.session.scalar(
            select(func.count()).select_from(ContactRow).where(ContactRow.client_id == ZHANG_WEI)
        )
    assert count == 1
    await telegram.user_sends(li, f"/client {ZHANG_WEI}")
    again = await telegram.next_message(li)
    assert "标记已联系" in again.plain_text and "今天" in again.plain_text


async def test_english_staff_get_an_english_card(demo_bot):
    telegram = demo_bot.telegram
    lin = await demo_bot.bound_user("M006", 1006, "Lin")  # M006 speaks English
    await telegram.user_sends(lin, "/client")
    usage = await telegram.next_message(lin)
    assert "Write a client's name" in usage.plain_text
