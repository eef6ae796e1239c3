"""/review, the compliance workbench, through the real Application (fast harness): the queue
(oldest first, paged), drafts uploaded as .md files with their diff, four eyes, reject and
retire with a reason, upload errors by line, gaps (link, draft, dismiss; the manager is told),
findings and 👎 marked reviewed, and who may do what."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from storage.rows import StaffRow
from tests.support.ptb import Chat, Harness, labels

SAMPLES = Path(__file__).resolve().parents[3] / "knowledge_base" / "samples" / "docs"
REPO_V1 = (SAMPLES / "KB-REVERSE-REPO.v1.md").read_text(encoding="utf-8")
REFUSED_ROLE = "此功能仅限合规专员和管理员使用"


def repo_v2(extra: str = "## 更新\n\n逆回购计息天数以实际占款天数为准。\n") -> bytes:
    """Version 2 of a sample in force, as a compliance officer would write it."""
    text = REPO_V1.replace("version: 1", "version: 2", 1)
    text = text.replace("status: approved", "status: draft", 1)
    text = text.replace("国债逆回购是客户把闲置资金借出", "国债逆回购是客户将闲置资金借出", 1)
    return (text + "\n" + extra).encode()


NEW_DOC = """---
id: KB-ALIEN-ACCOUNTS
version: 1
kind: faq
title: 境外人士开户须知
language: zh
status: draft
tags: [境外人士, 开户]
---
## 开户须知

境外人士开户须本人临柜，携带护照及境内居住证明。
"""


async def add_officer(harness: Harness, staff_id: str, name: str) -> None:
    async with harness.runtime.uow() as work:
        work.session.add(StaffRow(staff_id=staff_id, name=name, role="compliance"))
        await work.commit()


@pytest.fixture
async def shen(harness: Harness) -> Chat:
    """沈静怡 (C001), a compliance officer."""
    # Curation stamps drafts with its own clock: the harness's, so the queue orders by it.
    harness.services.curation._clock = harness.clock
    # The sample knowledge base ships one draft; the queue starts empty without it.
    await harness.services.curation.reject("KB-OPTIONS-ELIGIBILITY", by="C001", reason="样例")
    return await harness.staff("C001", 3001, "沈静怡")


@pytest.fixture
async def gu(harness: Harness, shen: Chat) -> Chat:
    """顾敏 (C002), a second compliance officer (four eyes)."""
    await add_officer(harness, "C002", "顾敏")
    return await harness.staff("C002", 3002, "顾敏")


async def entry_kinds(harness: Harness) -> list[str]:
    """The journal's entries as `kind subject` (curation writes them on its own clock)."""
    since = harness.clock.now - timedelta(days=3650)
    return [f"{e.kind} {e.subject}" async for e in harness.services.journal.entries(since)]


async def served(harness: Harness) -> set[tuple[str, int]]:
    _, texts = await harness.services.curation.served(harness.clock.now.date())
    return {(t.doc_id, t.version) for t in texts}


async def test_review_is_refused_to_managers_and_read_only_for_admins(
    harness: Harness, li: Chat, shen: Chat
) -> None:
    refused = await li.send("/review")
    assert REFUSED_ROLE in refused.plain_text
    await shen.send_file("KB-REVERSE-REPO.v2.md", repo_v2())
    han = await harness.staff("A001", 4001, "韩雪")
    queue = await han.send("/review")
    assert "待合规处理（共 1 项）" in queue.plain_text
    opened = await han.press(queue, "1")
    assert "KB-REVERSE-REPO v2" in queue.plain_text and opened.edited == [queue]
    assert not any(label.startswith(("✅ 批准", "↩️", "⛔")) for label in labels(queue))
    forged = await han.press_data(queue, f"rv:ap:{_version_ref(queue)}:0")
    assert forged.toast == "只有合规专员可以执行此操作。"
    # A manager pressing a forged review button is refused too, and nothing changes.
    manager_press = await li.press_data(refused, "rv:pg:0:0")
    assert manager_press.toast is not None and not manager_press.messages
    assert ("KB-REVERSE-REPO", 2) not in await served(harness)


def _version_ref(message: object) -> int:
    """The version row id a draft's view is about (from its back/other buttons' neighbours)."""
    for button in message.buttons:  # type: ignore[attr-defined]
        data = button.callback_data or ""
        if data.startswith("rv:rt:") or data.startswith("rv:ap:"):
            return int(data.split(":")[2])
    return 1


