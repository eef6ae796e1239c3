"""`ambot kb …`: curation (import, list, show, approve, reject, retire), search, draft check,
reindex. Approval is an act of a person (DESIGN §5): imports create drafts authored by `--by`,
except `--migrate` for content approved in a previous system."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from bot import cli_common as cli
from bot.bootstrap import Runtime
from crm.masking import mask_text
from knowledge_base.answering import Answer
from knowledge_base.compliance.live import LexiconStore, LiveChecker
from knowledge_base.documents import DocumentLoadError
from knowledge_base.errors import KnowledgeBaseError, NotFoundError
from storage.text_files import utf8_text_problem

T = TypeVar("T")
kb_app = typer.Typer(
    no_args_is_help=True, help="Approved knowledge base: curation, search, compliance check."
)


def _run(work: Callable[[Runtime], Awaitable[T]], *, migrate: bool = True) -> T:

    async def guarded(runtime: Runtime) -> T:
        try:
            return await work(runtime)
        except NotFoundError as exc:
            raise cli.fail(f"not found: {exc}") from None
        except KnowledgeBaseError as exc:
            raise cli.fail(str(exc)) from None

    result: T = cli.with_runtime(guarded, migrate=migrate)
    return result


async def _reindex(runtime: Runtime) -> None:
    report = await runtime.services.answers.reindex()
    cli.out.print(
        f"search index {report.action}: {report.embedded} passages embedded, {report.reused} reused, "
        f"{report.removed} removed",
        highlight=False,
    )


def _unreadable_documents(directory: Path) -> list[str]:
    """`path: reason` for each Markdown file of the import that is not UTF-8 text (GBK, UTF-16,
    a workbook renamed, an empty file), said before anything is read into the database."""
    if not directory.is_dir():
        return []  # the loader names it
    found = []
    for path in sorted(directory.rglob("*.md")):
        if path.name.lower() == "readme.md" or not path.is_file():
            continue
        try:
            reason = utf8_text_problem(path.read_bytes())
        except OSError as exc:
            reason = f"cannot read the file: {exc.strerror or exc}"
        if reason is not None:
            found.append(f"{path}: {reason}")
    return found


@kb_app.command("import")
def kb_import(
    directory: Annotated[Path, typer.Argument(help="Folder of Markdown documents")],
    by: Annotated[str, typer.Option("--by", help="Staff id of the author (who imports)")],
    migrate: Annotated[
        bool,
        typer.Option(
            "--migrate",
            help="Content approved in a previous system: keep the files' approval "
            "(approved_by must be an active compliance officer); journaled",
        ),
    ] = False,
) -> None:
    """Import document versions as drafts authored by --by (another compliance officer
    approves them), whatever the files say; --migrate keeps approvals from a previous system."""

    unreadable = _unreadable_documents(directory)
    if unreadable:
        for line in unreadable:
            cli.err.print(line, highlight=False, markup=False, soft_wrap=True)
        raise cli.fail(f"{len(unreadable)} file(s) are not UTF-8 text; nothing was imported")

    async def work(runtime: Runtime) -> None:
        try:
            outcome = await runtime.services.curation.import_directory(
                directory, by=by, migrate=migrate
            )
        except DocumentLoadError as exc:
            for problem in exc.problems:
                # One line per problem (a YAML error spans several), printed as typed.
                one_line = " ".join(str(problem).split())
                cli.err.print(one_line, highlight=False, markup=False, soft_wrap=True)
            raise cli.fail(f"{len(exc.problems)} problem(s); nothing was imported") from None
        cli.out.print(
            f"documents: added {outcome.added}, updated {outcome.updated}, unchanged {outcome.unchanged}; "
            f"approved {len(outcome.approved)}, drafts {len(outcome.drafts)}, retired {len(outcome.retired)}",
            highlight=False,
        )
        for draft in outcome.drafts:
            cli.out.print(f"  draft: {draft}", highlight=False, markup=False, soft_wrap=True)
        await _reindex(runtime)

    _run(work)


@kb_app.command("list")
def kb_list() -> None:
    """Every document version with its status."""

    async def work(runtime: Runtime) -> None:
        versions = await runtime.services.curation.list_versions()
        today = runtime.services.curation.today()
        # One line per version (ids never truncated, easy to grep), not a width-bound table.
        for v in versions:
            status = v.status
            if status == "approved" and v.effective_from and v.effective_from > today:
                status = "approved (not yet in effect)"
            elif status == "approved" and v.expires_on and v.expires_on <= today:
                status = "approved (expired)"
            cli.out.print(
                f"{v.doc_id} v{v.version} [{status}] {v.kind} · {v.title} — approved by "
                f"{v.approved_by or '-'}, effective {v.effective_from or '-'} → {v.expires_on or 'open'}",
                highlight=False,
                markup=False,
            )

    _run(work)


@kb_app.command("show")
def kb_show(doc_id: str) -> None:
    """A document's versions, its curation trail, and the text managers see today."""

    async def work(runtime: Runtime) -> None:
        detail = await runtime.services.curation.show(doc_id)
        for v in detail.versions:
            cli.out.print(
                f"v{v.version} [{v.status}] {v.title} — approved by {v.approved_by or '-'} on "
                f"{v.approved_at or '-'}, effective {v.effective_from or '-'} → {v.expires_on or 'open'}",
                highlight=False,
                markup=False,
            )
        for e in detail.events:
            at = e.at.astimezone(runtime.settings.tz).strftime("%Y-%m-%d %H:%M")
            cli.out.print(
                f"  {at} v{e.version} {e.action} by {e.actor_id or 'system'} {e.note or ''}",
                highlight=False,
                markup=False,
            )
        cli.out.print()
        cli.out.print(
            detail.current_body or "(no approved text in effect today)",
            highlight=False,
            markup=False,
        )

    _run(work)


