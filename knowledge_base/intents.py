"""Out-of-scope intents by example (issue 15 §6): is the question a kind no approved text answers?

Some questions are out of reach of any knowledge base of approved texts, whatever it holds: a
forecast, a stock tip, a live quote, personal tax or legal advice, the manager's own HR matters.
The out-of-scope policy (knowledge_base/out_of_scope.py) refuses the ones its regular
expressions name; wording no pattern names reached the search, and a question like "what did
this fund return so far this year" lands, confidently, on the fund's product sheet.

`samples/out_of_scope_examples.yaml` lists examples of each intent and look-alikes that are in
scope (fees, product terms, processes, scripts for handling such requests). A question's two
closenesses — its best cosine with any out-of-scope example and with any in-scope one, both
embedded as queries — are refusal-model features (knowledge_base/calibration.py): the model
learns how far the first must lead the second. Measured leave-one-set-out over the eight
evaluation sets and on the held-out ninth (docs/benchmarks.md, tenth session).

The vectors are shipped for the default model (`samples/out_of_scope_vectors.npz`, written by
`scripts/background_vectors.py` with a digest of the texts); for any other model, or after the
examples change, they are embedded once per process.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from knowledge_base.background import (
    SAMPLES,
    BackgroundMap,
    compute,
    per_model,
    read_shipped,
    save,
)
from retrieval import Embedder

EXAMPLES_FILE = SAMPLES / "out_of_scope_examples.yaml"
VECTORS_FILES = (SAMPLES / "out_of_scope_vectors.npz", SAMPLES / "in_scope_vectors.npz")


@dataclass(frozen=True)
class Examples:
    """The examples of every out-of-scope intent (by category) and the in-scope look-alikes."""

    categories: dict[str, tuple[str, ...]]
    in_scope: tuple[str, ...]

    @property
    def out_of_scope(self) -> tuple[str, ...]:
        return tuple(text for texts in self.categories.values() for text in texts)


def load_examples(path: Path | None = None) -> Examples:
    """Read the examples file; ValueError names what is wrong with a malformed one."""
    file = path or EXAMPLES_FILE
    data = yaml.safe_load(file.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("categories"), dict):
        raise ValueError(f"{file}: expected 'categories' (a mapping) and 'in_scope' (a list)")

    def texts(value: object, where: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not value:
            raise ValueError(f"{file}: {where} must be a non-empty list of questions")
        if not all(isinstance(v, str) and v.strip() for v in value):
            raise ValueError(f"{file}: {where} holds an empty or non-text entry")
        return tuple(v.strip() for v in value)

    categories = {str(k): texts(v, f"category {k}") for k, v in data["categories"].items()}
    return Examples(categories, texts(data.get("in_scope"), "in_scope"))


@dataclass(frozen=True)
class IntentMap:
    """Unit vectors of the out-of-scope examples and of the in-scope look-alikes."""

    out_of_scope: BackgroundMap
    in_scope: BackgroundMap

    def closeness(self, question: np.ndarray) -> tuple[float, float]:
        """(best cosine with an out-of-scope example, best cosine with an in-scope one)."""
        return self.out_of_scope.closeness(question), self.in_scope.closeness(question)


def compute_map(embedder: Embedder, examples: Examples) -> IntentMap:
    return IntentMap(compute(embedder, examples.out_of_scope), compute(embedder, examples.in_scope))


def save_map(intents: IntentMap, examples: Examples) -> None:
    save(intents.out_of_scope, examples.out_of_scope, VECTORS_FILES[0])
    save(intents.in_scope, examples.in_scope, VECTORS_FILES[1])


def read_shipped_map(model_id: str, examples: Examples) -> IntentMap | None:
    """The shipped vectors when they were computed by this model for these examples."""
    out = read_shipped(model_id, examples.out_of_scope, VECTORS_FILES[0])
    inside = read_shipped(model_id, examples.in_scope, VECTORS_FILES[1])
    return IntentMap(out, inside) if out is not None and inside is not None else None


_maps: dict[str, IntentMap] = {}


def intents_for(embedder: Embedder) -> IntentMap:
    """The process's map for this embedder: shipped vectors when they fit, else embedded once."""

    def build() -> IntentMap:
        examples = load_examples()
        return read_shipped_map(embedder.model_id, examples) or compute_map(embedder, examples)

    return per_model(_maps, embedder, build)
