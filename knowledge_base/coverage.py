"""Concept coverage: does the best document talk about what the question is about?

A question names glossary concepts (knowledge_base/glossary.py). A concept is *distinctive*
unless the glossary marks it `generic` (the setting of a question — 客户, 账户, 开户, 基金 —
rather than its topic). If a question names a distinctive concept (期权, 新三板, 融资利率, …) and
a document mentions none of that concept's terms anywhere (title, tags or body), the document
does not cover the question, however close its wording: an approved text about margin
eligibility is not an answer about options accounts or about the margin interest rate.

Documents are checked by exact spelling only (`Glossary.mentions`); their concepts are computed
once per index build, with their lexical tokens for `lexical_coverage` (the share of the
question's tokens — CJK bigrams and words, as BM25 sees them — that occur in the document).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from knowledge_base.glossary import Glossary, GlossaryEntry
from retrieval import tokenize


@dataclass(frozen=True)
class CoverageIndex:
    """The concepts and tokens of each document (doc_id, version), for one glossary."""

    glossary: Glossary
    documents: Mapping[tuple[str, int], frozenset[GlossaryEntry]]
    tokens: Mapping[tuple[str, int], frozenset[str]]
    # in how many documents each token occurs (for `weighted_coverage`)
    frequency: Mapping[str, int] = field(default_factory=dict)
    # the documents that carry approved similar questions (their scores run higher: a question
    # is closer to another question than to any passage; the refusal model reads it)
    questioned: frozenset[tuple[str, int]] = frozenset()

    @classmethod
    def build(
        cls,
        glossary: Glossary,
        texts: Iterable[tuple[str, int, str]],
        questioned: Iterable[tuple[str, int]] = (),
    ) -> CoverageIndex:
        """`texts` yields (doc_id, version, searchable text: title, tags and body);
        `questioned` names the documents with approved similar questions."""
        concepts: dict[tuple[str, int], frozenset[GlossaryEntry]] = {}
        tokens: dict[tuple[str, int], frozenset[str]] = {}
        for doc, version, text in texts:
            concepts[(doc, version)] = frozenset(glossary.mentions(text))
            tokens[(doc, version)] = frozenset(tokenize(text))
        frequency = Counter(t for words in tokens.values() for t in words)
        return cls(glossary, concepts, tokens, dict(frequency), frozenset(questioned))

    def weight(self, token: str) -> float:
        """Inverse document frequency of a token in this knowledge base; a token no document
        uses weighs the most (it names something the knowledge base may not be about)."""
        n = len(self.tokens)
        return math.log((n + 1) / (self.frequency.get(token, 0) + 0.5))

    def weighted_coverage(self, words: frozenset[str], doc_id: str, version: int) -> float | None:
        """Like `lexical_coverage`, each token weighted by its rarity in the knowledge base:
        a question whose rare words the document lacks (an unknown product's name) scores low
        even when its everyday words all occur."""
        known = self.tokens.get((doc_id, version))
        if not words or known is None:
            return None
        total = sum(self.weight(t) for t in words)
        return sum(self.weight(t) for t in words & known) / total if total > 0 else None

    def unknown_share(self, words: frozenset[str]) -> float | None:
        """Weighted share of the question's tokens that no document of the knowledge base
        contains."""
        if not words or not self.tokens:
            return None
        total = sum(self.weight(t) for t in words)
        unknown = sum(self.weight(t) for t in words if t not in self.frequency)
        return unknown / total if total > 0 else None

    def distinctive(self, question: str) -> tuple[GlossaryEntry, ...]:
        """The non-generic concepts the question names by their exact spelling (a listed
        term, typo or code). Pinyin repair is left to search: a homophone guess (起购 → 弃购)
        must not veto an answer."""
        return tuple(e for e in self.glossary.mentions(question) if not e.generic)

    def uncovered(
        self, concepts: Iterable[GlossaryEntry], doc_id: str, version: int
    ) -> tuple[str, ...]:
        """Canonical terms of the given concepts the document never mentions. An unknown
        document (indexed without coverage data) counts as covering everything."""
        mentioned = self.documents.get((doc_id, version))
        if mentioned is None:
            return ()
        return tuple(e.canonical for e in concepts if e not in mentioned)

    def lexical_coverage(
        self, question: str | frozenset[str], doc_id: str, version: int
    ) -> float | None:
        """Share of the question's distinct tokens found in the document (None: unknown
        document or a question without tokens). Ranking many documents for one question,
        pass `question_tokens(question)` instead of the text to tokenize it once."""
        words = question if isinstance(question, frozenset) else question_tokens(question)
        known = self.tokens.get((doc_id, version))
        if not words or known is None:
            return None
        return len(words & known) / len(words)


def question_tokens(question: str) -> frozenset[str]:
    """The distinct search tokens of a question, as lexical_coverage compares them."""
    return frozenset(tokenize(question))


def document_text(title: str, tags: Iterable[str], body: str) -> str:
    """What coverage looks at: title, curated tags and the whole body."""
    return "\n".join([title, " ".join(tags), body])
