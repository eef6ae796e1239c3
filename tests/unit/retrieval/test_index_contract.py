"""One contract, every index backend: FaissIndex, Bm25Index and the HybridSearcher facade.

Each backend is driven through a small text-level harness so the same tests apply; the dense
backend embeds with the deterministic HashingEmbedder."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import pytest

from retrieval import Bm25Index, FaissIndex, HashingEmbedder, HybridSearcher, Passage
from retrieval.types import DocId

EMBEDDER = HashingEmbedder(256)

REPO = "国债逆回购 GC001 是一种短期理财方式，资金安全，按日计息。"
REPO_PARTIAL = "国债是国家发行的债券，风险较低。"
MARGIN = "融资融券开通条件：资产五十万元，交易经验半年以上。"
STAR = "科创板股票代码以688开头，投资者需要满足适当性要求。"
QUERY = "国债逆回购GC001"


class Harness(Protocol):
    def add(self, docs: Sequence[tuple[DocId, str]]) -> None: ...
    def remove(self, ids: Sequence[DocId]) -> int: ...
    def search(self, query: str, k: int) -> list[DocId]: ...
    def __len__(self) -> int: ...
    def reloaded(self, folder: Path) -> Harness: ...


class DenseHarness:
    def __init__(self, index: FaissIndex | None = None) -> None:
        self.index = index or FaissIndex(EMBEDDER.dimension)

    def add(self, docs: Sequence[tuple[DocId, str]]) -> None:
        self.index.add(EMBEDDER.encode_documents([t for _, t in docs]), [i for i, _ in docs])

    def remove(self, ids: Sequence[DocId]) -> int:
        return self.index.remove(ids)

    def search(self, query: str, k: int) -> list[DocId]:
        return [i for i, _ in self.index.search(EMBEDDER.encode_queries([query])[0], k)]

    def __len__(self) -> int:
        return len(self.index)

    def reloaded(self, folder: Path) -> DenseHarness:
        self.index.save(folder)
        return DenseHarness(FaissIndex.load(folder))


class LexicalHarness:
    def __init__(self, index: Bm25Index | None = None) -> None:
        self.index = index or Bm25Index()

    def add(self, docs: Sequence[tuple[DocId, str]]) -> None:
        self.index.add([t for _, t in docs], [i for i, _ in docs])

    def remove(self, ids: Sequence[DocId]) -> int:
        return self.index.remove(ids)

    def search(self, query: str, k: int) -> list[DocId]:
        return [i for i, _ in self.index.search(query, k)]

    def __len__(self) -> int:
        return len(self.index)

    def reloaded(self, folder: Path) -> LexicalHarness:
        self.index.save(folder)
        return LexicalHarness(Bm25Index.load(folder))


class HybridHarness:
    def __init__(self, searcher: HybridSearcher | None = None) -> None:
        self.searcher = searcher or HybridSearcher(EMBEDDER)

    def add(self, docs: Sequence[tuple[DocId, str]]) -> None:
        self.searcher.add(Passage(i, text) for i, text in docs)

    def remove(self, ids: Sequence[DocId]) -> int:
        return self.searcher.remove(ids)

    def search(self, query: str, k: int) -> list[DocId]:
        return [hit.id for hit in self.searcher.search(query, k)]

    def __len__(self) -> int:
        return len(self.searcher)

    def reloaded(self, folder: Path) -> HybridHarness:
        self.searcher.save(folder)
        return HybridHarness(HybridSearcher.load(folder, EMBEDDER))


@pytest.fixture(
    params=[DenseHarness, LexicalHarness, HybridHarness], ids=["faiss", "bm25", "hybrid"]
)
def index(request: pytest.FixtureRequest) -> Harness:
    harness: Harness = request.param()
    return harness


@pytest.fixture
def filled(index: Harness) -> Harness:
    index.add([("repo", REPO), ("partial", REPO_PARTIAL), ("margin", MARGIN), (688, STAR)])
    return index


def test_search_ranks_the_best_match_first_then_partial_matches(filled: Harness) -> None:
    assert filled.search(QUERY, 2) == ["repo", "partial"]


def test_k_limits_the_number_of_results(filled: Harness) -> None:
    assert filled.search(QUERY, 1) == ["repo"]
    assert filled.search(QUERY, 0) == []


def test_len_counts_documents(filled: Harness) -> None:
    assert len(filled) == 4


def test_empty_index_finds_nothing(index: Harness) -> None:
    assert index.search(QUERY, 5) == []
    assert len(index) == 0


def test_removed_documents_are_never_returned_and_the_rest_still_are(filled: Harness) -> None:
    assert filled.remove(["repo", "not-there"]) == 1

    results = filled.search(QUERY, 10)
    assert "repo" not in results
    assert results[0] == "partial"
    assert len(filled) == 3
    assert filled.search("融资融券开通条件", 1) == ["margin"]


def test_removing_everything_leaves_an_empty_index(filled: Harness) -> None:
    filled.remove(["repo", "partial", "margin", 688])
    assert filled.search(QUERY, 5) == []
    assert len(filled) == 0


def test_adding_an_existing_id_replaces_its_text(filled: Harness) -> None:
    filled.add([("repo", "基金定投：每月固定金额买入基金，分摊成本。")])

    assert len(filled) == 4
    assert filled.search(QUERY, 1) == ["partial"]
    assert filled.search("基金定投每月买入", 1) == ["repo"]


def test_a_batch_naming_one_id_twice_is_refused_and_changes_nothing(filled: Harness) -> None:
    with pytest.raises(ValueError, match="duplicate"):
        filled.add([("x", "甲乙丙"), ("x", "丁戊己")])
    assert len(filled) == 4
    assert filled.search(QUERY, 1) == ["repo"]


def test_ids_and_their_types_survive_save_and_load(filled: Harness, tmp_path: Path) -> None:
    reloaded = filled.reloaded(tmp_path / "index")

    assert len(reloaded) == 4
    assert reloaded.search(QUERY, 2) == ["repo", "partial"]
    assert reloaded.search("科创板688开头", 1) == [688]  # an int id stays an int


def test_a_loaded_index_can_still_be_changed(filled: Harness, tmp_path: Path) -> None:
    reloaded = filled.reloaded(tmp_path / "index")

    reloaded.remove(["repo"])
    reloaded.add([("new", "国债逆回购 GC001 新的说明")])

    assert reloaded.search(QUERY, 1) == ["new"]
    assert len(reloaded) == 4


def test_an_empty_index_survives_save_and_load(index: Harness, tmp_path: Path) -> None:
    reloaded = index.reloaded(tmp_path / "index")
    assert len(reloaded) == 0
    assert reloaded.search(QUERY, 3) == []
    reloaded.add([("repo", REPO)])
    assert reloaded.search(QUERY, 3) == ["repo"]
