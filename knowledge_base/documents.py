"""Knowledge-base documents: Markdown with YAML front matter, one file per version (DESIGN §5).

The loader is strict: every problem is reported as `file:line: reason`, and a directory with any
problem loads nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from storage.kb_rows import QUESTION_MAX_CHARS

KINDS = ("script", "product", "disclosure", "faq", "research", "template")
FILE_STATUSES = ("draft", "approved", "retired")
RISK_LEVELS = ("R1", "R2", "R3", "R4", "R5")
REQUIRED = ("id", "version", "kind", "title", "language", "status")
KNOWN = {
    *REQUIRED,
    "approved_by",
    "approved_at",
    "effective_from",
    "expires_on",
    "product_risk",
    "tags",
    "questions",
}
_ID = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,79}$")


class _StringDateLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as strings, so a bad date becomes a reported problem."""


_StringDateLoader.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class DocumentVersion:
    """One version of a document as its file states it."""

    doc_id: str
    version: int
    kind: str
    title: str
    language: str
    status: str
    approved_by: str | None
    approved_at: date | None
    effective_from: date | None
    expires_on: date | None
    product_risk: str | None
    tags: tuple[str, ...]
    body: str
    source: str
    # approved similar questions (相似问): typical phrasings, indexed and approved with the text
    questions: tuple[str, ...] = ()

    @property
    def content_hash(self) -> str:
        """Fingerprint of everything that defines this version's text and metadata."""
        parts = [
            self.doc_id,
            str(self.version),
            self.kind,
            self.title,
            self.language,
            self.body,
            str(self.product_risk),
            ",".join(self.tags),
            str(self.effective_from),
            str(self.expires_on),
        ]
        if self.questions:  # versions without questions keep the fingerprint they always had
            parts.append("\x1e".join(self.questions))
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()

    def in_effect(self, today: date) -> bool:
        """effective_from ≤ today < expires_on (an open end never expires)."""
        if self.effective_from is None or self.effective_from > today:
            return False
        return self.expires_on is None or today < self.expires_on


@dataclass(frozen=True)
class LoadProblem:
    source: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.reason}"


