"""Issue 13, over the real Bot API protocol: a lexicon phrase added in chat by a compliance
officer is flagged by the next /check; retired (🗑 and a reason), it no longer is; another
process on the same database follows within its check interval (well inside 10 s)."""

from __future__ import annotations

from typing import Any

from knowledge_base.compliance import ComplianceChecker, default_lexicon_path, load_lexicon
from knowledge_base.compliance.live import LexiconStore, LiveChecker
from storage.engine import create_engine, session_factory
from storage.rows import StaffRow
from storage.uow import UnitOfWorkFactory

# A phrase of compliance's own choosing that no general claim covers: the semantic signal
# passes the draft until the lexicon names it. (With a subscription deadline beside it,
# 「这是我们的冠军产品，下午三点前可以认购」, the trained signal already flags it as inducement.)
WORDING = "请使用产品的正式名称，不得使用“冠军”“王牌”等绝对化用语"
DRAFT = "/check 张总，冠军产品的资料已发您邮箱，请查收"


async def officer(bot: Any) -> Any:
    async with bot.runtime.uow() as work:
        work.session.add(StaffRow(staff_id="C001", name="沈静怡", role="compliance"))
        await work.commit()
    return await bot.bound_user("C001", 7301, "静怡")


async def test_a_phrase_added_in_chat_is_flagged_by_the_next_check_and_retired_is_not(bot):
    telegram = bot.telegram
    fang = await bot.bound_user("M001", 7302, "芳")
    await telegram.user_sends(fang, DRAFT)
    assert (await telegram.next_message(fang)).plain_text.startswith("✅")

    shen = await officer(bot)
    await telegram.user_sends(shen, f"/lexicon add 冠军产品 | 不当诱导 | {WORDING}")
    added = await telegram.next_message(shen)
    assert "已加入禁用语词库（第 2 版）" in added.plain_text

    await telegram.user_sends(fang, DRAFT)
    verdict = await telegram.next_message(fang)
    assert "不合规表述" in verdict.plain_text and "冠军产品" in verdict.plain_text
    assert "不得使用“冠军”“王牌”等绝对化用语" in verdict.plain_text

    await telegram.user_sends(shen, "/lexicon 冠军产品")
    found = await telegram.next_message(shen)
    await telegram.press(shen, found, "🗑 96")
    assert "的原因" in (await telegram.next_message(shen)).plain_text
    await telegram.user_sends(shen, "与产品宣传用语冲突")
    assert "已从禁用语词库下线（第 3 版）" in (await telegram.next_message(shen)).plain_text

    await telegram.user_sends(fang, DRAFT)
    assert (await telegram.next_message(fang)).plain_text.startswith("✅")


async def test_a_manager_is_refused_and_bad_input_is_answered(bot):
    telegram = bot.telegram
    fang = await bot.bound_user("M001", 7303, "芳")
    await telegram.user_sends(fang, "/lexicon add 稳稳当当赚 | 1 | 说法")
    assert "此功能仅限合规专员和管理员使用" in (await telegram.next_message(fang)).plain_text
    shen = await officer(bot)
    await telegram.user_sends(shen, "/lexicon add " + "赚" * 200)
    assert "禁用语最多 40 字" in (await telegram.next_message(shen)).plain_text
    await telegram.user_sends(shen, "/lexicon add 稳赚")
    assert "「稳赚」已在词库中" in (await telegram.next_message(shen)).plain_text


async def test_another_process_follows_within_its_check_interval(bot):
    seconds = [0.0]
    engine = create_engine(bot.runtime.settings.resolved_database_url)
    try:
        other = await LiveChecker.start(
            LexiconStore(UnitOfWorkFactory(session_factory(engine))),
            ComplianceChecker(load_lexicon(default_lexicon_path())),
            monotonic=lambda: seconds[0],
        )
        await other.refresh()
        assert other.check("冠军产品").ok
        telegram = bot.telegram
        shen = await officer(bot)
        await telegram.user_sends(shen, f"/lexicon add 冠军产品 | 不当诱导 | {WORDING}")
        await telegram.next_message(shen)
        assert other.check_every <= 10
        seconds[0] += other.check_every
        assert await other.refresh()
        assert not other.check("冠军产品").ok
    finally:
        await engine.dispose()
