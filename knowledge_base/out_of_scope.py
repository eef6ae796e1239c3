"""Out-of-scope policy: question intents the firm never answers from approved scripts.

Compliance-curated data (knowledge_base/samples/out_of_scope.yaml), like the lexicon: each
category (forecast, stock_pick, live_quote, …) has regex `patterns`, an optional `unless`
(category-only exemptions) and the reason shown to the manager. Global `exempt` patterns let
through questions about how to handle such a request or about the rule itself ("客户问会不会涨，
怎么回答" is a talking-points question). Patterns run on the folded question (NFKC, traditional →
simplified, lower case), the same folding as search.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from retrieval import normalize

_CATEGORY = re.compile(r"[a-z][a-z0-9_]*")
_CATEGORY_KEYS = {"category", "reason_zh", "reason_en", "patterns", "unless"}


def default_policy_path() -> Path:
    """The sample policy shipped with the sample knowledge base."""
    return Path(__file__).resolve().parent / "samples" / "out_of_scope.yaml"


class OutOfScopeError(ValueError):
    """The policy file is malformed; `problems` lists every problem found."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class OutOfScopeCategory:
    """One intent the firm never answers from scripts, with the reason the manager sees."""

    category: str
    reason_zh: str
    reason_en: str
    patterns: tuple[re.Pattern[str], ...]
    unless: tuple[re.Pattern[str], ...] = ()

    def reason(self, language: str = "zh") -> str:
        return self.reason_en if language == "en" else self.reason_zh


@dataclass(frozen=True)
class OutOfScopeMatch:
    """Why a question is out of scope: its category and the text that matched."""

    category: OutOfScopeCategory
    matched: str

    @property
    def code(self) -> str:
        """The reason code recorded with the answer and the content gap."""
        return f"out_of_scope:{self.category.category}"


class OutOfScopePolicy:
    """Classifies questions against the policy; read-only once built (thread-safe)."""

    def __init__(
        self, categories: Sequence[OutOfScopeCategory], exempt: Sequence[re.Pattern[str]] = ()
    ) -> None:
        self.categories = tuple(categories)
        self.exempt = tuple(exempt)

    def __len__(self) -> int:
        return len(self.categories)

    def classify(self, question: str) -> OutOfScopeMatch | None:
        """The first category the question falls in, or None (also None when exempt)."""
        folded = normalize(question)
        if any(p.search(folded) for p in self.exempt):
            return None
        for category in self.categories:
            if any(p.search(folded) for p in category.unless):
                continue
            for pattern in category.patterns:
                found = pattern.search(folded)
                if found:
                    return OutOfScopeMatch(category, found.group(0))
        return None


NO_POLICY = OutOfScopePolicy(())


def _patterns(value: object, where: str, problems: list[str]) -> tuple[re.Pattern[str], ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        problems.append(f"{where}: expected a list of regular expressions")
        return ()
    compiled = []
    for text in value:
        try:
            compiled.append(re.compile(text))
        except re.error as exc:
            problems.append(f"{where}: bad pattern {text!r}: {exc}")
    return tuple(compiled)


def parse_policy(data: object, source: str = "out_of_scope") -> OutOfScopePolicy:
    """Build the policy from parsed YAML; OutOfScopeError lists every problem."""
    if not isinstance(data, dict) or not isinstance(data.get("categories"), list):
        raise OutOfScopeError([f"{source}: expected a mapping with a 'categories' list"])
    problems: list[str] = []
    unknown_top = sorted(set(data) - {"exempt", "categories"})
    if unknown_top:
        problems.append(f"{source}: unknown keys {', '.join(map(str, unknown_top))}")
    exempt = _patterns(data.get("exempt"), f"{source}: exempt", problems)
    categories: list[OutOfScopeCategory] = []
    seen: set[str] = set()
    for number, item in enumerate(data["categories"], start=1):
        where = f"{source}: category {number}"
        if not isinstance(item, dict):
            problems.append(f"{where}: expected a mapping")
            continue
        unknown = sorted(set(item) - _CATEGORY_KEYS)
        if unknown:
            problems.append(f"{where}: unknown keys {', '.join(map(str, unknown))}")
        name = str(item.get("category", ""))
        if not _CATEGORY.fullmatch(name):
            problems.append(f"{where}: category must be a lower-case identifier, got {name!r}")
        elif name in seen:
            problems.append(f"{where}: duplicate category {name}")
        seen.add(name)
        reasons = {}
        for key in ("reason_zh", "reason_en"):
            value = item.get(key)
            if not isinstance(value, str) or not value.strip():
                problems.append(f"{where}: {key} is required")
                value = ""
            reasons[key] = value.strip()
        patterns = _patterns(item.get("patterns"), f"{where}: patterns", problems)
        if not patterns:
            problems.append(f"{where}: needs at least one pattern")
        unless = _patterns(item.get("unless"), f"{where}: unless", problems)
        categories.append(
            OutOfScopeCategory(name, reasons["reason_zh"], reasons["reason_en"], patterns, unless)
        )
    if problems:
        raise OutOfScopeError(problems)
    return OutOfScopePolicy(categories, exempt)


def load_policy(path: Path | None = None) -> OutOfScopePolicy:
    """Read a policy YAML file (the sample one by default)."""
    file = path or default_policy_path()
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise OutOfScopeError([f"{file}: {exc}"]) from exc
    return parse_policy(data, str(file))