class DocumentLoadError(Exception):
    """One or more files are malformed; nothing was loaded."""

    def __init__(self, problems: list[LoadProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def _split_front_matter(text: str) -> tuple[str, str, int] | None:
    """(front matter, body, line number where the body starts) or None without front matter."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return None
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "".join(lines[1:index]), "".join(lines[index + 1 :]), index + 2
    return None


def _key_lines(front: str) -> dict[str, int]:
    """Line (1-based, in the file) of each top-level key, from the YAML node marks."""
    try:
        node = yaml.compose(front, Loader=_StringDateLoader)
    except yaml.YAMLError:
        return {}
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): k.start_mark.line + 2 for k, _ in node.value}


def _item_lines(front: str, key: str) -> list[int]:
    """Line (1-based, in the file) of each item of the top-level list `key`."""
    try:
        node = yaml.compose(front, Loader=_StringDateLoader)
    except yaml.YAMLError:
        return []
    if not isinstance(node, yaml.MappingNode):
        return []
    for k, value in node.value:
        if k.value == key and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 2 for item in value.value]
    return []


def _questions(
    value: object, key_line: int, item_lines: list[int], problem: Callable[[int, str], None]
) -> tuple[str, ...]:
    """The similar questions of `questions:`, normalized to one line, each once."""
    if value is None:
        return ()
    if not isinstance(value, list):
        problem(key_line, "questions must be a list of typical questions (one per '- ' line)")
        return ()
    questions: list[str] = []
    seen: set[str] = set()
    for index, item in enumerate(value):
        line = item_lines[index] if index < len(item_lines) else key_line
        if not isinstance(item, str | int | float) or isinstance(item, bool):
            problem(line, f"question {index + 1} must be text, got {item!r}")
            continue
        text = " ".join(str(item).split())
        if not text:
            problem(line, f"question {index + 1} is empty")
        elif len(text) > QUESTION_MAX_CHARS:
            problem(
                line,
                f"question {index + 1} has {len(text)} characters (at most {QUESTION_MAX_CHARS})",
            )
        elif text.casefold() not in seen:
            seen.add(text.casefold())
            questions.append(text)
    return tuple(questions)


def _as_date(value: object) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def parse_document(text: str, source: str) -> tuple[DocumentVersion | None, list[LoadProblem]]:
    """Parse one file's text; returns the version or the problems found."""
    problems: list[LoadProblem] = []

    def problem(line: int, reason: str) -> None:
        problems.append(LoadProblem(source, line, reason))

    split = _split_front_matter(text)
    if split is None:
        problem(1, "missing YAML front matter (the file must start with a '---' line and close it)")
        return None, problems
    front, body, body_line = split
    try:
        meta = yaml.load(front, Loader=_StringDateLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem((mark.line + 2) if mark else 1, f"front matter is not valid YAML: {exc}")
        return None, problems
    if not isinstance(meta, dict):
        problem(1, "front matter must be a mapping of fields")
        return None, problems
    lines = _key_lines(front)

    def line_of(key: str) -> int:
        return lines.get(key, 1)

    for key in REQUIRED:
        if meta.get(key) in (None, ""):
            problem(1, f"missing field: {key}")
    for key in meta:
        if key not in KNOWN:
            problem(line_of(str(key)), f"unknown field: {key}")

    doc_id = str(meta.get("id") or "")
    if doc_id and not _ID.match(doc_id):
        problem(line_of("id"), f"bad id {doc_id!r}: use capitals, digits, '-' or '_'")
    version = meta.get("version")
    if version is not None and (
        not isinstance(version, int) or isinstance(version, bool) or version < 1
    ):
        problem(line_of("version"), f"version must be a whole number ≥ 1, got {version!r}")
    kind = meta.get("kind")
    if kind is not None and kind not in KINDS:
        problem(line_of("kind"), f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    language = meta.get("language")
    if language is not None and language not in ("zh", "en"):
        problem(line_of("language"), f"language must be zh or en, got {language!r}")
    status = meta.get("status")
    if status is not None and status not in FILE_STATUSES:
        problem(
            line_of("status"), f"unknown status {status!r}; expected draft, approved or retired"
        )
    risk = meta.get("product_risk")
    if risk is not None and str(risk) not in RISK_LEVELS:
        problem(line_of("product_risk"), f"product_risk must be R1–R5, got {risk!r}")

    dates: dict[str, date | None] = {}
    for key in ("approved_at", "effective_from", "expires_on"):
        try:
            dates[key] = _as_date(meta.get(key))
        except (TypeError, ValueError):
            problem(line_of(key), f"bad date in {key}: {meta.get(key)!r} (use YYYY-MM-DD)")
            dates[key] = None
    if status == "approved":
        if not meta.get("approved_by"):
            problem(1, "approved documents need approved_by (a compliance staff id)")
        if dates.get("effective_from") is None and "effective_from" not in lines:
            problem(1, "approved documents need effective_from")
    start, end = dates.get("effective_from"), dates.get("expires_on")
    if start and end and end <= start:
        problem(line_of("expires_on"), "expires_on must be after effective_from")

    tags = meta.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str | int) for t in tags):
        problem(line_of("tags"), "tags must be a list of words")
        tags = []
    questions = _questions(
        meta.get("questions"), line_of("questions"), _item_lines(front, "questions"), problem
    )
    if not body.strip():
        problem(body_line, "empty body")

    if problems:
        return None, problems
    return (
        DocumentVersion(
            doc_id=doc_id,
            version=int(version),  # type: ignore[arg-type]
            kind=str(kind),
            title=str(meta["title"]).strip(),
            language=str(language),
            status=str(status),
            approved_by=str(meta["approved_by"]) if meta.get("approved_by") else None,
            approved_at=dates["approved_at"],
            effective_from=dates["effective_from"],
            expires_on=dates["expires_on"],
            product_risk=str(risk) if risk else None,
            tags=tuple(str(t) for t in tags),
            body=body.strip() + "\n",
            source=source,
            questions=questions,
        ),
        [],
    )


def load_directory(directory: Path) -> list[DocumentVersion]:
    """Every `*.md` below directory, or DocumentLoadError listing every problem found."""
    if not directory.is_dir():
        raise DocumentLoadError([LoadProblem(str(directory), 0, "not a directory")])
    versions: list[DocumentVersion] = []
    problems: list[LoadProblem] = []
    seen: dict[tuple[str, int], str] = {}
    files = sorted(p for p in directory.rglob("*.md") if p.name.lower() != "readme.md")
    for path in files:
        source = str(path)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            problems.append(LoadProblem(source, 1, "not UTF-8 text"))
            continue
        parsed, found = parse_document(text, source)
        problems.extend(found)
        if parsed is None:
            continue
        key = (parsed.doc_id, parsed.version)
        if key in seen:
            problems.append(
                LoadProblem(
                    source,
                    1,
                    f"duplicate id+version {parsed.doc_id} v{parsed.version} (also in {seen[key]})",
                )
            )
            continue
        seen[key] = source
        versions.append(parsed)
    if not files:
        problems.append(LoadProblem(str(directory), 0, "no .md documents found"))
    if problems:
        raise DocumentLoadError(problems)
    return versions