async def test_an_uploaded_draft_shows_its_diff_and_its_author_cannot_approve_it(
    harness: Harness, shen: Chat, gu: Chat
) -> None:
    outcome = await shen.send_file("KB-REVERSE-REPO.v2.md", repo_v2())
    view = outcome.message
    text = view.plain_text
    assert "已保存为草稿 KB-REVERSE-REPO v2《国债逆回购品种、交易规则与计息》，作者：您" in text
    assert "现行版本：第 1 版，审批人 C001，生效日期 2025-09-05" in text
    assert "与现行第 1 版的差异：" in text
    assert "-国债逆回购是客户把闲置资金借出" in text and "+国债逆回购是客户将闲置资金借出" in text
    assert "+逆回购计息天数以实际占款天数为准。" in text
    assert labels(view) == ["✅ 批准", "↩️ 退回", "⛔ 下线现行版 v1", "« 返回队列"]

    refused = await shen.press(view, "✅ 批准")
    assert refused.toast is not None and "不能批准自己的草稿（四眼原则）" in refused.toast
    assert refused.answer and refused.answer.get("show_alert") is True
    assert ("KB-REVERSE-REPO", 2) not in await served(harness)

    queue = await gu.send("/review")
    assert "1. 📄 草稿 KB-REVERSE-REPO v2《国债逆回购品种、交易规则与计息》· 沈静怡（C001）" in (
        queue.plain_text
    )
    await gu.press(queue, "1")
    assert "+国债逆回购是客户将闲置资金借出" in queue.plain_text
    approved = await gu.press(queue, "✅ 批准")
    assert approved.edited == [queue]
    assert "✅ 已批准 KB-REVERSE-REPO v2《国债逆回购品种、交易规则与计息》，批准人 C002" in (
        queue.plain_text
    )
    assert "（现行）" in queue.plain_text and "⛔ 下线现行版 v2" in labels(queue)
    now_served = await served(harness)
    assert ("KB-REVERSE-REPO", 2) in now_served and ("KB-REVERSE-REPO", 1) not in now_served
    assert "kb.approved kb:KB-REVERSE-REPO" in await entry_kinds(harness)
    again = await shen.press_data(view, view.buttons[0].callback_data or "")
    assert again.toast == "该草稿已处理（现行）。"
    assert "没有待合规处理的事项" in (await gu.send("/review")).plain_text


async def test_a_long_diff_is_cut_to_one_message(harness: Harness, shen: Chat) -> None:
    lines = "\n".join(f"第 {n} 条：逆回购到期资金次一交易日可取，当日可用。" for n in range(400))
    view = (await shen.send_file("KB-REVERSE-REPO.v2.md", repo_v2(lines))).message
    assert len((view.text or "").encode("utf-16-le")) // 2 <= 4096
    assert "行未显示（完整内容见 ambot kb show KB-REVERSE-REPO）" in view.plain_text
    assert labels(view)[0] == "✅ 批准"


async def test_upload_errors_are_answered_by_line_and_nothing_is_stored(
    harness: Harness, shen: Chat
) -> None:
    broken = NEW_DOC.replace("kind: faq", "kind: poem").replace(
        "tags: [境外人士, 开户]", "tags: [境外人士]\nowner: 沈静怡\neffective_from: 2026-13-01"
    )
    reply = (await shen.send_file("alien.md", broken.encode())).message.plain_text
    assert "❌ 文件 alien.md 未通过校验，未保存：" in reply
    assert (
        "第 4 行：kind 无效，应为 script、product、disclosure、faq、research 或 template" in reply
    )
    assert "第 9 行：未知字段 owner" in reply
    assert "第 10 行：effective_from 日期格式错误（请用 YYYY-MM-DD）" in reply
    no_header = (await shen.send_file("plain.md", "只是一段文字".encode())).message.plain_text
    assert "第 1 行：缺少 YAML 头" in no_header
    # Files that are not UTF-8 text are named for what they are, with what to do.
    families = {
        "gbk.md": (NEW_DOC.encode("gb18030"), "文件看起来是 GBK 编码，不是 UTF-8：请另存为 UTF-8"),
        "u16.md": (NEW_DOC.encode("utf-16"), "文件是 UTF-16 编码，不是 UTF-8：请另存为 UTF-8"),
        "u16raw.md": (NEW_DOC.encode("utf-16-le"), "不带 BOM 的 UTF-16 文本"),
        "sheet.md": (b"PK\x03\x04" + b"\x00" * 60, "这是 Excel 工作簿（或压缩包），不是文本"),
        "empty.md": (b"", "文件是空的（0 字节）"),
    }
    for name, (content, expected) in families.items():
        reply = (await shen.send_file(name, content)).message.plain_text
        assert f"❌ 文件 {name} 未通过校验，未保存：" in reply and expected in reply, reply
        assert "错误编号" not in reply
    other = (await shen.send_file("clients.csv", b"a,b\n", mime_type="text/csv")).message
    assert other.plain_text == "只接受 .md 格式的知识库文档（Markdown，带 YAML 头）。"
    published = REPO_V1.encode()  # version 1 is already approved
    clash = (await shen.send_file("KB-REVERSE-REPO.v1.md", published)).message.plain_text
    assert "KB-REVERSE-REPO 第 1 版已是「approved」，修改请使用更高的版本号" in clash
    assert "没有待合规处理的事项" in (await shen.send("/review")).plain_text


