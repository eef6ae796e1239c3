"""Views of /ask: a cited approved answer, an alternative section, "no approved answer", and
the suitability warning with its risk disclosure. A question about a client (named or in
context) says so first, and a business above her level is warned of above the approved script
(handlers/render/suitability.py)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from crm.suitability import Suitability
from handlers.buttons_ask import AlternativeButton, FeedbackButton, GapButton
from handlers.i18n import t
from handlers.render import Button, View
from handlers.render.suitability import (
    BusinessWarning,
    ClientInContext,
    about_client_line,
    business_warning_line,
)
from knowledge_base.answering import Citation
from knowledge_base.asking import ApprovedSection

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^(\s*)[-*+]\s+")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
BUTTON_TITLE_CHARS = 24


@dataclass(frozen=True)
class SuitabilityNote:
    """The client in context is not suited to the product: who, the verdict, the disclosure."""

    client_name: str
    verdict: Suitability
    disclosure: ApprovedSection | None


def approved_markdown(text: str) -> str:
    """Approved Markdown as Telegram HTML: escaped, headings bold, bullets as •, **bold**."""
    lines: list[str] = []
    for raw in text.strip().splitlines():
        heading = _HEADING.match(raw)
        if heading:
            lines.append(f"<b>{escape(heading.group(1))}</b>")
            continue
        bullet = _BULLET.match(raw)
        line = escape(raw[bullet.end() :] if bullet else raw)
        line = _BOLD.sub(r"<b>\1</b>", line)
        lines.append(f"{bullet.group(1)}• {line}" if bullet else line)
    return "\n".join(lines)


def citation_text(citation: Citation, language: str) -> str:
    return t(
        language,
        "ask_citation",
        doc_id=escape(citation.doc_id),
        version=citation.version,
        approved_by=escape(citation.approved_by),
        effective_from=citation.effective_from.isoformat(),
    )


def _section_block(section: ApprovedSection, language: str) -> str:
    heading = f"📘 <b>{escape(section.title)}</b>"
    if section.section:
        heading += f" · {escape(section.section)}"
    return "\n".join(
        [
            heading,
            "",
            approved_markdown(section.text),
            "",
            f"<i>{citation_text(section.citation, language)}</i>",
        ]
    )


def _suitability_block(note: SuitabilityNote, language: str) -> str:
    verdict = note.verdict
    parts = [
        t(
            language,
            "ask_suitability_warning",
            client=escape(note.client_name),
            client_risk=verdict.client_risk,
            max_risk=verdict.max_product_risk,
            product_risk=verdict.product_risk,
        )
    ]
    if note.disclosure is None:
        parts.append(t(language, "ask_disclosure_missing", product_risk=verdict.product_risk))
    else:
        parts.append(t(language, "ask_disclosure_title", product_risk=verdict.product_risk))
        parts.append(approved_markdown(note.disclosure.text))
        parts.append(f"<i>{citation_text(note.disclosure.citation, language)}</i>")
    return "\n\n".join(parts)


def _short(title: str) -> str:
    return title if len(title) <= BUTTON_TITLE_CHARS else title[: BUTTON_TITLE_CHARS - 1] + "…"


def _feedback_row(section: ApprovedSection, language: str) -> tuple[Button, ...]:
    try:
        up = FeedbackButton("up", section.doc_id, section.version).pack()
        down = FeedbackButton("down", section.doc_id, section.version).pack()
    except ValueError:  # an id too long for 64 bytes: no feedback buttons rather than a crash
        return ()
    return (
        Button(t(language, "btn_ask_helpful"), up),
        Button(t(language, "btn_ask_unhelpful"), down),
    )


def section_view(
    section: ApprovedSection,
    language: str,
    *,
    alternatives: Sequence[ApprovedSection] = (),
    suitability: SuitabilityNote | None = None,
    truncated_at: int | None = None,
    client: ClientInContext | None = None,
    business: BusinessWarning | None = None,
    uncertain_of: int | None = None,
) -> View:
    """An approved section with its citation, a suitability warning if any, and buttons:
    one per alternative document, then 👍/👎. The client it is about and a business warning
    come first. `uncertain_of`: the id of the question message when the answer is given as
    uncertain (the closest approved text may not be on the question): the section is shown
    under a caveat, and 「提交给合规」 follows the buttons."""
    blocks = []
    if truncated_at is not None:
        blocks.append(t(language, "ask_truncated", limit=truncated_at))
    if client is not None:
        blocks.append(about_client_line(client, language))
    if business is not None:
        blocks.append(business_warning_line(business, language))
    if uncertain_of is not None:  # the related texts are offered only when there are some
        blocks.append(t(language, "ask_uncertain" if alternatives else "ask_uncertain_alone"))
    blocks.append(_section_block(section, language))
    if suitability is not None:
        blocks.append(_suitability_block(suitability, language))
    rows: list[tuple[Button, ...]] = []
    for alternative in alternatives:
        try:
            data = AlternativeButton(
                alternative.doc_id, alternative.version, alternative.key
            ).pack()
        except ValueError:
            continue
        label = t(language, "btn_ask_alternative", title=_short(alternative.title))
        rows.append((Button(label, data),))
    feedback = _feedback_row(section, language)
    if feedback:
        rows.append(feedback)
    if uncertain_of is not None:
        rows.append((_gap_button(uncertain_of, language),))
    return View("\n\n".join(blocks), tuple(rows))


def _gap_button(question_id: int, language: str) -> Button:
    return Button(t(language, "btn_ask_gap"), GapButton(question_id).pack())


def no_answer_view(
    question_id: int,
    language: str,
    *,
    truncated_at: int | None = None,
    client: ClientInContext | None = None,
    out_of_scope: str | None = None,
) -> View:
    """Say plainly there is no approved answer, and why when the firm's policy never answers
    such a question from scripts (`out_of_scope`: the policy's reason, in the manager's
    language: a forecast, a stock pick, a live quote); offer to send the question to
    compliance (a policy that misread her question is theirs to see)."""
    text = (
        t(language, "ask_no_answer")
        if out_of_scope is None
        else t(language, "ask_out_of_scope", reason=escape(out_of_scope))
    )
    if client is not None:
        text = f"{about_client_line(client, language)}\n\n{text}"
    if truncated_at is not None:
        text = f"{t(language, 'ask_truncated', limit=truncated_at)}\n\n{text}"
    return View(text, ((_gap_button(question_id, language),),))


def gap_submitted_text(gap_id: int, language: str, *, new: bool) -> str:
    return t(language, "ask_gap_submitted" if new else "ask_gap_already", gap_id=gap_id)


def usage_view(language: str) -> View:
    return View(escape(t(language, "ask_usage")))
