"""Curation: who may approve, what supersedes what, and that only approved, in-effect text is served."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from knowledge_base.curation import CurationService
from knowledge_base.errors import NotAuthorizedError, UsageError
from storage.engine import session_factory
from storage.rows import StaffRow
from storage.uow import UnitOfWorkFactory

TODAY = date(2026, 11, 21)


def doc(doc_id, version, body, *, status="approved", by="C001", start="2026-01-05", end=None):
    end_line = f"expires_on: {end}\n" if end else ""
    approver = f"approved_by: {by}\n" if by else ""
    return (
        f"---\nid: {doc_id}\nversion: {version}\nkind: script\ntitle: {doc_id} 标题\nlanguage: zh\n"
        f"status: {status}\n{approver}effective_from: {start}\n{end_line}---\n## 正文\n{body}\n"
    )


@pytest.fixture
async def curation(engine):
    uow = UnitOfWorkFactory(session_factory(engine))
    async with uow() as work:
        work.session.add_all(
            [
                StaffRow(staff_id="C001", name="合规", role="compliance"),
                StaffRow(staff_id="C002", name="离职合规", role="compliance", active=False),
                StaffRow(staff_id="M001", name="王芳", role="manager"),
                StaffRow(staff_id="C003", name="复核合规", role="compliance"),
            ]
        )
        await work.commit()
    return CurationService(uow, clock=lambda: datetime(2026, 11, 21, 2, 0, tzinfo=UTC))


def write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


async def served(curation):
    return {(t.doc_id, t.version): t.body for t in await curation.approved_in_effect(TODAY)}


async def test_only_approved_in_effect_text_is_served(curation, tmp_path):
    write(tmp_path, "a1.md", doc("KB-A", 1, "旧版文本"))
    write(tmp_path, "a2.md", doc("KB-A", 2, "新版文本"))
    write(tmp_path, "draft.md", doc("KB-D", 1, "草稿文本", status="draft", by=None))
    write(tmp_path, "ret.md", doc("KB-R", 1, "退役文本", status="retired", by=None))
    write(tmp_path, "exp.md", doc("KB-E", 1, "过期文本", end="2025-12-31", start="2025-01-02"))
    write(tmp_path, "fut.md", doc("KB-F", 1, "未生效文本", start="2027-06-01"))
    outcome = await curation.import_directory(tmp_path, by="C001", migrate=True)
    assert outcome.added == 6
    assert {d.split(":")[0] for d in outcome.drafts} == {"KB-D v1"}
    texts = await served(curation)
    assert set(texts) == {("KB-A", 2)}
    assert "新版文本" in texts[("KB-A", 2)]
    statuses = {(v.doc_id, v.version): v.status for v in await curation.list_versions()}
    assert statuses[("KB-A", 1)] == "superseded"
    assert statuses[("KB-R", 1)] == "retired"


async def test_importing_twice_changes_nothing(curation, tmp_path):
    write(tmp_path, "a1.md", doc("KB-A", 1, "文本"))
    await curation.import_directory(tmp_path, by="C001", migrate=True)
    again = await curation.import_directory(tmp_path, by="C001", migrate=True)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 1)


async def test_approved_text_cannot_change_in_place(curation, tmp_path):
    write(tmp_path, "a1.md", doc("KB-A", 1, "文本"))
    await curation.import_directory(tmp_path, by="C001", migrate=True)
    write(tmp_path, "a1.md", doc("KB-A", 1, "偷偷改过的文本"))
    with pytest.raises(UsageError, match="new version"):
        await curation.import_directory(tmp_path, by="C001", migrate=True)
    assert "偷偷" not in (await served(curation))[("KB-A", 1)]


async def test_approval_is_compliance_only_and_supersedes(curation, tmp_path):
    write(tmp_path, "a1.md", doc("KB-A", 1, "第一版"))
    write(tmp_path, "a2.md", doc("KB-A", 2, "第二版", status="draft", by=None))
    await curation.import_directory(tmp_path, by="C001", migrate=True)
    with pytest.raises(NotAuthorizedError):
        await curation.approve("KB-A", by="M001")
    assert set(await served(curation)) == {("KB-A", 1)}
    approved = await curation.approve("KB-A", by="C003")
    assert (approved.version, approved.approved_by, approved.approved_at) == (2, "C003", TODAY)
    assert set(await served(curation)) == {("KB-A", 2)}
    detail = await curation.show("KB-A")
    assert [(e.version, e.action) for e in detail.events if e.action != "imported"] == [
        (1, "approved"),
        (1, "migrated"),
        (2, "approved"),
        (1, "superseded"),
    ]


async def test_retired_documents_are_never_served(curation, tmp_path):
    write(tmp_path, "a1.md", doc("KB-A", 1, "文本"))
    await curation.import_directory(tmp_path, by="C001", migrate=True)
    await curation.retire("KB-A", by="C001", reason="产品下线")
    assert await served(curation) == {}
    with pytest.raises(UsageError):
        await curation.retire("KB-A", by="C001", reason="再次")
