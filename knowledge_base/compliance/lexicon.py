"""The compliance-curated banned-phrase lexicon: a YAML file loaded into frozen dataclasses.

Validation is strict: a typo in a category, a bad regex or a missing suggestion fails the load
with the file name, the entry number and its line, rather than silently weakening the check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

import yaml

from knowledge_base.compliance.normalize import TextFolder


class Category(StrEnum):
    """Why a phrase is banned."""

    PROMISED_RETURNS = "promised_returns"
    GUARANTEED_PRINCIPAL = "guaranteed_principal"
    PERFORMANCE_PREDICTION = "performance_prediction"
    INDUCEMENT = "inducement"
    CLIENT_INFORMATION_DISCLOSURE = "client_information_disclosure"

    def label(self, language: str = "zh") -> str:
        """A short human name for the category, Chinese by default."""
        zh, en = _CATEGORY_LABELS[self]
        return en if language == "en" else zh


_CATEGORY_LABELS: dict[Category, tuple[str, str]] = {
    Category.PROMISED_RETURNS: ("承诺收益", "Promised returns"),
    Category.GUARANTEED_PRINCIPAL: ("承诺保本", "Guaranteed principal"),
    Category.PERFORMANCE_PREDICTION: ("预测业绩", "Performance prediction"),
    Category.INDUCEMENT: ("不当诱导", "Inducement"),
    Category.CLIENT_INFORMATION_DISCLOSURE: ("泄露客户信息", "Client information disclosure"),
}


class MatchType(StrEnum):
    """How an entry's phrase is matched against a draft."""

    EXACT = "exact"  # verbatim substring of the original text
    NORMALIZED = "normalized"  # robust to spacing, punctuation, width, traditional, case
    REGEX = "regex"  # Python regex on the folded text (simplified, casefolded, NFKC)


LANGUAGES = ("zh", "en")


class LexiconError(ValueError):
    """The lexicon file is missing, unreadable or invalid; the message says where."""


@dataclass(frozen=True, slots=True)
class LexiconEntry:
    """One banned phrase (or pattern) with its category and the compliant alternative."""

    phrase: str
    category: Category
    match: MatchType
    language: str
    suggestion: str
    suggest_doc: str | None = None
    exceptions: tuple[str, ...] = ()
    # Shown instead of ``phrase`` in results; useful for regexes ("保证年化X%").
    label: str | None = None
    # Regex only: also match with spaces/punctuation/emoji removed (off for number patterns).
    loose: bool = True
    line: int = 0

    @property
    def display(self) -> str:
        """What a user sees as the offending phrase."""
        return self.label or self.phrase


@dataclass(frozen=True, slots=True)
class Lexicon:
    """A validated lexicon file."""

    entries: tuple[LexiconEntry, ...]
    source: str = "<string>"
    version: int | None = None
    approved_by: str | None = None
    effective_from: date | None = None


_TOP_KEYS = frozenset({"id", "version", "approved_by", "effective_from", "description", "entries"})
_REQUIRED = ("phrase", "category", "match", "language", "suggestion")
_OPTIONAL = frozenset({"suggest_doc", "exceptions", "label", "loose"})
_DOC_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_E = TypeVar("_E", bound=StrEnum)
# libyaml's safe loader when present: ten times faster than the pure-Python one.
_YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def default_lexicon_path() -> Path:
    """The lexicon shipped with the project (knowledge_base/samples/lexicon.yaml)."""
    return Path(__file__).resolve().parent.parent / "samples" / "lexicon.yaml"


