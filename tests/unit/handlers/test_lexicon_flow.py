"""/lexicon for compliance officers and admins: the lexicon paged with categories and compliant
wording, an entry added step by step or in one line (flagged by the next /check and note), one
retired with a reason (no longer flagged), versioned and journaled; refusals and bad input."""

from __future__ import annotations

from datetime import timedelta

from tests.support.ptb import Chat, Harness, labels

WORDING = "不得承诺收益，可改为：业绩比较基准不代表实际收益，投资有风险"


async def compliance(harness: Harness) -> Chat:
    return await harness.staff("C001", 3001, "沈静怡")


async def journal_kinds(harness: Harness) -> list[tuple[str, str, str]]:
    since = harness.clock.now - timedelta(days=1)
    entries = [e async for e in harness.services.journal.entries(since)]
    return [(e.actor, e.kind, e.body) for e in entries if e.kind.startswith("kb.lexicon")]


async def test_the_lexicon_is_listed_in_pages_with_category_and_wording(harness: Harness) -> None:
    shen = await compliance(harness)
    listing = await shen.send("/lexicon")
    text = listing.plain_text
    assert "禁用语词库（第 1 版，共 95 条，第 1/10 页）" in text
    assert "随系统发布的词库" in text
    assert "1. 保本 · 承诺保本" in text and "不得承诺保本或承担损失" in text
    assert labels(listing)[:5] == ["🗑 1", "🗑 2", "🗑 3", "🗑 4", "🗑 5"]
    assert "下一页 ▶" in labels(listing) and labels(listing)[-1] == "➕ 新增禁用语"
    page = await shen.press(listing, "下一页")
    assert page.edited == [listing] and "第 2/10 页" in listing.plain_text
    assert "11. " in listing.plain_text and "◀ 上一页" in labels(listing)
    found = await shen.send("/lexicon 保本保息")
    assert "含「保本保息」的条目" in found.plain_text and "保本保息 · 承诺保本" in found.plain_text


async def test_a_phrase_added_step_by_step_is_flagged_by_the_next_check_and_note(
    harness: Harness, li: Chat
) -> None:
    assert (await li.send("/check 这只基金稳稳当当赚")).plain_text.startswith("✅")
    shen = await compliance(harness)
    prompt = await shen.send("/lexicon add")
    assert "请发送要禁用的词语" in prompt.plain_text
    ask_category = await shen.send("稳稳当当赚")
    assert "「稳稳当当赚」属于哪一类违规" in ask_category.plain_text
    assert labels(ask_category)[0] == "1. 承诺收益"
    press = await shen.press(ask_category, "1. 承诺收益")
    assert "请发送合规建议" in press.message.plain_text
    done = await shen.send(WORDING)
    assert "已加入禁用语词库（第 2 版）" in done.plain_text
    assert "稳稳当当赚 · 承诺收益" in done.plain_text and "即时生效" in done.plain_text

    verdict = await li.send("/check 这只基金稳稳当当赚")
    assert "不合规表述" in verdict.plain_text and "承诺收益" in verdict.plain_text
    assert "业绩比较基准不代表实际收益" in verdict.plain_text
    note = await li.send_all("/note 张伟 跟客户说了这只基金稳稳当当赚")
    assert any("合规提示" in m.plain_text and "稳稳当当赚" in m.plain_text for m in note.messages)

    state = await harness.services.lexicon.current("C001")
    assert (state.version, state.loaded_by, len(state.entries)) == (2, "C001", 96)
    assert state.loaded_at == harness.clock.now
    assert [(a, k) for a, k, _ in await journal_kinds(harness)] == [("C001", "kb.lexicon.added")]
    listing = await shen.send("/lexicon")
    assert "第 2 版，共 96 条" in listing.plain_text and "C001 于" in listing.plain_text


async def test_one_line_add_then_retire_with_a_reason_stops_flagging(
    harness: Harness, li: Chat
) -> None:
    han = await harness.staff("A001", 4001, "韩雪")  # admins curate too
    done = await han.send(f"/lexicon add 包你赚翻 | 承诺收益 | {WORDING}")
    assert "已加入禁用语词库（第 2 版）" in done.plain_text
    assert "不合规表述" in (await li.send("/check 这个产品包你赚翻")).plain_text

    found = await han.send("/lexicon 包你赚翻")
    prompt = await han.press(found, "🗑 96")
    assert "请回复下线「包你赚翻」（承诺收益）的原因" in prompt.message.plain_text
    empty = await han.send("\u200b")
    assert "请发送下线的原因" in empty.plain_text  # the step stays
    retired = await han.send("与产品宣传用语冲突，误报")
    assert "已从禁用语词库下线（第 3 版）" in retired.plain_text
    assert "与产品宣传用语冲突" in retired.plain_text

    assert (await li.send("/check 这个产品包你赚翻")).plain_text.startswith("✅")
    again = await han.press(found, "🗑 96")  # a button from before the retirement
    assert again.toast == "该条目已不在词库中（可能已被他人下线）。" and not again.messages
    kinds = await journal_kinds(harness)
    assert [(a, k) for a, k, _ in kinds] == [
        ("A001", "kb.lexicon.added"),
        ("A001", "kb.lexicon.retired"),
    ]
    assert "误报" in kinds[1][2]
    state = await harness.services.lexicon.current("A001")
    assert state.version == 3 and "包你赚翻" not in [e.phrase for e in state.entries]


async def test_other_roles_are_refused(harness: Harness, li: Chat) -> None:
    refusal = await li.send("/lexicon")
    assert "此功能仅限合规专员和管理员使用" in refusal.plain_text
    zhou = await harness.staff("S001", 5001, "周建国")
    assert "仅限合规专员和管理员" in (await zhou.send("/lexicon add 稳赚")).plain_text
    shen = await compliance(harness)
    listing = await shen.send("/lexicon")
    data = listing.buttons[0].callback_data or ""
    forged = await li.press_data(listing, data)  # a manager pressing a compliance button
    assert forged.toast == "按钮已过期" and not forged.messages
    state = await harness.services.lexicon.current("C001")
    assert state.version == 1 and "/lexicon" not in (await li.send("/help")).plain_text


async def test_bad_input_gets_a_clear_reply(harness: Harness) -> None:
    shen = await compliance(harness)
    await shen.send("/lexicon add")
    too_long = await shen.send("稳" * 200)
    assert too_long.plain_text == "禁用语最多 40 字，请缩短后重新发送。"
    duplicate = await shen.send("保 本")  # the step stays; spacing does not make it new
    assert duplicate.plain_text == "「保本」已在词库中，无需重复添加。"
    punctuation = await shen.send("！！！")
    assert punctuation.plain_text == "禁用语需要包含文字或数字，请重新发送。"
    empty = await shen.send("/lexicon add  | 承诺收益 | 说法")
    assert empty.plain_text == "禁用语不能为空，请发送要禁用的词语。"
    unknown = await shen.send("/lexicon add 新说法 | 夸大宣传 | 说法")
    assert "未知的类别" in unknown.plain_text
    ask = await shen.send("/lexicon add 新说法 | 2")
    assert "「新说法」· 承诺保本" in ask.plain_text
    blank = await shen.send("\u3000")
    assert blank.plain_text == "合规建议不能为空，请发送客户经理应改用的说法。"
    long_wording = await shen.send("说" * 301)
    assert long_wording.plain_text == "合规建议最多 300 字，请精简后重新发送。"
    state = await harness.services.lexicon.current("C001")
    assert state.version == 1 and len(state.entries) == 95  # nothing was stored
