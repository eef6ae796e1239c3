"""/client and the card's buttons (📈 chart, ✅ contacted, picking one of several matches)."""

from __future__ import annotations

from tests.support.ptb import Chat, labels

ZHANG_WEI = "3100000004"  # 张伟, M001's client


async def test_client_card(li: Chat) -> None:
    card = await li.send("/client 张伟")
    assert f"张伟（{ZHANG_WEI}）" in card.plain_text
    assert "139****9375" in card.plain_text
    assert labels(card) == ["📝 记录", "⏰ 跟进", "📈 图表", "✅ 已联系"]


async def test_client_card_again(li: Chat) -> None:
    card = await li.send("/client 张伟")
    assert f"张伟（{ZHANG_WEI}）" in card.plain_text
