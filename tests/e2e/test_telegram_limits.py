"""Telegram's limits per message (issue 12 point 13): a message keeps only its first 100
formatting entities, so no reply may carry more. The emulator refuses a text with more (400),
so any view that would lose its formatting fails where it is sent; here a /check of a long
draft with hundreds of flagged spans arrives as several messages, each within the limit, with
every flag still underlined and every lexicon entry listed."""

from __future__ import annotations

import re

from emulator.html import html_to_entities

DRAFT = "张总，这个产品保本，稳赚不赔，保证年化8%。" * 45  # 135 flagged spans, 990 characters


async def test_a_long_draft_with_135_flags_arrives_within_100_entities_per_message(bot):
    telegram = bot.telegram
    fang = await bot.bound_user("M001", 7201, "芳")
    await telegram.user_sends(fang, "/check " + DRAFT)
    await telegram.settle()
    messages = telegram.emulator.sent_messages(fang)[1:]  # after the /start welcome
    assert len(messages) > 1, telegram.transcript(fang.id)
    assert telegram.emulator.entity_overflows == []
    assert [e for e in telegram.emulator.api_errors if e.method == "sendMessage"] == []
    for message in messages:
        assert len(html_to_entities(message.text or "")[1]) <= 100, message.describe()

    html = "".join(message.text or "" for message in messages)
    text = "".join(message.plain_text for message in messages)
    assert "发现 135 处不合规表述" in text
    # Every flagged span is still underlined and numbered, none fell back to plain text.
    marked = re.findall(r"<u><b>(.*?)</b></u>\[(\d)\]", html)
    assert len(marked) == 135
    assert {phrase for phrase, _ in marked} == {"保本", "稳赚不赔", "保证年化8%"}
    # Every lexicon entry hit is listed with its count and compliant wording.
    items = re.findall(r"^(\d)\. .*?×(\d+)$", text, flags=re.MULTILINE)
    assert sorted(number for number, _ in items) == ["1", "2", "3"]
    assert sum(int(times) for _, times in items) == 135
    assert text.count("合规表述：") == 3
    # The draft itself is whole, in order, across the pieces (without the [n] marks).
    assert DRAFT in re.sub(r"\[\d\]", "", text.replace("\n", ""))
