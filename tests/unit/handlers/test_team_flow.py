"""/team in chat: a supervisor's KPIs with a chart and a 📋 button per manager; an admin's team
choice; refusals; the morning digest's figures and item buttons."""

from __future__ import annotations

from tests.support.ptb import Harness, labels


async def test_a_supervisor_sees_her_team_with_a_chart_and_opens_a_managers_list(
    harness: Harness,
) -> None:
    zhou = await harness.staff("S001", 1101, "周建国")
    outcome = await zhou.send_all("/team")
    kpis, chart = outcome.messages
    text = kpis.plain_text
    assert "团队指标 · 周建国 团队" in text and "3 位客户经理" in text
    assert all(name in text for name in ("李明", "王芳", "陈志强")) and "刘婷" not in text
    assert "SLA 超时" in text and "沉默高净值未联系" in text and "近7天 / 近30天" in text
    assert labels(kpis) == ["📋 李明", "📋 王芳", "📋 陈志强"]
    assert chart.method == "sendPhoto" and chart.photo is not None
    assert chart.photo.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert "近30天团队指标" in chart.plain_text

    listed = await zhou.press(kpis, "📋 李明")
    assert "李明 的今日清单" in listed.message.plain_text
    assert (await zhou.press_data(kpis, "team:list:M004")).toast == "按钮已过期"  # not hers


async def test_an_admin_picks_a_team_or_all(harness: Harness) -> None:
    han = await harness.staff("A001", 1301, "韩雪")
    picker = await han.send("/team")
    assert labels(picker) == ["全部团队", "周建国（3人）", "孙丽华（3人）"]
    everyone = await han.press(picker, "全部团队")
    kpis = everyone.messages[0]
    assert "全部团队" in kpis.plain_text and "6 位客户经理" in kpis.plain_text
    assert everyone.messages[1].method == "sendPhoto"
    one = await han.send_all("/team S002")
    assert "孙丽华 团队" in one.messages[0].plain_text and "李明" not in one.messages[0].plain_text
    assert "找不到这个团队" in (await han.send("/team M001")).plain_text


async def test_managers_and_other_supervisors_are_refused(harness: Harness) -> None:
    li = await harness.staff("M001", 1001, "李明")
    assert "仅限" in (await li.send("/team")).plain_text
    sun = await harness.staff("S002", 1102, "孙丽华")
    assert "只能查看自己团队" in (await sun.send("/team S001")).plain_text


async def test_the_digest_carries_the_figures_and_item_buttons(harness: Harness) -> None:
    harness.clock.now = harness.clock.now.replace(hour=0, minute=30)
    await harness.services.rules.evaluate(harness.services.briefings.today())
    zhou = await harness.staff("S001", 1101, "周建国")
    digest = await zhou.send("/today")
    assert "团队指标</b>（近7天）" in digest.text or "团队指标（近7天）" in digest.plain_text
    assert "李明：联系" in digest.plain_text
    assert {"📋 李明", "📋 王芳", "📋 陈志强"} <= set(labels(digest))
    assert any(label.endswith("卡片") for label in labels(digest))
    listed = await zhou.press(digest, "📋 王芳")
    assert "王芳 的今日清单" in listed.message.plain_text
