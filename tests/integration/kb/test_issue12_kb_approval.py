"""Issue 12 §4: approval is an act of a person, never a claim of a file (DESIGN §5).

Imports create drafts authored by `by`; `migrate` keeps approvals from a previous system only
when their approver is an active compliance officer, and is journaled; approving needs another
compliance officer than the author; retire and reject record who and why."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from knowledge_base.curation import CurationService
from knowledge_base.errors import NotAuthorizedError, UsageError
from storage.engine import session_factory
from storage.journal_rows import JournalRow
from storage.rows import StaffRow
from storage.uow import UnitOfWorkFactory

TODAY = date(2026, 11, 21)
PROMISE = "开户后保证秒到账"


def doc(doc_id, version, body, *, status="approved", by="C001"):
    approver = f"approved_by: {by}\n" if by else ""
    return (
        f"---\nid: {doc_id}\nversion: {version}\nkind: script\ntitle: {doc_id} 标题\nlanguage: zh\n"
        f"status: {status}\n{approver}effective_from: 2026-01-05\n---\n## 正文\n{body}\n"
    )


@pytest.fixture
async def curation(engine):
    uow = UnitOfWorkFactory(session_factory(engine))
    async with uow() as work:
        work.session.add_all(
            [
                StaffRow(staff_id="C001", name="合规", role="compliance"),
                StaffRow(staff_id="C002", name="复核", role="compliance"),
                StaffRow(staff_id="C009", name="离职合规", role="compliance", active=False),
                StaffRow(staff_id="M001", name="王芳", role="manager"),
                StaffRow(staff_id="A001", name="管理员", role="admin"),
            ]
        )
        await work.commit()
    service = CurationService(uow, clock=lambda: datetime(2026, 11, 21, 2, 0, tzinfo=UTC))
    service.uow = uow  # type: ignore[attr-defined]
    return service


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


async def served(curation):
    return {(t.doc_id, t.version) for t in await curation.approved_in_effect(TODAY)}


async def journal(curation):
    async with curation.uow() as work:
        rows = await work.session.scalars(select(JournalRow).order_by(JournalRow.seq))
        return [(r.actor, r.kind, r.subject, r.body) for r in rows]


async def test_a_file_claiming_approval_is_imported_as_a_draft_of_its_importer(curation, tmp_path):
    write(tmp_path, "a.md", doc("KB-FAST", 1, PROMISE))
    outcome = await curation.import_directory(tmp_path, by="M001")
    assert outcome.approved == ()
    assert outcome.drafts == (
        "KB-FAST v1: draft authored by M001; another compliance officer approves it",
    )
    assert await served(curation) == set()
    [version] = await curation.list_versions()
    assert (version.status, version.approved_by) == ("draft", None)


async def test_an_import_needs_an_active_staff_member(curation, tmp_path):
    write(tmp_path, "a.md", doc("KB-A", 1, "正文"))
    for nobody in ("X999", "C009"):
        with pytest.raises(NotAuthorizedError, match="not an active staff member"):
            await curation.import_directory(tmp_path, by=nobody)
    assert await curation.list_versions() == []


async def test_migration_keeps_approval_only_from_an_active_compliance_officer(curation, tmp_path):
    write(tmp_path, "good.md", doc("KB-A", 1, "正文"))
    write(tmp_path, "bad.md", doc("KB-B", 1, PROMISE, by="M001"))
    write(tmp_path, "gone.md", doc("KB-G", 1, "正文", by="C009"))
    with pytest.raises(NotAuthorizedError) as refused:
        await curation.import_directory(tmp_path, by="A001", migrate=True)
    assert "bad.md: approved_by M001 is not an active compliance officer" in str(refused.value)
    assert "gone.md: approved_by C009 is not an active compliance officer" in str(refused.value)
    assert await curation.list_versions() == []  # all or nothing
    assert await journal(curation) == []


async def test_migration_is_run_by_admin_or_compliance_and_journaled(curation, tmp_path):
    write(tmp_path, "a.md", doc("KB-A", 1, "正文"))
    write(tmp_path, "d.md", doc("KB-D", 1, "草稿", status="draft", by=None))
    with pytest.raises(NotAuthorizedError, match="admin or compliance"):
        await curation.import_directory(tmp_path, by="M001", migrate=True)
    outcome = await curation.import_directory(tmp_path, by="A001", migrate=True)
    assert outcome.approved == ("KB-A v1",)
    assert await served(curation) == {("KB-A", 1)}
    [(actor, kind, subject, body)] = await journal(curation)
    assert (actor, kind, subject) == ("A001", "kb.migrated", f"kb:{tmp_path}")
    assert '"approved":["KB-A v1"]' in body and "KB-D v1" in body
    events = [(e.action, e.actor_id) for e in (await curation.show("KB-A")).events]
    assert events == [("imported", "A001"), ("approved", "C001"), ("migrated", "A001")]


async def test_approval_needs_another_compliance_officer_than_the_author(curation, tmp_path):
    write(tmp_path, "a.md", doc("KB-A", 1, "正文"))
    await curation.import_directory(tmp_path, by="C001")
    with pytest.raises(NotAuthorizedError, match="four eyes"):
        await curation.approve("KB-A", by="C001")
    with pytest.raises(NotAuthorizedError, match="not an active compliance officer"):
        await curation.approve("KB-A", by="M001")
    assert await served(curation) == set()
    approved = await curation.approve("KB-A", by="C002")
    assert (approved.status, approved.approved_by) == ("approved", "C002")
    assert await served(curation) == {("KB-A", 1)}
    assert await journal(curation) == [
        ("C002", "kb.approved", "kb:KB-A", '{"author":"C001","version":1}')
    ]


async def test_retire_needs_a_compliance_officer_and_a_reason_both_recorded(curation, tmp_path):
    write(tmp_path, "a.md", doc("KB-A", 1, "正文"))
    await curation.import_directory(tmp_path, by="A001", migrate=True)
    with pytest.raises(UsageError, match="why"):
        await curation.retire("KB-A", by="C002", reason="  ")
    with pytest.raises(NotAuthorizedError):
        await curation.retire("KB-A", by="M001", reason="不再适用")
    assert await served(curation) == {("KB-A", 1)}
    await curation.retire("KB-A", by="C002", reason="监管规则 更新")
    assert await served(curation) == set()
    last = (await curation.show("KB-A")).events[-1]
    assert (last.action, last.actor_id, last.note) == ("retired", "C002", "监管规则 更新")
    assert (await journal(curation))[-1] == (
        "C002",
        "kb.retired",
        "kb:KB-A",
        '{"reason":"监管规则 更新","versions":[1]}',
    )


async def test_reject_records_who_and_why_and_the_draft_is_never_served(curation, tmp_path):
    write(tmp_path, "a.md", doc("KB-FAST", 1, PROMISE))
    await curation.import_directory(tmp_path, by="M001")
    with pytest.raises(UsageError, match="why"):
        await curation.reject("KB-FAST", by="C001", reason="")
    with pytest.raises(NotAuthorizedError):
        await curation.reject("KB-FAST", by="M001", reason="自己撤回")
    rejected = await curation.reject("KB-FAST", by="C001", reason="承诺到账时间")
    assert rejected.status == "rejected"
    last = (await curation.show("KB-FAST")).events[-1]
    assert (last.action, last.actor_id, last.note) == ("rejected", "C001", "承诺到账时间")
    with pytest.raises(UsageError, match="no draft"):
        await curation.approve("KB-FAST", by="C002")
    assert await served(curation) == set()
    assert (await journal(curation))[-1][:3] == ("C001", "kb.rejected", "kb:KB-FAST")


async def test_every_change_to_what_is_served_bumps_the_generation(curation, tmp_path):
    start = await curation.generation()
    write(tmp_path, "a.md", doc("KB-A", 1, "正文"))
    await curation.import_directory(tmp_path, by="C001")
    assert await curation.generation() == start  # a draft serves nothing new
    await curation.approve("KB-A", by="C002")
    assert await curation.generation() == start + 1
    await curation.retire("KB-A", by="C002", reason="下线")
    assert await curation.generation() == start + 2
