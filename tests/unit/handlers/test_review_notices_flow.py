"""What curation acts owe people, whichever door they came through (issue 13): an approval with
`ambot kb approve` (the domain service in a process without Telegram) answers the gaps awaiting
the draft, and the running bot's notices sweep tells the manager who asked; a rejected draft's
author is told, in her language, with the reason and who rejected it — at once from /review,
and by the sweep after `ambot kb reject`. Each notice goes out once."""

from __future__ import annotations

from handlers.context import AppContext
from scheduler.notices import NOTICES_JOB, deliver_pending_notices
from scheduler.sweeps import SWEEPS
from storage.rows import StaffRow
from tests.support.ptb import Chat, Harness
from tests.unit.handlers.test_review_flow import NEW_DOC, entry_kinds, gu, shen

__all__ = ["gu", "shen"]  # fixtures


async def run_notices_sweep(harness: Harness) -> None:
    """One run of the running bot's notices sweep, until what it queued is out."""
    await deliver_pending_notices(AppContext(harness.application))
    state = harness.application.bot_data.scheduler
    assert state is not None
    pacer = state.outbox.pacer  # type: ignore[attr-defined]
    await harness.emulator.wait_until(lambda: pacer.pending == 0)


async def draft_for_a_gap(harness: Harness, shen: Chat) -> int:
    """M001's gap, and C001's draft uploaded for it from /review (📝 起草新文档)."""
    receipt = await harness.services.asking.submit_gap("境外人士开户要带什么", asked_by="M001")
    queue = await shen.send("/review")
    await shen.press(queue, "1")
    await shen.press(queue, "📝 起草新文档")
    await shen.send_file("KB-ALIEN-ACCOUNTS.v1.md", NEW_DOC.encode())
    return int(receipt.gap_id)


async def test_the_notices_sweep_is_a_sweep_of_the_running_bot() -> None:
    assert NOTICES_JOB in {s.name for s in SWEEPS}


async def test_an_approval_from_the_cli_answers_the_gap_and_the_bot_tells_the_manager(
    harness: Harness, li: Chat, shen: Chat, gu: Chat
) -> None:
    gap_id = await draft_for_a_gap(harness, shen)
    before = len(harness.sent_to(li))
    # `ambot kb approve KB-ALIEN-ACCOUNTS --by C002`: the domain service, no outbox in that process
    approved = await harness.services.curation.approve("KB-ALIEN-ACCOUNTS", by="C002")
    assert approved.answered_gaps == (gap_id,)
    assert harness.sent_to(li)[before:] == []  # the CLI cannot send: the notice is queued
    assert "没有待合规处理的事项" in (await gu.send("/review")).plain_text  # the gap is closed
    assert f"kb.gap_answered gap:{gap_id}" in await entry_kinds(harness)
    await run_notices_sweep(harness)
    told = harness.sent_to(li)[before:]
    assert len(told) == 1
    assert "您提交合规的问题已有审批通过的答案" in told[0].plain_text
    assert "境外人士开户要带什么" in told[0].plain_text
    assert "KB-ALIEN-ACCOUNTS 第 1 版《境外人士开户须知》" in told[0].plain_text
    await run_notices_sweep(harness)  # delivered once
    assert len(harness.sent_to(li)) == before + 1
    owed = await harness.services.curation.notices.pending()
    assert [n for n in owed if n.staff_id == "M001"] == []


async def test_a_draft_rejected_in_review_tells_its_author_at_once(
    harness: Harness, shen: Chat, gu: Chat
) -> None:
    await shen.send_file("KB-ALIEN-ACCOUNTS.v1.md", NEW_DOC.encode())
    before = len(harness.sent_to(shen))
    queue = await gu.send("/review")
    await gu.press(queue, "1")
    await gu.press(queue, "↩️ 退回")
    await gu.send("开户材料清单不全，请补充港澳台居民的要求")
    told = harness.sent_to(shen)[before:]
    assert [m.plain_text for m in told] == [
        "↩️ 您提交的草稿 KB-ALIEN-ACCOUNTS 第 1 版《境外人士开户须知》被顾敏（C002）退回。\n"
        "原因：开户材料清单不全，请补充港澳台居民的要求\n修改后请重新上传 .md 文件。"
    ]
    await run_notices_sweep(harness)  # the sweep does not tell her twice
    assert len(harness.sent_to(shen)) == before + 1


async def test_a_draft_rejected_from_the_cli_tells_its_author_in_her_language(
    harness: Harness, shen: Chat, gu: Chat
) -> None:
    await shen.send_file("KB-ALIEN-ACCOUNTS.v1.md", NEW_DOC.encode())
    async with harness.runtime.uow() as work:
        row = await work.session.get(StaffRow, "C001")
        assert row is not None
        row.language = "en"
        await work.commit()
    harness.services.staff.forget()
    before = len(harness.sent_to(shen))
    # `ambot kb reject KB-ALIEN-ACCOUNTS --by C002 --reason …`
    rejected = await harness.services.curation.reject(
        "KB-ALIEN-ACCOUNTS", by="C002", reason="Missing the list for Hong Kong residents"
    )
    assert len(rejected.notices) == 1
    assert harness.sent_to(shen)[before:] == []
    await run_notices_sweep(harness)
    told = harness.sent_to(shen)[before:]
    assert [m.plain_text for m in told] == [
        "↩️ Your draft KB-ALIEN-ACCOUNTS version 1 “境外人士开户须知” was returned by 顾敏 (C002).\n"
        "Reason: Missing the list for Hong Kong residents\n"
        "Please correct it and upload the .md file again."
    ]


async def test_an_officer_rejecting_her_own_draft_is_not_told(harness: Harness, shen: Chat) -> None:
    await shen.send_file("KB-ALIEN-ACCOUNTS.v1.md", NEW_DOC.encode())
    rejected = await harness.services.curation.reject(
        "KB-ALIEN-ACCOUNTS", by="C001", reason="写错了"
    )
    assert rejected.notices == ()
