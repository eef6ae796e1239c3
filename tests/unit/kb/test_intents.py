"""The out-of-scope examples (knowledge_base/intents.py): one list per category of the
out-of-scope policy plus in-scope look-alikes; malformed files are named; a question's two
closenesses are its best cosines with each list; a missing one reads as the fitted mean."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from knowledge_base.answering import RankedResult
from knowledge_base.background import BackgroundMap
from knowledge_base.calibration import RefusalModel, feature_values
from knowledge_base.intents import IntentMap, load_examples
from knowledge_base.out_of_scope import load_policy


def test_every_category_of_the_policy_has_examples_in_both_languages():
    examples = load_examples()
    assert set(examples.categories) == {c.category for c in load_policy().categories}
    for name, texts in [*examples.categories.items(), ("in_scope", examples.in_scope)]:
        assert len(texts) >= 20, name
        assert any(t.isascii() for t in texts), name  # English
        assert sum(not t.isascii() for t in texts) >= 20, name  # Chinese
    assert not set(examples.out_of_scope) & set(examples.in_scope)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("categories: [a, b]\nin_scope: [x]\n", "'categories' (a mapping)"),
        ("categories:\n  forecast: []\nin_scope: [x]\n", "category forecast must be a non-empty"),
        ("categories:\n  forecast: [明天涨吗]\n", "in_scope must be a non-empty"),
        ("categories:\n  forecast: [明天涨吗, '  ']\nin_scope: [x]\n", "empty or non-text"),
    ],
)
def test_a_malformed_examples_file_is_named_with_its_problem(tmp_path, text, problem):
    path = tmp_path / "examples.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        load_examples(path)


def test_closeness_is_the_best_cosine_with_each_list():
    out = BackgroundMap(np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32), "m")
    inside = BackgroundMap(np.array([[0.6, -0.8]], dtype=np.float32), "m")
    closeness = IntentMap(out, inside).closeness(np.array([0.6, 0.8], dtype=np.float32))
    assert closeness == pytest.approx((0.8, 0.36 - 0.64))


def ranked(out: float | None, inside: float | None) -> RankedResult:
    return RankedResult(
        "KB-X", 1, "t", "s", "x", "faq", None, "C001", date(2026, 1, 1), 0.1, 0.9, 5.0,
        margin=0.02, lexical_coverage=0.5, agreement=True, weighted_coverage=0.5,
        out_of_scope=out, in_scope=inside,
    )  # fmt: skip


def test_the_refusal_model_reads_both_closenesses_and_a_missing_one_as_the_mean():
    values = feature_values(ranked(0.93, 0.90))
    assert (values["out_of_scope"], values["in_scope"]) == (0.93, 0.90)
    assert np.isnan(feature_values(ranked(None, None))["out_of_scope"])
    model = RefusalModel(
        ("dense", "out_of_scope", "in_scope"), (0.9, 0.91, 0.92), (0.03, 0.02, 0.02),
        (1.0, -1.0, 1.0), 0.0,
    )  # fmt: skip
    assert model.probability(ranked(None, None)) == model.probability(ranked(0.91, 0.92))
    # closer to a forecast or a live quote than the mean: less likely to be answered
    assert model.probability(ranked(0.95, 0.92)) < model.probability(ranked(0.91, 0.92))