async def test_front_matter_approval_never_approves_an_upload(harness: Harness, shen: Chat) -> None:
    claimed = NEW_DOC.replace(
        "status: draft", "status: approved\napproved_by: C001\neffective_from: 2026-01-01"
    )
    view = (await shen.send_file("KB-ALIEN-ACCOUNTS.v1.md", claimed.encode())).message
    assert "已保存为草稿 KB-ALIEN-ACCOUNTS v1" in view.plain_text
    assert "文件中的 status: approved 不生效" in view.plain_text
    assert "新文档：目前没有现行版本。" in view.plain_text and "+境外人士开户须本人临柜" not in (
        view.plain_text
    )
    assert "境外人士开户须本人临柜" in view.plain_text
    assert ("KB-ALIEN-ACCOUNTS", 1) not in await served(harness)


async def test_a_manager_sending_a_file_still_gets_the_fallback(harness: Harness, li: Chat) -> None:
    outcome = await li.send_file("KB-ALIEN-ACCOUNTS.v1.md", NEW_DOC.encode())
    assert [m.plain_text for m in outcome.messages] == [
        "这条消息我暂时还处理不了。发送 /help 查看我现在能做的事。"
    ]


async def test_reject_asks_a_reason_and_the_draft_leaves_the_queue(
    harness: Harness, shen: Chat, gu: Chat
) -> None:
    view = (await shen.send_file("KB-REVERSE-REPO.v2.md", repo_v2())).message
    queue = await gu.send("/review")
    await gu.press(queue, "1")
    prompt = await gu.press(queue, "↩️ 退回")
    assert "请回复退回 KB-REVERSE-REPO v2 的原因" in prompt.message.plain_text
    assert (await gu.send("   ")).plain_text == "请发送原因（一条消息）。"
    done = await gu.send("计息规则描述不准确，请补充节假日说明")
    assert "↩️ 已退回 KB-REVERSE-REPO v2，原因：计息规则描述不准确，请补充节假日说明" in (
        done.plain_text
    )
    assert "kb.rejected kb:KB-REVERSE-REPO" in await entry_kinds(harness)
    assert "没有待合规处理的事项" in (await gu.send("/review")).plain_text
    late = await shen.press(view, "↩️ 退回")  # C001's screen still shows the buttons
    assert late.toast == "该草稿已处理（已退回）。"


async def test_retire_from_the_document_view_asks_why_and_stops_serving_it(
    harness: Harness, gu: Chat
) -> None:
    shown = await gu.send("/review kb-reverse-repo")
    assert "KB-REVERSE-REPO v1《国债逆回购品种、交易规则与计息》（现行）" in shown.plain_text
    prompt = await gu.press(shown, "⛔ 下线现行版 v1")
    assert "请回复下线 KB-REVERSE-REPO（现行第 1 版）的原因" in prompt.message.plain_text
    await gu.send("/review")  # a command cancels: nothing retired
    assert ("KB-REVERSE-REPO", 1) in await served(harness)
    await gu.press(shown, "⛔ 下线现行版 v1")
    done = await gu.send("产品停售")
    assert "⛔ 已下线 KB-REVERSE-REPO（第 1 版），原因：产品停售" in done.plain_text
    assert ("KB-REVERSE-REPO", 1) not in await served(harness)
    assert "kb.retired kb:KB-REVERSE-REPO" in await entry_kinds(harness)
    missing = await gu.send("/review KB-NOPE")
    assert missing.plain_text == "没有找到文档 KB-NOPE 的草稿或现行版本。"


