"""Views of /lexicon: a page of the lexicon in force (each entry with its category and
compliant wording, a 🗑 per entry), the prompts of adding and retiring, and what was done."""

from __future__ import annotations

from html import escape

from handlers.i18n import t
from handlers.lexicon_buttons import LexiconAction
from handlers.render import Button, View, user_text
from knowledge_base.compliance import Category
from knowledge_base.compliance.lexicon_edit import (
    CATEGORIES,
    LexiconChange,
    LexiconInputError,
    LexiconLine,
    LexiconState,
)

PAGE_SIZE = 10
SUGGESTION_SHOWN = 60
RETIRE_PER_ROW = 5


def _short(text: str, limit: int = SUGGESTION_SHOWN) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _line(number: int, entry: LexiconLine, language: str) -> str:
    return t(
        language,
        "lexicon_line",
        number=number,
        phrase=user_text(entry.phrase),
        category=entry.category.label(language),
        suggestion=user_text(_short(entry.suggestion)),
    )


def _origin(state: LexiconState, language: str) -> str:
    if state.stored_id is None or state.loaded_at is None:
        return t(language, "lexicon_origin_shipped")
    return t(
        language,
        "lexicon_origin_stored",
        by=escape(state.loaded_by or ""),
        day=state.loaded_at.date().isoformat(),
    )


def _retire_rows(
    numbered: list[tuple[int, LexiconLine]], language: str
) -> list[tuple[Button, ...]]:
    buttons = [
        Button(t(language, "lexicon_btn_retire", number=n), LexiconAction("r", e.key).pack())
        for n, e in numbered
    ]
    return [tuple(buttons[i : i + RETIRE_PER_ROW]) for i in range(0, len(buttons), RETIRE_PER_ROW)]


def _add_row(language: str) -> tuple[Button, ...]:
    return (Button(t(language, "lexicon_btn_add"), LexiconAction("a", "0").pack()),)


def lexicon_view(state: LexiconState, language: str, page: int = 0) -> View:
    """One page of the lexicon in force."""
    entries = state.entries
    pages = max(1, -(-len(entries) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    numbered = list(enumerate(entries, start=1))[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    page_text = t(language, "lexicon_page", page=page + 1, pages=pages) if pages > 1 else ""
    version = state.version if state.version is not None else "—"
    lines = [
        t(language, "lexicon_title", version=version, count=len(entries), page=page_text),
        _origin(state, language),
        "",
        *(_line(number, entry, language) for number, entry in numbered),
        "",
        t(language, "lexicon_hint"),
    ]
    rows = _retire_rows(numbered, language)
    paging: list[Button] = []
    if page > 0:
        data = LexiconAction("p", str(page - 1)).pack()
        paging.append(Button(t(language, "lexicon_btn_prev"), data))
    if page < pages - 1:
        data = LexiconAction("p", str(page + 1)).pack()
        paging.append(Button(t(language, "lexicon_btn_next"), data))
    if paging:
        rows.append(tuple(paging))
    rows.append(_add_row(language))
    return View("\n".join(lines), tuple(rows))


def found_view(state: LexiconState, query: str, language: str) -> View:
    """The entries whose phrase or wording contains `query` (the first page of them)."""
    folded = query.casefold()
    hits = [
        (number, entry)
        for number, entry in enumerate(state.entries, start=1)
        if folded in entry.phrase.casefold() or folded in entry.suggestion.casefold()
    ]
    if not hits:
        return View(
            t(language, "lexicon_found_none", query=user_text(query)), (_add_row(language),)
        )
    shown = hits[:PAGE_SIZE]
    more = t(language, "lexicon_found_shown", shown=len(shown)) if len(hits) > len(shown) else ""
    lines = [
        t(language, "lexicon_found", query=user_text(query), count=len(hits), shown=more),
        "",
        *(_line(number, entry, language) for number, entry in shown),
    ]
    return View("\n".join(lines), (*_retire_rows(shown, language), _add_row(language)))


def usage_view(language: str) -> View:
    return View(escape(t(language, "lexicon_usage")))


def ask_phrase_view(language: str, limit: int) -> View:
    return View(escape(t(language, "lexicon_ask_phrase", limit=limit)))


def ask_category_view(phrase: str, language: str) -> View:
    """Which category: one button per category."""
    rows = tuple(
        (Button(f"{n}. {c.label(language)}", LexiconAction("c", str(n)).pack()),)
        for n, c in enumerate(CATEGORIES, start=1)
    )
    return View(t(language, "lexicon_ask_category", phrase=user_text(phrase)), rows)


def ask_suggestion_view(phrase: str, category: Category, language: str, limit: int) -> View:
    return View(
        t(
            language,
            "lexicon_ask_suggestion",
            phrase=user_text(phrase),
            category=category.label(language),
            limit=limit,
        )
    )


def ask_reason_view(entry: LexiconLine, language: str) -> View:
    return View(
        t(
            language,
            "lexicon_ask_reason",
            phrase=user_text(entry.phrase),
            category=entry.category.label(language),
        )
    )


def change_view(change: LexiconChange, language: str) -> View:
    """What was done, and that it is in force."""
    entry = change.entry
    values = {
        "version": change.version,
        "phrase": user_text(entry.phrase),
        "category": entry.category.label(language),
    }
    if change.action == "added":
        return View(
            t(language, "lexicon_done_added", suggestion=user_text(entry.suggestion), **values)
        )
    return View(t(language, "lexicon_done_retired", reason=user_text(change.reason), **values))


def input_error_text(exc: LexiconInputError, language: str) -> str:
    """The short reply to input that cannot go into the lexicon."""
    return t(language, f"lexicon_{exc.problem}", limit=exc.limit, existing=user_text(exc.existing))


def gone_text(language: str) -> str:
    return t(language, "lexicon_gone")
