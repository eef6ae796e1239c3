"""BatchingEmbedder: concurrent query embeddings from different threads share one model call;
CachingEmbedder: a question asked again is not embedded again.

Concurrency is made deterministic with events: the first call is held inside the model until
the test has seen the other callers queue up behind it; no test relies on timing."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import pytest

from retrieval import HybridSearcher, Passage
from retrieval.embedders import BatchingEmbedder, CachingEmbedder, Vectors
from tests.support.embedders import HASHING, GatedEmbedder


def pile_up(
    batcher: BatchingEmbedder, pool: ThreadPoolExecutor, first: list[str], *later: list[str]
) -> list[Future[Vectors]]:
    """Start `first` (held inside the model), queue `later` behind it in order, and return
    the futures of all calls; the caller releases the model."""
    inner = batcher.inner
    assert isinstance(inner, GatedEmbedder)
    futures = [pool.submit(batcher.encode_queries, first)]
    assert inner.entered.wait(timeout=30)
    for number, texts in enumerate(later, 1):
        futures.append(pool.submit(batcher.encode_queries, texts))
        assert batcher.wait_until_waiting(number, timeout=10)
    return futures


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=8) as executor:
        yield executor


def test_a_lone_caller_gets_exactly_the_models_rows() -> None:
    inner = GatedEmbedder()
    inner.release.set()
    batcher = BatchingEmbedder(inner)

    vectors = batcher.encode_queries(["融资融券开通条件", "GC001"])

    assert np.array_equal(vectors, HASHING.encode_queries(["融资融券开通条件", "GC001"]))
    assert inner.batch_sizes == [2]
    assert batcher.model_id == HASHING.model_id and batcher.dimension == 64


def test_callers_queued_behind_a_running_call_share_the_next_model_call(
    pool: ThreadPoolExecutor,
) -> None:
    inner = GatedEmbedder()
    batcher = BatchingEmbedder(inner)
    questions = [["科创板开户门槛"], ["基金定投", "国债逆回购"], ["GC001"], ["两融利率"]]

    futures = pile_up(batcher, pool, *questions)
    inner.release.set()

    results = [f.result(timeout=30) for f in futures]
    assert inner.calls == [questions[0], [t for q in questions[1:] for t in q]]
    for texts, vectors in zip(questions, results, strict=True):
        assert np.array_equal(vectors, HASHING.encode_queries(texts))
    assert batcher.waiting == 0


def test_a_batch_never_exceeds_max_batch_and_the_rest_follows_in_order(
    pool: ThreadPoolExecutor,
) -> None:
    inner = GatedEmbedder()
    batcher = BatchingEmbedder(inner, max_batch=2)
    questions = [["q0"], ["q1"], ["q2"], ["q3"], ["q4", "q5", "q6"]]

    futures = pile_up(batcher, pool, *questions)
    inner.release.set()

    results = [f.result(timeout=30) for f in futures]
    assert inner.calls == [["q0"], ["q1", "q2"], ["q3"], ["q4", "q5", "q6"]]
    for texts, vectors in zip(questions, results, strict=True):
        assert np.array_equal(vectors, HASHING.encode_queries(texts))


def test_a_model_error_reaches_every_caller_of_that_batch_and_the_next_batch_still_runs(
    pool: ThreadPoolExecutor,
) -> None:
    inner = GatedEmbedder(fail_on=lambda texts: "坏" in texts)
    batcher = BatchingEmbedder(inner, max_batch=2)

    first, bad, unlucky, later = pile_up(batcher, pool, ["好"], ["坏"], ["好2"], ["好3"])
    inner.release.set()

    assert np.array_equal(first.result(timeout=30), HASHING.encode_queries(["好"]))
    for future in (bad, unlucky):
        with pytest.raises(RuntimeError, match="model crashed"):
            future.result(timeout=30)
    assert np.array_equal(later.result(timeout=30), HASHING.encode_queries(["好3"]))
    assert inner.calls == [["好"], ["坏", "好2"], ["好3"]]
    assert np.array_equal(batcher.encode_queries(["再问"]), HASHING.encode_queries(["再问"]))


def test_the_leaders_own_failure_does_not_strand_the_callers_queued_behind_it(
    pool: ThreadPoolExecutor,
) -> None:
    inner = GatedEmbedder(fail_on=lambda texts: texts == ["坏"])
    batcher = BatchingEmbedder(inner)

    bad, good = pile_up(batcher, pool, ["坏"], ["好"])
    inner.release.set()

    with pytest.raises(RuntimeError):
        bad.result(timeout=30)
    assert np.array_equal(good.result(timeout=30), HASHING.encode_queries(["好"]))


def test_a_model_returning_too_few_rows_is_an_error_for_everyone_in_the_batch(
    pool: ThreadPoolExecutor,
) -> None:
    inner = GatedEmbedder()
    batcher = BatchingEmbedder(inner)

    futures = pile_up(batcher, pool, ["a"], ["b"], ["c"])
    inner.rows_short = True
    inner.release.set()

    for future in futures:
        with pytest.raises(ValueError, match="vectors for"):
            future.result(timeout=30)
    assert inner.batch_sizes == [1, 2]


def test_empty_queries_and_documents_pass_straight_through() -> None:
    inner = GatedEmbedder()
    inner.release.set()
    batcher = BatchingEmbedder(inner)

    assert batcher.encode_queries([]).shape == (0, 64)
    assert np.array_equal(batcher.encode_documents(["基金"]), HASHING.encode_documents(["基金"]))
    with pytest.raises(ValueError):
        BatchingEmbedder(inner, max_batch=0)


def test_concurrent_searches_share_one_query_embedding_and_find_the_same_passages(
    pool: ThreadPoolExecutor,
) -> None:
    inner = GatedEmbedder()
    inner.release.set()
    searcher = HybridSearcher(inner, query_cache=0)
    searcher.add(
        [
            Passage("margin", "融资融券开通条件：资产五十万元，交易经验半年以上。"),
            Passage("repo", "国债逆回购 GC001 按日计息，适合闲置资金。"),
            Passage("fund", "基金定投每月固定扣款，分摊成本。"),
        ]
    )
    questions = ["融资融券开通条件", "GC001 怎么买", "基金定投扣款"]
    alone = [[h.id for h in searcher.search(q, k=2)] for q in questions]
    inner.calls.clear()
    inner.entered.clear()
    inner.release.clear()  # hold the next query inside the model again

    futures = [pool.submit(searcher.search, questions[0], 2)]
    assert inner.entered.wait(timeout=30)
    batcher = searcher._queries
    assert isinstance(batcher, BatchingEmbedder)
    for number, question in enumerate(questions[1:], 1):
        futures.append(pool.submit(searcher.search, question, 2))
        assert batcher.wait_until_waiting(number, timeout=10)
    inner.release.set()

    assert [[h.id for h in f.result(timeout=30)] for f in futures] == alone
    assert inner.calls == [questions[:1], questions[1:]]


def test_the_same_question_from_two_callers_in_one_batch_is_embedded_once(
    pool: ThreadPoolExecutor,
) -> None:
    inner = GatedEmbedder()
    batcher = BatchingEmbedder(inner)

    futures = pile_up(batcher, pool, ["a"], ["科创板门槛"], ["b", "科创板门槛"])
    inner.release.set()

    results = [f.result(timeout=30) for f in futures]
    assert inner.calls == [["a"], ["科创板门槛", "b"]]
    assert np.array_equal(results[2], HASHING.encode_queries(["b", "科创板门槛"]))


def test_a_cached_question_is_answered_without_the_model_and_the_oldest_is_evicted() -> None:
    inner = GatedEmbedder()
    inner.release.set()
    cache = CachingEmbedder(inner, size=2)

    first = cache.encode_queries(["融资融券", "GC001"])
    cache.encode_queries(["GC001"])  # 融资融券 is now the least recently used …
    cache.encode_queries(["基金定投"])  # … and makes room for this one
    mixed = cache.encode_queries(["GC001", "融资融券"])  # a hit and a miss, in order
    cache.encode_queries(["基金定投"])

    assert inner.calls == [["融资融券", "GC001"], ["基金定投"], ["融资融券"], ["基金定投"]]
    assert np.array_equal(first, HASHING.encode_queries(["融资融券", "GC001"]))
    assert np.array_equal(mixed, HASHING.encode_queries(["GC001", "融资融券"]))
    assert (cache.hits, cache.misses) == (2, 5)
    assert cache.encode_queries([]).shape == (0, 64)


def test_a_changed_cached_row_does_not_leak_into_the_next_answer() -> None:
    inner = GatedEmbedder()
    inner.release.set()
    cache = CachingEmbedder(inner)

    cache.encode_queries(["基金"])[0][:] = 0.0

    assert np.array_equal(cache.encode_queries(["基金"]), HASHING.encode_queries(["基金"]))


def test_a_searcher_embeds_a_repeated_question_once_with_the_same_results() -> None:
    inner = GatedEmbedder()
    inner.release.set()
    searcher = HybridSearcher(inner)
    searcher.add([Passage("repo", "国债逆回购 GC001"), Passage("fund", "基金定投")])

    first = searcher.search("GC001 怎么买", k=2)
    second = searcher.search("GC001 怎么买", k=2)

    assert second == first
    assert inner.calls == [["GC001 怎么买"]]
