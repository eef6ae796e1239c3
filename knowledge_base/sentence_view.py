"""The sentence view: how close the question comes to any single sentence of a document.

A document's chunks (a section each, with its title, heading and tags) say what the document is
about; whether it holds the one fact a question asks for — a fee, a deadline, a threshold —
sits in one sentence. Each approved text's body is cut into sentence-sized units (at most
SENTENCE_CHARS characters, cut only at sentence or line ends: retrieval.chunk_markdown) and
embedded on its own by the first view's model, without title or heading, so the unit's own
wording decides. A question's sentence score for a document is its best cosine with any of the
document's units (the question vector the search already made).

The learned ranker reads it as a feature ("sentence"); measured leave-one-set-out over the
eight independent sets (bench/kb_eval.py, docs/benchmarks.md, issue 15): top-1 0.877 → 0.891,
MRR@5 0.914 → 0.923, answered right 0.830 → 0.853. The refusal model can read it too
(calibration.FEATURES); the shipped one does not (no gain, and off-topic questions answered).

Vectors are kept beside the search index (`sentences.npz`, keyed by model and unit text, as the
second view keeps its own), so a restart or a re-index embeds only new or changed text.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from knowledge_base.second_view import SecondViewIndex, build_index
from retrieval import Embedder, Passage, chunk_markdown

VECTORS_FILE = "sentences.npz"
SENTENCE_CHARS = 80  # a unit's longest; 50 / 80 / 120 compared in docs/benchmarks.md


class Text(Protocol):
    """What the view reads of an approved text (knowledge_base.curation.ApprovedText)."""

    @property
    def doc_id(self) -> str: ...
    @property
    def version(self) -> int: ...
    @property
    def body(self) -> str: ...


def sentence_passages(texts: Sequence[Text], *, max_chars: int = SENTENCE_CHARS) -> list[Passage]:
    """Each text's body as sentence-sized units, one passage each, tagged with the document."""
    passages: list[Passage] = []
    for text in texts:
        units = (c.text.strip() for c in chunk_markdown(text.body, max_chars=max_chars))
        passages.extend(
            Passage(
                f"{text.doc_id}@{text.version}~{index}",
                unit,
                {"doc_id": text.doc_id, "version": text.version},
            )
            for index, unit in enumerate(u for u in units if u)
        )
    return passages


def build_sentence_index(
    embedder: Embedder, texts: Sequence[Text], directory: Path | None
) -> SecondViewIndex:
    """The units' vectors, reusing those kept in `directory` (None: nothing kept)."""
    return build_index(
        embedder, sentence_passages(texts), directory / VECTORS_FILE if directory else None
    )