@kb_app.command("approve")
def kb_approve(
    doc_id: str,
    by: Annotated[str, typer.Option("--by", help="Compliance staff id")],
    version: Annotated[int | None, typer.Option(help="Version (default: newest draft)")] = None,
) -> None:
    """Approve a draft (compliance only); it supersedes the older approved version."""

    async def work(runtime: Runtime) -> None:
        v = await runtime.services.curation.approve(doc_id, by=by, version=version)
        cli.out.print(
            f"{v.doc_id} v{v.version} approved by {v.approved_by} on {v.approved_at}",
            highlight=False,
            markup=False,
        )
        if v.answered_gaps:
            gaps = ", ".join(f"#{gap}" for gap in v.answered_gaps)
            cli.out.print(
                f"answered {len(v.answered_gaps)} waiting gap(s): {gaps}; "
                f"{len(v.notices)} manager(s) will be told",
                highlight=False,
                markup=False,
            )
        await _reindex(runtime)

    _run(work)


@kb_app.command("reject")
def kb_reject(
    doc_id: str,
    by: Annotated[str, typer.Option("--by", help="Compliance staff id")],
    reason: Annotated[str, typer.Option("--reason", help="Why the draft is rejected")],
    version: Annotated[int | None, typer.Option(help="Version (default: newest draft)")] = None,
) -> None:
    """Reject a draft (compliance only, with a reason): it is never approved nor served."""

    async def work(runtime: Runtime) -> None:
        v = await runtime.services.curation.reject(doc_id, by=by, reason=reason, version=version)
        cli.out.print(
            f"{v.doc_id} v{v.version} rejected by {by}: {' '.join(reason.split())}",
            highlight=False,
            markup=False,
        )

    _run(work)


