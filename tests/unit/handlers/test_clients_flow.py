"""/client and the card's buttons: picking one of several matches, 📈 chart, ✅ contacted."""

from __future__ import annotations

from tests.support.ptb import Chat, Harness, labels

ZHANG_WEI = "3100000004"  # 张伟, M001's client
OTHER_TEAMS_CLIENT = "3100000001"  # 金佳燕, M005's client


async def test_a_name_opens_the_card_with_masked_identity(li: Chat) -> None:
    card = await li.send("/client 张伟")
    text = card.plain_text
    assert f"张伟（{ZHANG_WEI}）" in text and "风险等级 C4" in text
    assert "139****9375" in text and "110*************56" in text
    assert "总资产 ¥954,382.00" in text and "最近联系：暂无记录" in text
    assert labels(card) == ["📝 记录", "⏰ 跟进", "📈 图表", "✅ 已联系"]


async def test_several_matches_offer_buttons_and_a_press_opens_the_card(li: Chat) -> None:
    choices = await li.send("/client 张")
    assert "请选择" in choices.plain_text
    assert f"张伟 · {ZHANG_WEI}" in labels(choices) and 2 <= len(labels(choices)) <= 8
    press = await li.press(choices, f"张伟 · {ZHANG_WEI}")
    assert f"张伟（{ZHANG_WEI}）" in press.message.plain_text
    assert press.answer is not None


async def test_empty_unknown_and_other_teams_queries(li: Chat) -> None:
    assert "/client 张伟" in (await li.send("/client")).plain_text
    assert "没有找到「<b>x</b>」" in (await li.send("/client <b>x</b>")).plain_text
    hidden = await li.send(f"/client {OTHER_TEAMS_CLIENT}")
    assert "没有找到" in hidden.plain_text and not hidden.buttons
    for forged in (f"chart:{OTHER_TEAMS_CLIENT}", f"contact:{OTHER_TEAMS_CLIENT}", "cl:x y"):
        press = await li.press_data(hidden, forged)
        assert press.toast == "按钮已过期" and not press.messages


async def test_the_chart_button_sends_a_png(li: Chat, harness: Harness) -> None:
    card = await li.send("/client 张伟")
    press = await li.press(card, "📈")
    photo = press.message
    assert photo.method == "sendPhoto" and photo.photo is not None
    assert photo.photo.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert "张伟" in photo.plain_text and "120 天" in photo.plain_text
    assert "sendChatAction" in [c.method for c in press.calls]


async def test_mark_contacted_is_recorded_and_shown_on_the_card(li: Chat) -> None:
    card = await li.send("/client 张伟")
    done = (await li.press(card, "✅ 已联系")).message
    assert "已记录" in done.plain_text and "张伟" in done.plain_text
    again = await li.send(f"/client {ZHANG_WEI}")
    assert "标记已联系" in again.plain_text and "今天" in again.plain_text


async def test_supervisors_see_their_team_and_compliance_sees_no_book(harness: Harness) -> None:
    zhou = await harness.staff("S001", 1101, "周")
    card = await zhou.send("/client 张伟")
    assert f"张伟（{ZHANG_WEI}）" in card.plain_text and "客户经理：李明" in card.plain_text
    shen = await harness.staff("C001", 1201, "沈")
    refusal = await shen.send("/client 张伟")
    assert refusal.plain_text == "此功能仅限客户经理和主管使用。发送 /help 查看您可用的命令。"


async def test_english_staff_get_an_english_card(harness: Harness) -> None:
    lin = await harness.staff("M006", 1006, "Lin")
    assert "Write a client's name" in (await lin.send("/client")).plain_text
    card = await lin.send("/client 3100000005")
    assert "王颖琪 (3100000005)" in card.plain_text and "risk level C4" in card.plain_text
    assert "157****0203" in card.plain_text and "Last contact: none recorded" in card.plain_text
    assert labels(card)[-1] == "✅ Contacted" and "风险等级" not in card.plain_text
