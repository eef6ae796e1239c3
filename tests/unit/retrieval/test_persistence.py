"""Saving and loading the hybrid index: manifest checks, incremental rebuilds, atomic writes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from retrieval import (
    Bm25Index,
    HashingEmbedder,
    HybridSearcher,
    IndexMismatchError,
    Passage,
    fingerprint,
    load_or_build,
)
from tests.unit.retrieval.conftest import CountingEmbedder

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
PASSAGES = [
    Passage("margin", "融资融券开通条件：资产五十万元，交易经验半年以上。", {"v": 1}),
    Passage("repo", "国债逆回购 GC001 按日计息。", {"v": 1}),
    Passage(7, "基金定投每月固定扣款。", {"v": 1}),
]


def _build(folder: Path, embedder: CountingEmbedder, passages: list[Passage] = PASSAGES):
    return load_or_build(folder, passages, embedder, clock=lambda: NOW)


def test_first_build_embeds_everything_and_writes_the_manifest(
    tmp_path: Path, embedder: CountingEmbedder
) -> None:
    searcher, report = _build(tmp_path, embedder)

    assert (report.action, report.embedded) == ("built", 3)
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["model_id"] == embedder.model_id
    assert manifest["dimension"] == 256
    assert manifest["count"] == 3
    assert manifest["created"] == "2026-03-02T09:30:00+00:00"
    assert manifest["fingerprint"] == fingerprint((p.id, p.text) for p in PASSAGES)
    assert searcher.search("GC001", k=1)[0].id == "repo"


def test_matching_index_is_loaded_without_embedding_any_passage(
    tmp_path: Path, embedder: CountingEmbedder
) -> None:
    _build(tmp_path, embedder)
    fresh = CountingEmbedder(HashingEmbedder(256))

    searcher, report = _build(tmp_path, fresh, list(reversed(PASSAGES)))

    assert report.action == "loaded"
    assert fresh.documents_embedded == 0
    assert searcher.search("基金定投", k=1)[0].id == 7


def test_another_model_triggers_a_full_rebuild(tmp_path: Path, embedder: CountingEmbedder) -> None:
    _build(tmp_path, embedder)
    other = CountingEmbedder(HashingEmbedder(128))

    searcher, report = _build(tmp_path, other)

    assert (report.action, other.documents_embedded) == ("built", 3)
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["model_id"], manifest["dimension"]) == (other.model_id, 128)
    assert searcher.dense.dimension == 128


def test_changed_content_re_embeds_only_what_changed(
    tmp_path: Path, embedder: CountingEmbedder
) -> None:
    _build(tmp_path, embedder)
    again = CountingEmbedder(HashingEmbedder(256))
    changed = [
        Passage("margin", "融资融券开通条件：资产五十万元，交易经验半年以上。", {"v": 1}),
        Passage("repo", "国债逆回购 GC001 与 R001 按日计息。", {"v": 2}),
        Passage("new", "科创板股票代码688开头。", {"v": 1}),
    ]

    searcher, report = _build(tmp_path, again, changed)

    assert (report.action, report.embedded, report.reused, report.removed) == ("updated", 2, 1, 1)
    assert again.documents_embedded == 2
    assert 7 not in searcher
    assert searcher.search("R001", k=1)[0].metadata == {"v": 2}
    reloaded, report = _build(tmp_path, again, changed)
    assert report.action == "loaded"
    assert reloaded.search("688", k=1)[0].id == "new"


def test_metadata_only_changes_are_applied_without_embedding(
    tmp_path: Path, embedder: CountingEmbedder
) -> None:
    _build(tmp_path, embedder)
    relabelled = [Passage(p.id, p.text, {"v": 9}) for p in PASSAGES]
    fresh = CountingEmbedder(HashingEmbedder(256))

    searcher, report = _build(tmp_path, fresh, relabelled)

    assert report.action == "loaded" and fresh.documents_embedded == 0
    assert searcher.search("GC001", k=1)[0].metadata == {"v": 9}
    assert HybridSearcher.load(tmp_path, fresh).search("GC001", k=1)[0].metadata == {"v": 9}


def test_a_corrupt_manifest_or_missing_file_triggers_a_rebuild(
    tmp_path: Path, embedder: CountingEmbedder
) -> None:
    _build(tmp_path, embedder)
    generation = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))["generation"]
    (tmp_path / generation / "dense.faiss").unlink()

    _, report = _build(tmp_path, embedder)
    assert report.action == "built"

    (tmp_path / "manifest.json").write_text("{not json", encoding="utf-8")
    _, report = _build(tmp_path, embedder)
    assert report.action == "built"


def test_loading_with_another_model_is_refused(tmp_path: Path, embedder: CountingEmbedder) -> None:
    _build(tmp_path, embedder)

    with pytest.raises(IndexMismatchError, match="built with"):
        HybridSearcher.load(tmp_path, HashingEmbedder(64))
    with pytest.raises(IndexMismatchError, match="no readable index"):
        HybridSearcher.load(tmp_path / "missing", embedder)


def test_a_failed_save_keeps_the_previous_index_and_leaves_no_partial_files(
    tmp_path: Path, embedder: CountingEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    searcher, _ = _build(tmp_path, embedder)
    before = sorted(p.name for p in tmp_path.iterdir())
    searcher.add([Passage("extra", "可转债打新。")])

    def broken_save(self: Bm25Index, directory: Path) -> None:
        (Path(directory) / "lexical_docs.json").write_text("{partial", encoding="utf-8")
        raise OSError("disk full")

    monkeypatch.setattr(Bm25Index, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        searcher.save(tmp_path)

    assert sorted(p.name for p in tmp_path.iterdir()) == before
    monkeypatch.undo()
    loaded = HybridSearcher.load(tmp_path, embedder)
    assert len(loaded) == 3 and "extra" not in loaded


def test_saving_again_replaces_the_old_generation(
    tmp_path: Path, embedder: CountingEmbedder
) -> None:
    searcher, _ = _build(tmp_path, embedder)
    searcher.remove(["repo"])
    searcher.save(tmp_path)

    names = [p.name for p in tmp_path.iterdir()]
    assert len([n for n in names if n.startswith("gen-")]) == 1
    assert not [n for n in names if n.endswith(".tmp")]
    assert "repo" not in HybridSearcher.load(tmp_path, embedder)


def test_no_pickle_files_are_written(tmp_path: Path, embedder: CountingEmbedder) -> None:
    _build(tmp_path, embedder)

    suffixes = {p.suffix for p in tmp_path.rglob("*") if p.is_file()}
    assert suffixes <= {".json", ".npy", ".faiss", ".jsonl", ".mmindex"}


def test_fingerprint_ignores_order_and_sees_text_changes() -> None:
    pairs = [(p.id, p.text) for p in PASSAGES]

    assert fingerprint(pairs) == fingerprint(reversed(pairs))
    assert fingerprint(pairs) != fingerprint([*pairs[:-1], (7, "基金定投每月扣款。")])
    assert fingerprint([(1, "x")]) != fingerprint([("1", "x")])
