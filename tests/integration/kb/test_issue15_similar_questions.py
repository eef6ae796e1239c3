"""Issue 15 §2: approved similar questions (相似问) are stored per document and served with it.

Compliance links a question to a document (from the gap queue or a confirmed answer); the
served text carries it, every process learns of it through the generation, and it is journaled.
"""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from knowledge_base.curation import CurationService
from knowledge_base.errors import (
    EmptyQuestionError,
    NotAuthorizedError,
    QuestionTooLongError,
    UnknownDocumentError,
    UsageError,
)
from storage.engine import session_factory
from storage.journal_rows import JournalRow
from storage.rows import StaffRow
from storage.uow import UnitOfWorkFactory

TODAY = date(2026, 11, 21)


def doc(doc_id: str, version: int, body: str, questions: str = "") -> str:
    return (
        f"---\nid: {doc_id}\nversion: {version}\nkind: script\ntitle: {doc_id} 标题\n"
        f"language: zh\nstatus: approved\napproved_by: C001\neffective_from: 2026-01-05\n"
        f"{questions}---\n## 正文\n{body}\n"
    )


@pytest.fixture
async def curation(engine):
    uow = UnitOfWorkFactory(session_factory(engine))
    async with uow() as work:
        work.session.add_all(
            [
                StaffRow(staff_id="C001", name="合规", role="compliance"),
                StaffRow(staff_id="C002", name="复核", role="compliance"),
                StaffRow(staff_id="M001", name="王芳", role="manager"),
                StaffRow(staff_id="A001", name="管理员", role="admin"),
            ]
        )
        await work.commit()
    service = CurationService(uow, clock=lambda: datetime(2026, 11, 21, 2, 0, tzinfo=UTC))
    service.uow = uow  # type: ignore[attr-defined]
    return service


