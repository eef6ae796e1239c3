"""FaissIndex specifics beyond the shared contract."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retrieval import FaissIndex


def _unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def test_scores_are_cosine_similarities() -> None:
    index = FaissIndex(3)
    index.add(np.stack([_unit(1, 0, 0), _unit(1, 1, 0)]), ["x", "xy"])

    hits = dict(index.search(_unit(1, 0, 0), 2))

    assert hits["x"] == pytest.approx(1.0)
    assert hits["xy"] == pytest.approx(np.sqrt(0.5))


def test_vectors_are_normalised_on_the_way_in() -> None:
    index = FaissIndex(2)
    index.add(np.array([[3.0, 4.0]]), ["a"])

    assert index.search(np.array([6.0, 8.0]), 1) == [("a", pytest.approx(1.0))]


def test_removal_keeps_the_other_vectors_untouched() -> None:
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(50, 8)).astype(np.float32)
    index = FaissIndex(8)
    index.add(vectors, list(range(50)))
    query = rng.normal(size=8)
    before = dict(index.search(query, 50))

    index.remove(list(range(0, 50, 2)))

    after = dict(index.search(query, 50))
    assert set(after) == set(range(1, 50, 2))
    assert after == pytest.approx({i: before[i] for i in after})


def test_wrong_shapes_are_refused() -> None:
    index = FaissIndex(4)
    with pytest.raises(ValueError, match="shape"):
        index.add(np.zeros((2, 3)), ["a", "b"])
    with pytest.raises(ValueError, match="shape"):
        index.add(np.zeros((1, 4)), ["a", "b"])
    index.add(np.eye(4)[:1], ["a"])
    with pytest.raises(ValueError, match="dimension"):
        index.search(np.zeros(3), 1)


def test_labels_are_not_reused_after_reload(tmp_path: Path) -> None:
    index = FaissIndex(2)
    index.add(np.array([[1.0, 0.0], [0.0, 1.0]]), ["a", "b"])
    index.remove(["b"])
    index.save(tmp_path)
    reloaded = FaissIndex.load(tmp_path)

    reloaded.add(np.array([[0.0, 1.0]]), ["c"])

    assert [i for i, _ in reloaded.search(np.array([1.0, 0.0]), 2)] == ["a", "c"]
    assert [i for i, _ in reloaded.search(np.array([0.0, 1.0]), 1)] == ["c"]


def test_a_mismatched_id_map_is_refused(tmp_path: Path) -> None:
    index = FaissIndex(2)
    index.add(np.array([[1.0, 0.0]]), ["a"])
    index.save(tmp_path)
    (tmp_path / "dense_ids.json").write_text(
        '{"dimension": 2, "next_label": 2, "labels": [[0, "a"], [1, "b"]]}', encoding="utf-8"
    )

    with pytest.raises(ValueError, match="does not match"):
        FaissIndex.load(tmp_path)
