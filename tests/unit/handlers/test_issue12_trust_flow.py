"""Issue 12 through the real handlers: a new note is never answered as an old one (points 1),
presses and messages delivered twice change nothing and say so (7), a note goes to the client
named exactly or to the one she picks (9), and a busy database loses nothing silently and leaks
nothing to the logs (10)."""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot import console_mode
from bot.console_mode import CONSOLE_BOT_ID_BASE, console_session_token
from crm.client_search import spellings
from crm.clients import ClientService
from crm.notes import NoteService
from emulator import BotMessage
from storage.activity_rows import ComplianceFindingRow, ContactRow, FollowUpRow, NoteRow
from storage.engine import create_engine, session_factory
from storage.uow import UnitOfWorkFactory
from tests.support.ptb import Chat, Harness, Outcome, harness_settings, labels

ZHANG_WEI = "3100000004"


async def count(harness: Harness, row: type, *where: Any) -> int:
    async with harness.runtime.uow() as work:
        query = select(func.count()).select_from(row).where(*where)
        return int(await work.session.scalar(query) or 0)


def next_message_id(harness: Harness, chat: Chat) -> int:
    """The id the chat's next message will get (users and the bot share the numbering)."""
    return max(m.message_id for m in harness.sent_to(chat)) + 1


async def press_again(harness: Harness, chat: Chat, message: BotMessage, data: str) -> Outcome:
    """A second press of a button on the message as it looked before the first press took
    effect (a double tap, or a client with a stale screen): a new callback query."""
    query = dict(harness.emulator.callback_queries[max(harness.emulator.callback_queries)])
    assert query["data"] == data
    query["id"] = f"{query['id']}9"
    harness.emulator.callback_queries[query["id"]] = query
    outcome = await harness.deliver("callback_query", query, chat.id)
    outcome.answer = harness.emulator.callback_answers.get(query["id"])
    return outcome


async def redeliver_last_press(harness: Harness, chat: Chat) -> Outcome:
    """Telegram delivers the last callback query again (same query id, already answered)."""
    query = harness.emulator.callback_queries[max(harness.emulator.callback_queries)]
    return await harness.deliver("callback_query", dict(query), chat.id)


def no_error_ids(harness: Harness, chat: Chat) -> None:
    shown = [
        m.plain_text
        for m in harness.sent_to(chat)
        if re.search(r"错误编号|error id", m.plain_text, re.I)
    ]
    assert not shown, shown


# ------------------------------------------------------------------ 1. a new note, not an old one


async def test_a_restarted_numbering_saves_the_new_note_not_the_old_one(
    harness: Harness, li: Chat
) -> None:
    """The earlier session (another bot id) saved its note under the id this message gets."""
    await li.send("/help")
    reused = next_message_id(harness, li)
    li_staff = await harness.services.staff.get("M001")
    old = await harness.services.notes.add(
        ZHANG_WEI, li_staff, "第一条", bot_id=100000001, chat_id=li.id, message_id=reused
    )
    reply = await li.send("/note 张伟 重启后的新笔记")
    assert li.last_request is not None and li.last_request["message_id"] == reused
    assert "已保存 #" in reply.plain_text and "重启后的新笔记" in reply.plain_text
    assert f"#{old.note.id}" not in reply.plain_text and "第一条" not in reply.plain_text
    texts = {n.text for n in (await harness.services.clients.card(ZHANG_WEI, li_staff)).notes}
    assert {"第一条", "重启后的新笔记"} <= texts


async def test_a_plain_question_under_a_reused_id_is_not_answered_as_a_saved_note(
    harness: Harness, li: Chat
) -> None:
    await li.send("/help")
    reused = next_message_id(harness, li)
    li_staff = await harness.services.staff.get("M001")
    await harness.services.notes.add(
        ZHANG_WEI, li_staff, "第一条", bot_id=100000001, chat_id=li.id, message_id=reused
    )
    reply = await li.send("融资融券的保证金比例是多少")
    assert "已保存" not in reply.plain_text and "第一条" not in reply.plain_text


async def test_the_same_bot_id_with_other_text_says_not_saved(harness: Harness, li: Chat) -> None:
    """Even under this very bot's id, a key holding other text is never echoed as saved."""
    await li.send("/help")
    reused = next_message_id(harness, li)
    li_staff = await harness.services.staff.get("M001")
    this_bot = int(harness.emulator.token.split(":")[0])
    await harness.services.notes.add(
        ZHANG_WEI, li_staff, "第一条", bot_id=this_bot, chat_id=li.id, message_id=reused
    )
    reply = await li.send("/note 张伟 重启后的新笔记")
    assert "没有保存" in reply.plain_text and "第一条" not in reply.plain_text
    assert "已保存" not in reply.plain_text
    assert await count(harness, NoteRow) == 1