def load_lexicon(path: str | Path) -> Lexicon:
    """Read and validate a lexicon YAML file; raise LexiconError naming file, entry and line."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise LexiconError(f"{source}: cannot read the lexicon ({exc})") from exc
    return parse_lexicon(text, source=str(source))


def parse_lexicon(text: str, *, source: str = "<string>") -> Lexicon:
    """Validate lexicon YAML given as a string (``source`` names it in error messages)."""
    try:
        root = yaml.compose(text, Loader=_YAML_LOADER)
        data = yaml.load(text, Loader=_YAML_LOADER)  # a safe loader, see _YAML_LOADER
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise LexiconError(f"{source}: invalid YAML{where}: {exc}") from exc
    if not isinstance(data, dict):
        raise LexiconError(f"{source}: expected a mapping with an 'entries' list at the top")
    unknown = sorted(k for k in map(str, data) if k not in _TOP_KEYS and not k.startswith("x-"))
    if unknown:
        raise LexiconError(f"{source}: unknown top-level key(s): {', '.join(unknown)}")
    raw_entries = data.get("entries")
    if not isinstance(raw_entries, list) or not raw_entries:
        raise LexiconError(f"{source}: 'entries' must be a non-empty list")
    lines = _entry_lines(root)
    folder = TextFolder()
    entries = tuple(
        _parse_entry(raw, _Where(source, index, lines[index - 1] if index <= len(lines) else 0))
        for index, raw in enumerate(raw_entries, start=1)
    )
    for index, entry in enumerate(entries, start=1):
        _check_normalises(entry, folder, _Where(source, index, entry.line))
    _check_duplicates(entries, folder, source)
    version = data.get("version")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        raise LexiconError(f"{source}: 'version' must be an integer")
    effective = data.get("effective_from")
    if effective is not None and not isinstance(effective, date):
        raise LexiconError(f"{source}: 'effective_from' must be a date (YYYY-MM-DD)")
    approved_by = data.get("approved_by")
    return Lexicon(
        entries=entries,
        source=source,
        version=version,
        approved_by=None if approved_by is None else str(approved_by),
        effective_from=effective,
    )


@dataclass(frozen=True, slots=True)
class _Where:
    source: str
    index: int
    line: int

    def error(self, message: str) -> LexiconError:
        at = f" (line {self.line})" if self.line else ""
        return LexiconError(f"{self.source}: entry {self.index}{at}: {message}")


def _entry_lines(root: yaml.Node | None) -> list[int]:
    """1-based start line of each item of the top-level 'entries' sequence."""
    if not isinstance(root, yaml.MappingNode):
        return []
    for key, value in root.value:
        if (
            isinstance(key, yaml.ScalarNode)
            and key.value == "entries"
            and isinstance(value, yaml.SequenceNode)
        ):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def _parse_entry(raw: Any, where: _Where) -> LexiconEntry:
    if not isinstance(raw, dict):
        raise where.error("expected a mapping with phrase, category, match, language, suggestion")
    keys = {str(k) for k in raw}
    unknown = sorted(keys - set(_REQUIRED) - _OPTIONAL)
    if unknown:
        raise where.error(f"unknown field(s): {', '.join(unknown)}")
    missing = [k for k in _REQUIRED if raw.get(k) in (None, "")]
    if missing:
        raise where.error(f"missing field(s): {', '.join(missing)}")
    phrase = _string(raw, "phrase", where)
    category = _choice(raw, "category", Category, where)
    match = _choice(raw, "match", MatchType, where)
    language = _string(raw, "language", where)
    if language not in LANGUAGES:
        raise where.error(f"unknown language {language!r} (expected one of: zh, en)")
    suggestion = _string(raw, "suggestion", where).strip()
    suggest_doc = raw.get("suggest_doc")
    if suggest_doc is not None:
        suggest_doc = _string(raw, "suggest_doc", where)
        if not _DOC_ID.fullmatch(suggest_doc):
            raise where.error(f"suggest_doc {suggest_doc!r} is not a document id")
    label = raw.get("label")
    if label is not None:
        label = _string(raw, "label", where)
    exceptions = raw.get("exceptions", [])
    if not isinstance(exceptions, list) or not all(
        isinstance(x, str) and x.strip() for x in exceptions
    ):
        raise where.error("exceptions must be a list of non-empty strings")
    loose = raw.get("loose", True)
    if not isinstance(loose, bool):
        raise where.error("loose must be true or false")
    if "loose" in raw and match is not MatchType.REGEX:
        raise where.error("loose only applies to regex entries")
    if match is MatchType.REGEX:
        _check_regex(phrase, where)
    return LexiconEntry(
        phrase=phrase,
        category=category,
        match=match,
        language=language,
        suggestion=suggestion,
        suggest_doc=suggest_doc,
        exceptions=tuple(exceptions),
        label=label,
        loose=loose,
        line=where.line,
    )


def _string(raw: dict[str, Any], key: str, where: _Where) -> str:
    value = raw[key]
    if not isinstance(value, str) or not value.strip():
        raise where.error(f"{key} must be a non-empty string")
    return value


def _choice(raw: dict[str, Any], key: str, enum: type[_E], where: _Where) -> _E:
    value = raw[key]
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise where.error(f"unknown {key} {value!r} (expected one of: {allowed})") from None


def _check_regex(pattern: str, where: _Where) -> None:
    try:
        compiled = re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise where.error(f"invalid regex {pattern!r}: {exc}") from None
    if compiled.search("") is not None:
        raise where.error(f"regex {pattern!r} matches the empty string")


def _check_normalises(entry: LexiconEntry, folder: TextFolder, where: _Where) -> None:
    """Reject entries that can never match the way the checker folds text."""
    if entry.match is MatchType.REGEX:
        # The text is folded to NFKC simplified Chinese before matching; a pattern written
        # with traditional or full-width characters would silently never match.
        canonical = "".join(
            folder.fold_char(ch)[0] if ch >= "\u2e80" else ch for ch in entry.phrase
        )
        if canonical != entry.phrase:
            raise where.error(
                f"regex {entry.phrase!r} has traditional or full-width characters; "
                f"write it as {canonical!r}"
            )
    if entry.match is MatchType.NORMALIZED:
        compact = folder.compact(entry.phrase)
        if not compact:
            raise where.error(f"phrase {entry.phrase!r} has no letters or digits to match")
        for exception in entry.exceptions:
            if compact not in folder.compact(exception):
                raise where.error(
                    f"exception {exception!r} does not contain the phrase {entry.phrase!r}"
                )
    if entry.match is MatchType.EXACT:
        for exception in entry.exceptions:
            if entry.phrase not in exception:
                raise where.error(
                    f"exception {exception!r} does not contain the phrase {entry.phrase!r}"
                )
    for exception in entry.exceptions:
        if not folder.tight(exception):
            raise where.error(f"exception {exception!r} has nothing to match")


def _check_duplicates(entries: tuple[LexiconEntry, ...], folder: TextFolder, source: str) -> None:
    seen: dict[tuple[MatchType, str], int] = {}
    for index, entry in enumerate(entries, start=1):
        key_text = entry.phrase
        if entry.match is MatchType.NORMALIZED:
            key_text = folder.compact(entry.phrase)
        key = (entry.match, key_text)
        if key in seen:
            first = seen[key]
            raise _Where(source, index, entry.line).error(
                f"phrase {entry.phrase!r} duplicates entry {first} "
                f"({entries[first - 1].phrase!r}) once normalised"
            )
        seen[key] = index
