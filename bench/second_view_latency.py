"""What the second view (knowledge_base/second_view.py, issue 15 §4) adds to /ask and to a cold
start, at N chunks.

Per question: the USE embedding of the question (distinct questions, none cached) and the
best cosine of each candidate document's passages (60 candidate documents of 10 chunks each).
Cold start, in this fresh process: loading the vectors file of N chunks (`second-view.npz`,
written here with random unit vectors: loading costs the same whatever the values) and loading
the model (tokenizer and weights). The search path itself is bench/retrieval_latency.py.

    .venv/bin/python bench/second_view_latency.py [--chunks 10000] [--queries 200]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TOPICS = [
    "融资融券",
    "科创板开户",
    "国债逆回购",
    "基金定投",
    "交易密码",
    "可转债",
    "港股通",
    "银证转账",
    "股票质押",
    "期权",
]
FORMS = [
    "{}怎么开通",
    "{}需要什么条件",
    "{}的费用是多少",
    "我想了解一下{}有什么风险",
    "客户问{}今天能不能办",
    "How does {} work?",
    "{}忘了怎么办，着急",
    "{}和别的有什么区别",
    "帮我查一下{}的流程",
    "{}最低多少钱起",
    "{}手续费",
    "老客户{}还要重新签协议吗",
    "{}在App哪里办理",
    "{}被拒绝了是什么原因",
    "{}到账要几天",
    "{}有没有额度限制",
    "{}周末能办吗",
    "{}要本人到营业部吗",
    "{}适合什么样的客户",
    "{}的规则最近有变化吗",
]


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()

    started = time.perf_counter()
    from knowledge_base.second_view import (
        VECTORS_FILE,
        SecondView,
        SecondViewIndex,
        _read,
        _write,
    )
    from retrieval.embedders.usem3 import Usem3Embedder

    imports = time.perf_counter() - started
    rng = np.random.default_rng(7)
    n, per_doc = args.chunks, 10
    vectors = rng.standard_normal((n, 512)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    docs = [(f"KB-{i // per_doc:05d}", 1) for i in range(n)]
    keys = [f"{i:032x}" for i in range(n)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / VECTORS_FILE
        _write(path, keys, dict(zip(keys, vectors, strict=True)))
        size = path.stat().st_size
        started = time.perf_counter()
        stored = _read(path)
        index = SecondViewIndex(np.stack([stored[k] for k in keys]), docs)
        load_vectors = time.perf_counter() - started
    embedder = Usem3Embedder()
    started = time.perf_counter()
    embedder.load()
    load_model = time.perf_counter() - started
    view = SecondView(embedder)
    questions = [f.format(t) for f in FORMS for t in TOPICS][: args.queries]
    all_docs = sorted(set(docs))
    timings = []
    for i, question in enumerate(questions):
        candidates = [all_docs[j] for j in rng.choice(len(all_docs), 60, replace=False)]
        started = time.perf_counter()
        view.scores(index, question, candidates)
        timings.append((time.perf_counter() - started) * 1000)
        if i == 0:
            first = timings[0]
    print(
        f"{n} chunks, {len(questions)} distinct questions, 60 candidate documents × {per_doc} "
        f"chunks each\n"
        f"per question: p50 {percentile(timings, 50):.1f} ms, p95 {percentile(timings, 95):.1f} "
        f"ms, max {max(timings):.1f} ms (first {first:.1f} ms)\n"
        f"cold start: imports {imports:.2f} s, vectors file ({size / 1e6:.1f} MB) "
        f"{load_vectors:.2f} s, model load {load_model:.2f} s"
    )


if __name__ == "__main__":
    main()