def write(folder: Path, *files: tuple[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files:
        (folder / name).write_text(text, encoding="utf-8")
    return folder


async def imported(curation, folder: Path, *files: tuple[str, str]) -> None:
    await curation.import_directory(write(folder, *files), by="A001", migrate=True)


async def served_questions(curation) -> dict[str, tuple[str, ...]]:
    _generation, texts = await curation.served(TODAY)
    return {t.doc_id: t.questions for t in texts}


async def journal(curation):
    async with curation.uow() as work:
        rows = await work.session.scalars(select(JournalRow).order_by(JournalRow.seq))
        return [(r.actor, r.kind, r.subject, r.body) for r in rows]


async def test_a_linked_question_is_served_with_its_document_and_journaled(curation, tmp_path):
    await imported(curation, tmp_path / "a", ("m.md", doc("KB-MARGIN", 1, "两融开通条件")))
    before = await curation.generation()

    await curation.add_question("KB-MARGIN", "  借钱炒股要什么条件 ", by="C002", source="gap")

    assert await served_questions(curation) == {"KB-MARGIN": ("借钱炒股要什么条件",)}
    assert await curation.generation() == before + 1
    [*_, last] = await journal(curation)
    assert last[:3] == ("C002", "kb.question_added", "kb:KB-MARGIN")
    assert "借钱炒股要什么条件" in last[3]


async def test_the_same_question_twice_is_stored_once(curation, tmp_path):
    await imported(curation, tmp_path / "a", ("m.md", doc("KB-EN", 1, "English desk")))
    await curation.add_question("KB-EN", "Who keeps client data?", by="C001", source="feedback")
    generation = await curation.generation()

    await curation.add_question("KB-EN", "who keeps  client data?", by="C002", source="gap")

    assert await curation.questions("KB-EN") == [("Who keeps client data?", None, "feedback")]
    assert await curation.generation() == generation


async def test_a_linked_question_stays_with_the_document_across_versions(curation, tmp_path):
    await imported(curation, tmp_path / "a", ("m.md", doc("KB-MARGIN", 1, "旧条件")))
    await curation.add_question("KB-MARGIN", "两融门槛多少", by="C001", source="gap")

    await imported(curation, tmp_path / "b", ("m.md", doc("KB-MARGIN", 2, "新条件")))

    _generation, [text] = await curation.served(TODAY)
    assert (text.version, text.questions) == (2, ("两融门槛多少",))


@pytest.mark.parametrize(
    ("doc_id", "question", "error"),
    [
        ("KB-NOPE", "两融门槛多少", UnknownDocumentError),
        ("KB-MARGIN", "   ", EmptyQuestionError),
        ("KB-MARGIN", "问" * 201, QuestionTooLongError),
    ],
)
async def test_bad_links_are_refused_with_a_typed_error_and_change_nothing(
    curation, tmp_path, doc_id, question, error
):
    await imported(curation, tmp_path / "a", ("m.md", doc("KB-MARGIN", 1, "两融开通条件")))
    generation = await curation.generation()

    with pytest.raises(error):
        await curation.add_question(doc_id, question, by="C001", source="gap")

    assert await curation.questions("KB-MARGIN") == []
    assert await curation.generation() == generation


async def test_a_question_of_exactly_200_characters_is_accepted(curation, tmp_path):
    await imported(curation, tmp_path / "a", ("m.md", doc("KB-MARGIN", 1, "两融开通条件")))
    await curation.add_question("KB-MARGIN", "问" * 200, by="C001", source="gap")
    assert [q for q, _v, _s in await curation.questions("KB-MARGIN")] == ["问" * 200]


async def test_only_an_active_compliance_officer_links_questions(curation, tmp_path):
    await imported(curation, tmp_path / "a", ("m.md", doc("KB-MARGIN", 1, "两融开通条件")))
    with pytest.raises(NotAuthorizedError):
        await curation.add_question("KB-MARGIN", "两融门槛多少", by="M001", source="gap")
    with pytest.raises(UsageError):
        await curation.add_question("KB-MARGIN", "两融门槛多少", by="C001", source="front_matter")
    assert await curation.questions("KB-MARGIN") == []


FRONT = "questions:\n  - 借钱炒股要什么条件\n  - 两融门槛\n"


async def test_front_matter_questions_are_served_with_their_version_only(curation, tmp_path):
    await imported(curation, tmp_path / "a", ("m.md", doc("KB-MARGIN", 1, "旧条件", FRONT)))
    assert await served_questions(curation) == {"KB-MARGIN": ("借钱炒股要什么条件", "两融门槛")}
    assert await curation.questions("KB-MARGIN") == [
        ("借钱炒股要什么条件", 1, "front_matter"),
        ("两融门槛", 1, "front_matter"),
    ]
    await curation.add_question("KB-MARGIN", "两融门槛", by="C002", source="gap")  # listed: no-op
    await curation.add_question("KB-MARGIN", "信用账户怎么开", by="C002", source="gap")

    # v2 lists other questions: v1's go with v1, the linked one stays with the document
    v2 = "questions:\n  - 两融要多少资产\n"
    await imported(curation, tmp_path / "b", ("m.md", doc("KB-MARGIN", 2, "新条件", v2)))

    assert await served_questions(curation) == {"KB-MARGIN": ("两融要多少资产", "信用账户怎么开")}


async def test_draft_questions_are_not_served_until_the_draft_is_approved(curation, tmp_path):
    folder = write(tmp_path / "a", ("m.md", doc("KB-MARGIN", 1, "两融条件", FRONT)))
    await curation.import_directory(folder, by="C001")
    assert await served_questions(curation) == {}

    await curation.approve("KB-MARGIN", by="C002")

    assert await served_questions(curation) == {"KB-MARGIN": ("借钱炒股要什么条件", "两融门槛")}


async def test_reimporting_a_draft_replaces_its_front_matter_questions(curation, tmp_path):
    await curation.import_directory(
        write(tmp_path / "a", ("m.md", doc("KB-MARGIN", 1, "两融条件", FRONT))), by="C001"
    )
    await curation.import_directory(
        write(
            tmp_path / "b", ("m.md", doc("KB-MARGIN", 1, "两融条件", "questions:\n  - 融资门槛\n"))
        ),
        by="C001",
    )
    assert await curation.questions("KB-MARGIN") == [("融资门槛", 1, "front_matter")]