async def test_the_queue_holds_every_kind_oldest_first_and_pages(
    harness: Harness, li: Chat, shen: Chat
) -> None:
    services = harness.services
    await services.asking.submit_gap("境外人士怎么开户", asked_by="M001")
    harness.clock.advance(minutes=1)
    await li.send("/check 这个产品保本保收益")
    harness.clock.advance(minutes=1)
    await services.feedback.record_answer_feedback(
        staff_id="M001",
        chat_id=1001,
        message_id=77,
        question="逆回购怎么计息",
        doc_id="KB-REVERSE-REPO",
        version=1,
        helpful=False,
    )
    harness.clock.advance(minutes=1)
    await shen.send_file("KB-REVERSE-REPO.v2.md", repo_v2())
    for question in ("港股通开户门槛是多少", "科创板能用信用账户吗"):
        harness.clock.advance(minutes=1)
        await services.asking.submit_gap(question, asked_by="M001")
    queue = await shen.send("/review")
    lines = queue.plain_text.splitlines()
    assert lines[0] == "待合规处理（共 6 项，第 1/2 页）"
    assert lines[1].startswith("1. ❓ 缺口「境外人士怎么开户」· 李明（M001） · 2026-11-20 14:00")
    assert lines[2].startswith("2. 🚩 /check 草稿标记「这个产品保本保收益」· 李明（M001）")
    assert lines[3].startswith("3. 👎 回答「逆回购怎么计息」KB-REVERSE-REPO v1 · 李明（M001）")
    assert lines[4].startswith("4. 📄 草稿 KB-REVERSE-REPO v2")
    assert lines[5].startswith("5. ❓ 缺口「港股通开户门槛是多少」")
    assert labels(queue) == ["1", "2", "3", "4", "5", "下一页 ▶"]
    await shen.press(queue, "下一页 ▶")
    assert "第 2/2 页" in queue.plain_text
    assert "6. ❓ 缺口「科创板能用信用账户吗」" in queue.plain_text
    assert labels(queue) == ["6", "◀ 上一页"]
    for button in queue.buttons:
        assert len((button.callback_data or "").encode()) <= 64


async def test_findings_and_unhelpful_answers_are_marked_reviewed(
    harness: Harness, li: Chat, shen: Chat
) -> None:
    await li.send("/check 这个产品保本保收益")
    await harness.services.feedback.record_answer_feedback(
        staff_id="M001",
        chat_id=1001,
        message_id=78,
        question="逆回购怎么计息",
        doc_id="KB-REVERSE-REPO",
        version=1,
        helpful=False,
    )
    queue = await shen.send("/review")
    await shen.press(queue, "1")
    assert "/check 草稿中的违规表述" in queue.plain_text and "保本" in queue.plain_text
    stale = queue.buttons[0].callback_data or ""
    await shen.press(queue, "✅ 已复核")
    assert "✅ 已标记为已复核。" in queue.plain_text and "已复核：C001" in queue.plain_text
    again = await shen.press_data(queue, stale)
    assert again.toast == "已由 C001 复核。"
    queue = await shen.send("/review")
    assert "共 1 项" in queue.plain_text
    await shen.press(queue, "1")
    assert (
        "👎 差评回答" in queue.plain_text and "所引用文档：KB-REVERSE-REPO v1" in queue.plain_text
    )
    prompt = await shen.press(queue, "📝 备注后复核")
    assert "请回复复核备注" in prompt.message.plain_text
    noted = await shen.send("答案无误，客户问的是节假日计息")
    assert "✅ 已标记为已复核，备注：答案无误，客户问的是节假日计息。" in noted.plain_text
    kinds = await entry_kinds(harness)
    assert any(k.startswith("review.finding finding:") for k in kinds)
    assert any(k.startswith("review.feedback feedback:") for k in kinds)
    assert "没有待合规处理的事项" in (await shen.send("/review")).plain_text


async def test_a_gap_linked_to_a_document_answers_the_manager(
    harness: Harness, li: Chat, shen: Chat
) -> None:
    receipt = await harness.services.asking.submit_gap("逆回购放假期间怎么算利息", asked_by="M001")
    queue = await shen.send("/review")
    await shen.press(queue, "1")
    assert f"内容缺口 #{receipt.gap_id}" in queue.plain_text
    link = next(b.text for b in queue.buttons if b.text == "🔗 关联 KB-REVERSE-REPO")
    before = len(harness.sent_to(li))
    await shen.press(queue, link)
    assert f"🔗 缺口 #{receipt.gap_id} 已关联到 KB-REVERSE-REPO 第 1 版" in queue.plain_text
    told = harness.sent_to(li)[before:]
    assert len(told) == 1
    assert "您提交合规的问题已有审批通过的答案" in told[0].plain_text
    assert "逆回购放假期间怎么算利息" in told[0].plain_text
    assert "KB-REVERSE-REPO 第 1 版《国债逆回购品种、交易规则与计息》" in told[0].plain_text
    assert f"kb.gap_answered gap:{receipt.gap_id}" in await entry_kinds(harness)
    assert "没有待合规处理的事项" in (await shen.send("/review")).plain_text