@kb_app.command("retire")
def kb_retire(
    doc_id: str,
    by: Annotated[str, typer.Option("--by", help="Compliance staff id")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is retired (recorded)")],
) -> None:
    """Retire a document: it is no longer shown to anyone, in every running process."""

    async def work(runtime: Runtime) -> None:
        retired = await runtime.services.curation.retire(doc_id, by=by, reason=reason)
        cli.out.print(
            f"{doc_id}: retired v{', v'.join(str(v.version) for v in retired)}",
            highlight=False,
            markup=False,
        )
        await _reindex(runtime)

    _run(work)


@kb_app.command("lexicon")
def kb_lexicon(
    path: Annotated[Path, typer.Argument(help="Lexicon YAML file (validated strictly)")],
    by: Annotated[str, typer.Option("--by", help="Compliance staff id")],
) -> None:
    """Put a banned-phrase lexicon in force (compliance only): stored, journaled, and used by
    every running process within seconds."""

    async def work(runtime: Runtime) -> None:
        checker = runtime.services.checker
        if not isinstance(checker, LiveChecker):
            raise cli.fail("this runtime cannot change its lexicon")
        stored, lexicon = await LexiconStore(runtime.uow).load(path, by=by)
        checker.use(lexicon, loaded=stored)
        cli.out.print(
            f"lexicon #{stored} in force: {len(lexicon.entries)} entries"
            f"{f', version {lexicon.version}' if lexicon.version is not None else ''}, loaded by {by}",
            highlight=False,
            markup=False,
        )

    _run(work)


@kb_app.command("reindex")
def kb_reindex() -> None:
    """Rebuild the search index from the database (unchanged passages keep their vectors)."""
    _run(_reindex)


def answer_json(answer: Answer) -> dict[str, object]:
    """The stable `kb search --json` contract (DESIGN §2)."""
    return {
        "decision": answer.decision,
        # an answer given as uncertain: the closest approved text may not be on the question
        **({"sure": answer.sure} if answer.decision == "answer" else {}),
        "results": [
            {
                "doc_id": r.doc_id,
                "version": r.version,
                "title": r.title,
                "section": r.section,
                "score": round(r.score, 6),
                "dense_score": None if r.dense_score is None else round(r.dense_score, 6),
                "lexical_score": None if r.lexical_score is None else round(r.lexical_score, 6),
                "approved_by": r.approved_by,
                "effective_from": r.effective_from.isoformat(),
            }
            for r in answer.results
        ],
    }


@kb_app.command("search")
def kb_search(
    question: str,
    k: Annotated[int, typer.Option("--k", min=1, max=20, help="How many results")] = 3,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output")] = False,
) -> None:
    """Ranked approved answers with scores and the answer / no-answer decision."""
    if not question.strip():
        raise cli.fail("the question is empty")

    async def work(runtime: Runtime) -> None:
        answer = await runtime.services.answers.answer(question, k=k, record_gap=False)
        if as_json:
            print(json.dumps(answer_json(answer), ensure_ascii=False, indent=2))
            return
        if answer.decision == "no_answer":
            cli.out.print(
                "decision: no_answer — no approved text answers this question", highlight=False
            )
        else:
            best = answer.best
            assert best is not None
            sureness = "" if answer.sure else " (uncertain: check it is on the question)"
            cli.out.print(
                f"decision: answer{sureness} — {best.doc_id} v{best.version} «{best.title} · {best.section}», "
                f"approved by {best.approved_by}, effective {best.effective_from}",
                highlight=False,
                markup=False,
            )
            cli.out.print(best.text, highlight=False, markup=False)
        cli.out.print()
        for rank, r in enumerate(answer.results, start=1):
            dense = f"{r.dense_score:.3f}" if r.dense_score is not None else "-"
            lexical = f"{r.lexical_score:.2f}" if r.lexical_score is not None else "-"
            cli.out.print(
                f"{rank}. {r.doc_id} v{r.version} {r.title} · {r.section}  "
                f"(score {r.score:.4f}, dense {dense}, lexical {lexical})",
                highlight=False,
                markup=False,
            )

    _run(work)


@kb_app.command("check")
def kb_check(
    text: str,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output")] = False,
) -> None:
    """Check a draft message against the compliance lexicon; exit 1 when it has violations."""

    async def work(runtime: Runtime) -> bool:
        result = runtime.services.checker.check(text)
        if as_json:
            print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
            return result.ok
        if result.ok:
            cli.out.print("✅ no banned phrases found", highlight=False)
        for v in result.violations:
            cli.out.print(
                f"✗ [{v.category.value}] {v.phrase} at {v.start}–{v.end} «{text[v.start : v.end]}» → {v.suggestion}",
                highlight=False,
                markup=False,
                soft_wrap=True,
            )
        return result.ok

    if not _run(work, migrate=False):
        raise typer.Exit(1)


@kb_app.command("gaps")
def kb_gaps() -> None:
    """Questions the knowledge base could not answer (the content-gap queue for compliance)."""

    async def work(runtime: Runtime) -> None:
        gaps = await runtime.services.curation.open_gaps()
        if not gaps:
            cli.out.print("no open content gaps")
        for gap_id, question, asked_by, at in gaps:
            when = at.astimezone(runtime.settings.tz).strftime("%Y-%m-%d %H:%M")
            # A question may quote a client's phone or ID number: masked like any outgoing text.
            cli.out.print(
                f"#{gap_id} {when} {asked_by or '-'}: {mask_text(question)}",
                highlight=False,
                markup=False,
            )

    _run(work)