async def test_a_restarted_console_chat_saves_the_new_note(
    handler_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue's steps: `ambot chat --as M001`, /note, /quit, chat again, /note."""
    data_dir = tmp_path / "data"
    shutil.copytree(handler_template, data_dir)
    sessions = iter([["/note 张伟 第一条", "/quit"], ["/note 张伟 重启后的新笔记", "/quit"]])
    output: list[str] = []
    real_run_console = console_mode.run_console

    async def scripted(app: Any, emulator: Any, user: Any, **kwargs: Any) -> None:
        async def lines() -> AsyncIterator[str]:
            for line in next(sessions):
                yield line

        await real_run_console(
            app, emulator, user, input_lines=lines(), write=output.append, **kwargs
        )

    async def no_warm_up(_services: Any) -> None:  # nothing to ask: no index to load
        return None

    monkeypatch.setattr(console_mode, "run_console", scripted)
    monkeypatch.setattr(console_mode, "warm_up", no_warm_up)
    settings = harness_settings(data_dir)
    await console_mode.run_console_chat(settings, "M001")
    await console_mode.run_console_chat(settings, "M001")

    saved = [line for line in output if "已保存 #" in line]
    assert len(saved) == 2, output
    assert "第一条" in saved[0] and "重启后的新笔记" in saved[1] and "第一条" not in saved[1]
    ids = [re.search(r"已保存 #(\d+)", line) for line in saved]
    assert ids[0] and ids[1] and ids[0].group(1) != ids[1].group(1)


def test_every_console_session_gets_a_bot_id_of_its_own() -> None:
    tokens = {console_session_token() for _ in range(20)}
    ids = {int(token.split(":")[0]) for token in tokens}
    assert len(ids) == 20 and all(i >= CONSOLE_BOT_ID_BASE for i in ids)


# ------------------------------------------------------------------ 7. delivered twice


async def test_contacted_pressed_twice_records_one_contact_and_says_so(
    harness: Harness, li: Chat
) -> None:
    card = await li.send("/client 张伟")
    done = await li.press(card, "✅ 已联系")
    assert "已记录" in done.message.plain_text
    before = await count(harness, ContactRow)

    redelivered = await redeliver_last_press(harness, li)
    assert redelivered.messages == []
    second = await press_again(harness, li, card, card.button("✅ 已联系").callback_data or "")
    assert second.messages == [] and (second.toast or "").startswith("已记录过")
    assert await count(harness, ContactRow) == before
    no_error_ids(harness, li)


async def test_confirm_pressed_twice_saves_one_follow_up_and_says_so(
    harness: Harness, li: Chat
) -> None:
    confirmation = await li.send("/todo 张伟 明天上午10点回电")
    data = confirmation.button("✅ 确认").callback_data or ""
    await li.press(confirmation, "✅ 确认")
    found = re.search(r"已保存 #(\d+)", confirmation.plain_text)
    assert found

    redelivered = await redeliver_last_press(harness, li)
    assert redelivered.messages == []
    second = await press_again(harness, li, confirmation, data)
    assert second.toast == f"已保存过 #{found.group(1)}" and second.messages == []
    assert await count(harness, FollowUpRow) == 1
    no_error_ids(harness, li)


async def test_a_snooze_pressed_twice_moves_the_follow_up_once(harness: Harness, li: Chat) -> None:
    confirmation = await li.send("/todo 张伟 明天上午10点回电")
    await li.press(confirmation, "✅ 确认")
    found = re.search(r"已保存 #(\d+)", confirmation.plain_text)
    assert found
    listing = await li.send("/todos")
    choice = (await li.press(listing, f"⏰ 稍后 #{found.group(1)}")).message
    data = choice.button("+1 小时").callback_data or ""
    await li.press(choice, "+1 小时")
    assert "11:00" in choice.plain_text

    second = await press_again(harness, li, choice, data)  # a double tap on the choice
    assert second.toast == "已经顺延过了，没有再次顺延。" and not second.edited
    await redeliver_last_press(harness, li)
    after = await li.send("/todos")
    assert "11:00" in after.plain_text and "12:00" not in after.plain_text
    no_error_ids(harness, li)


async def test_two_concurrent_copies_of_one_check_record_one_finding(
    harness: Harness, li: Chat
) -> None:
    feedback = harness.services.feedback
    record = feedback.record_draft_findings
    both_recording = asyncio.Barrier(2)

    async def together(**kwargs: Any) -> Any:  # the two copies record at the same moment
        await asyncio.wait_for(both_recording.wait(), 10)
        return await record(**kwargs)

    feedback.record_draft_findings = together
    message = harness.emulator.user_sends_text(li.user, None, "/check 这个产品保本，稳赚不赔")
    update = {"update_id": harness.next_update_id(), "message": message}
    copy = {"update_id": harness.next_update_id(), "message": dict(message)}
    await asyncio.gather(harness.process(update, li.id), harness.process(copy, li.id))
    feedback.record_draft_findings = record
    assert (
        await count(harness, ComplianceFindingRow, ComplianceFindingRow.source == "draft_check")
        == 1
    )
    no_error_ids(harness, li)


# ------------------------------------------------------------------ 9. the right client


async def test_a_sound_alike_is_offered_as_a_pick_not_saved(harness: Harness, li: Chat) -> None:
    reply = await li.send("/note 张卫 客户想加仓")
    assert "不是确切的客户名" in reply.plain_text and "还没有保存" in reply.plain_text
    assert labels(reply) == [f"张伟（{ZHANG_WEI}）"]
    assert await count(harness, NoteRow) == 0

    data = reply.button(f"张伟（{ZHANG_WEI}）").callback_data or ""
    picked = await li.press(reply, f"张伟（{ZHANG_WEI}）")
    assert picked.edited == [reply] and "已保存 #" in reply.plain_text
    assert "张伟" in reply.plain_text and "客户想加仓" in reply.plain_text
    found = re.search(r"已保存 #(\d+)", reply.plain_text)
    assert found
    saved = await harness.services.notes.get(
        int(found.group(1)), await harness.services.staff.get("M001")
    )
    assert saved.client_id == ZHANG_WEI and saved.text == "客户想加仓"

    second = await press_again(harness, li, reply, data)  # a double tap: the same note
    assert second.toast == f"这条笔记已保存过 #{found.group(1)}" and second.messages == []
    assert await count(harness, NoteRow) == 1
    no_error_ids(harness, li)


async def test_pinyin_and_a_surname_need_a_pick_an_exact_id_saves(
    harness: Harness, li: Chat
) -> None:
    pinyin = await li.send("/note zhangwei 回电")
    assert labels(pinyin) == [f"张伟（{ZHANG_WEI}）"] and "已保存" not in pinyin.plain_text
    surname = await li.send("/note 张 回电")
    assert len(labels(surname)) > 1 and "已保存" not in surname.plain_text
    direct = await li.send(f"/note {ZHANG_WEI} 回电")
    assert "已保存 #" in direct.plain_text
    assert await count(harness, NoteRow) == 1


async def test_the_pick_in_english(harness: Harness) -> None:
    lin = await harness.staff("M006", 1006, "Lin")
    found = await harness.services.clients.search(
        "3100000005", await harness.services.staff.get("M006")
    )
    pinyin = spellings(found[0].name).full[0]
    reply = await lin.send(f"/note {pinyin} called, will call back")
    assert "not an exact client name" in reply.plain_text and "not saved yet" in reply.plain_text
    assert f"{found[0].name} (3100000005)" in labels(reply)
    assert await count(harness, NoteRow) == 0


# ------------------------------------------------------------------ 10. database busy


def _db_file(harness: Harness) -> str:
    url = harness.runtime.settings.resolved_database_url
    return url.split("///", 1)[1]


@pytest.mark.parametrize("language", ["zh", "en"])
async def test_a_locked_database_says_not_saved_and_logs_no_content(
    harness: Harness, language: str, caplog: pytest.LogCaptureFixture
) -> None:
    staff_id, telegram_id = ("M001", 1001) if language == "zh" else ("M006", 1006)
    chat = await harness.staff(staff_id, telegram_id, "某")
    client = ZHANG_WEI if language == "zh" else "3100000005"
    # The services' engine waits only 0.2 s for a lock (production waits 30 s).
    path = _db_file(harness)
    engine = create_engine(f"sqlite+aiosqlite:///{path}", connect_args={"timeout": 0.2})
    uow = UnitOfWorkFactory(session_factory(engine))
    services = harness.services
    services.notes = NoteService(uow, checker=services.checker, clock=harness.clock)
    services.clients = ClientService(uow, clock=harness.clock, tiers=services.clients.tiers)
    note = "客户张伟电话13812345678，想加仓"
    # The locker waits (in a thread, the event loop running on) for the bot's own short
    # writes in the background — the journal's, say — to finish.
    locker = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
    caplog.set_level(logging.DEBUG)
    try:
        await asyncio.to_thread(locker.execute, "BEGIN EXCLUSIVE")
        reply = await chat.send(f"/note {client} {note}")
    finally:
        locker.execute("ROLLBACK")
        locker.close()
        await engine.dispose()
    if language == "zh":
        assert "没有保存" in reply.plain_text and "重新发送" in reply.plain_text
    else:
        assert "NOT saved" in reply.plain_text and "send it again" in reply.plain_text
    assert await count(harness, NoteRow) == 0
    assert await count(harness, ContactRow) == 0
    assert await count(harness, ComplianceFindingRow) == 0
    logged = "\n".join(
        [r.getMessage() for r in caplog.records]
        + [str(r.exc_info[1]) for r in caplog.records if r.exc_info and r.exc_info[1]]
    )
    assert "13812345678" not in logged and "想加仓" not in logged
    assert any("busy" in r.getMessage() for r in caplog.records)
    no_error_ids(harness, chat)


def test_engines_hide_sql_parameters(tmp_path: Any) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    assert engine.sync_engine.hide_parameters
