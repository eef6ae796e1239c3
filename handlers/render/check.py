"""View of /check: the draft with flagged phrases underlined and numbered, then for each the
category, the lexicon's compliant wording and the approved script it points to; or a clear ✅.

Everything the user typed is escaped, and phone / ID numbers in it are masked (DESIGN §6)."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from handlers.i18n import t
from handlers.render import View, user_text
from knowledge_base.answering import Citation
from knowledge_base.compliance import CheckResult, Violation


def _groups(violations: tuple[Violation, ...]) -> dict[tuple[str, str], list[Violation]]:
    """Violations of the same lexicon entry together, in order of first appearance."""
    groups: dict[tuple[str, str], list[Violation]] = {}
    for violation in violations:
        groups.setdefault((violation.category.value, violation.phrase), []).append(violation)
    return groups


def marked_draft(draft: str, violations: tuple[Violation, ...]) -> str:
    """The draft as HTML with each violation underlined and numbered by its lexicon entry:
    <u><b>保本</b></u>[1]."""
    numbers = {key: number for number, key in enumerate(_groups(violations), start=1)}
    parts: list[str] = []
    position = 0
    for violation in violations:
        if violation.start < position:  # the checker never overlaps; be safe if it ever does
            continue
        number = numbers[(violation.category.value, violation.phrase)]
        parts.append(user_text(draft[position : violation.start]))
        parts.append(f"<u><b>{user_text(draft[violation.start : violation.end])}</b></u>[{number}]")
        position = violation.end
    parts.append(user_text(draft[position:]))
    return "".join(parts)


def _script_line(citation: Citation, language: str) -> str:
    return t(
        language,
        "check_item_script",
        title=escape(citation.title),
        doc_id=escape(citation.doc_id),
        version=citation.version,
        approved_by=escape(citation.approved_by),
        effective_from=citation.effective_from.isoformat(),
    )


def check_view(
    draft: str,
    result: CheckResult,
    language: str,
    *,
    scripts: Mapping[str, Citation] | None = None,
    finding_id: int | None = None,
) -> View:
    """The verdict on one draft; `scripts` are the current citations of suggested documents."""
    if result.ok:
        text = t(language, "check_clean")
        if result.mentions:
            quoted = dict.fromkeys(v.matched_text for v in result.mentions)
            phrases = ("、" if language == "zh" else ", ").join(
                f"「{user_text(q)}」" if language == "zh" else f"“{user_text(q)}”" for q in quoted
            )
            text = f"{text}\n{t(language, 'check_mentions', phrases=phrases)}"
        return View(text)
    scripts = scripts or {}
    blocks = [
        t(language, "check_flagged", count=len(result.violations)),  # every occurrence
        marked_draft(draft, result.violations),
    ]
    for number, group in enumerate(_groups(result.violations).values(), start=1):
        violation = group[0]
        item = t(
            language,
            "check_item",
            number=number,
            category=escape(violation.category.label(language)),
            matched=user_text(violation.matched_text),
            times=f" ×{len(group)}" if len(group) > 1 else "",
            suggestion=escape(violation.suggestion),
        )
        citation = scripts.get(violation.suggest_doc or "")
        if citation is not None:
            item += "\n" + _script_line(citation, language)
        blocks.append(item)
    if finding_id is not None:
        blocks.append(t(language, "check_recorded", finding_id=finding_id))
    return View("\n\n".join(blocks))


def usage_view(language: str) -> View:
    return View(escape(t(language, "check_usage")))
