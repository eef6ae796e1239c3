"""Bm25Index specifics beyond the shared contract."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from retrieval import Bm25Index


def test_only_documents_sharing_a_token_are_returned() -> None:
    index = Bm25Index()
    index.add(["融资融券开通条件", "科创板权限", "基金定投"], ["a", "b", "c"])

    hits = index.search("融资融券怎么开", 10)

    assert [i for i, _ in hits] == ["a"]
    assert all(score > 0 for _, score in hits)


def test_rarer_terms_weigh_more() -> None:
    index = Bm25Index()
    index.add(["开户 开户 GC001", "开户 说明", "开户 流程", "开户 材料"], ["code", "x", "y", "z"])

    assert index.search("开户 GC001", 1)[0][0] == "code"


def test_saved_files_are_json_and_npy_only(tmp_path: Path) -> None:
    index = Bm25Index()
    index.add(["融资融券", "科创板"], ["a", "b"])
    index.save(tmp_path)

    suffixes = {p.suffix for p in tmp_path.rglob("*") if p.is_file()}
    assert suffixes <= {".json", ".npy", ".jsonl"}
    for npy in tmp_path.rglob("*.npy"):
        np.load(npy, allow_pickle=False)


def test_loading_uses_the_stored_matrix_and_matches_the_original(tmp_path: Path) -> None:
    index = Bm25Index()
    index.add(["融资融券开通条件", "融资融券利率", "科创板"], ["a", "b", "c"])
    before = index.search("融资融券条件", 5)
    index.save(tmp_path)

    assert Bm25Index.load(tmp_path).search("融资融券条件", 5) == before


def test_many_removals_do_not_grow_the_saved_vocabulary_forever(tmp_path: Path) -> None:
    index = Bm25Index()
    for round_ in range(3):
        texts = [f"文档{round_}-{i} 独特词{round_ * 1000 + i}" for i in range(600)]
        ids = [f"{round_}-{i}" for i in range(600)]
        index.add(texts, ids)
        index.remove(ids[:-1])
    index.save(tmp_path)
    reloaded = Bm25Index.load(tmp_path)

    assert len(reloaded) == 3
    assert [i for i, _ in reloaded.search("2599", 5)] == ["2-599"]
    assert len(reloaded._vocab) < 1100