async def test_a_gap_can_be_linked_by_typing_a_document_id_or_dismissed(
    harness: Harness, shen: Chat
) -> None:
    first = await harness.services.asking.submit_gap("两融账户能买北交所吗", asked_by="M001")
    second = await harness.services.asking.submit_gap("帮我预测明天大盘", asked_by="M001")
    queue = await shen.send("/review")
    await shen.press(queue, "1")
    await shen.press(queue, "🔗 关联其他文档")
    assert (await shen.send("不是文档")).plain_text.startswith("文档 ID 只能用大写字母")
    not_in_force = await shen.send("KB-NOPE")
    assert not_in_force.plain_text == "KB-NOPE 没有现行（已批准且生效）的版本，无法关联。"
    queue = await shen.send("/review")
    await shen.press(queue, "1")
    await shen.press(queue, "🔗 关联其他文档")
    linked = await shen.send("kb-margin-eligibility")
    assert f"缺口 #{first.gap_id} 已关联到 KB-MARGIN-ELIGIBILITY" in linked.plain_text
    queue = await shen.send("/review")
    await shen.press(queue, "1")
    assert f"内容缺口 #{second.gap_id}" in queue.plain_text
    await shen.press(queue, "🚫 忽略")
    dismissed = await shen.send("不在服务范围：不做行情预测")
    assert f"缺口 #{second.gap_id} 已忽略，原因：不在服务范围：不做行情预测" in dismissed.plain_text
    assert f"kb.gap_dismissed gap:{second.gap_id}" in await entry_kinds(harness)
    late = await shen.press(queue, "🚫 忽略")  # the old view: the gap is closed now
    assert "该缺口已处理（已忽略）" in queue.plain_text or late.toast


async def test_a_gap_answered_by_a_new_draft_is_closed_on_its_approval(
    harness: Harness, li: Chat, shen: Chat, gu: Chat
) -> None:
    receipt = await harness.services.asking.submit_gap("境外人士开户要带什么", asked_by="M001")
    queue = await shen.send("/review")
    await shen.press(queue, "1")
    prompt = await shen.press(queue, "📝 起草新文档")
    assert "请发送新文档的 .md 文件" in prompt.message.plain_text
    view = (await shen.send_file("KB-ALIEN-ACCOUNTS.v1.md", NEW_DOC.encode())).message
    assert f"该草稿批准后，将答复缺口 #{receipt.gap_id}" in view.plain_text
    queue = await gu.send("/review")
    assert "待草稿 KB-ALIEN-ACCOUNTS 批准" in queue.plain_text
    draft_number = next(
        line.split(".", 1)[0] for line in queue.plain_text.splitlines() if "📄 草稿" in line
    )
    await gu.press(queue, draft_number)
    assert "完成后将答复 1 个等待该文档的内容缺口" in queue.plain_text
    before = len(harness.sent_to(li))
    await gu.press(queue, "✅ 批准")
    assert "已答复 1 个等待该文档的内容缺口" in queue.plain_text
    told = harness.sent_to(li)[before:]
    assert len(told) == 1 and "境外人士开户要带什么" in told[0].plain_text
    assert "KB-ALIEN-ACCOUNTS 第 1 版《境外人士开户须知》" in told[0].plain_text
    assert "没有待合规处理的事项" in (await gu.send("/review")).plain_text


async def test_review_speaks_english_to_an_english_officer(harness: Harness, gu: Chat) -> None:
    async with harness.runtime.uow() as work:
        row = await work.session.get(StaffRow, "C002")
        assert row is not None
        row.language = "en"
        await work.commit()
    harness.services.staff.forget()
    await harness.services.asking.submit_gap("How do foreigners open an account", asked_by="M001")
    queue = await gu.send("/review")
    assert queue.plain_text.startswith("Waiting for compliance (1)")
    assert "1. ❓ Gap “How do foreigners open an account” · 李明 (M001) · 2026-11-20 14:00" in (
        queue.plain_text
    )
    await gu.press(queue, "1")
    assert "🔗 Link another document" in labels(queue) and "🚫 Dismiss" in labels(queue)
