"""Where each glossary entry's terms occur: the sample KB, the compliance data, the eval questions.

Usage: .venv/bin/python scripts/glossary_provenance.py [--glossary PATH] [--spellings]

For every entry of the glossary (knowledge_base/samples/glossary.yaml by default) and every one
of its spellings (terms and typos), checks by exact spelling — the rule concept coverage applies
to approved text (`Glossary.mentions`: Chinese as a substring, Latin as a whole word, code
patterns) — whether it occurs in
  kb      the sample knowledge base's documents (title, tags and body; knowledge_base/samples/docs)
  policy  the compliance data (knowledge_base/samples/out_of_scope.yaml, lexicon.yaml)
  eval    the evaluation questions (tests/eval/questions.yaml, questions_blind.yaml,
          tests/eval/sets/*/questions.yaml; the `q` of each item)
and prints one row per entry, then a summary. Flagged for review:
  - an entry declared `kb` with no term in the KB, or `policy` with none in the policy files
    (a false claim; the unit test fails on these too);
  - an entry declared `catalogue` whose terms occur in evaluation questions but in neither the
    KB nor the policy files (keep it only if it is standard vocabulary listed without the
    question);
  - a spelling (term or typo) that occurs in evaluation questions but in neither the KB nor the
    policy files (`--spellings` lists them all; typos among them are listed always).
Exit status 1 when a declared source is missing, unknown or false.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge_base.documents import load_directory  # noqa: E402
from knowledge_base.glossary import SOURCES, Glossary, GlossaryEntry, load_glossary  # noqa: E402

KB_DOCS = ROOT / "knowledge_base" / "samples" / "docs"
POLICY_FILES = (
    ROOT / "knowledge_base" / "samples" / "out_of_scope.yaml",
    ROOT / "knowledge_base" / "samples" / "lexicon.yaml",
)
EVAL_FILES = (
    ROOT / "tests" / "eval" / "questions.yaml",
    ROOT / "tests" / "eval" / "questions_blind.yaml",
)
EVAL_SETS = ROOT / "tests" / "eval" / "sets"


def kb_texts(directory: Path = KB_DOCS) -> list[str]:
    """Title, tags and body of every sample document (not its similar questions)."""
    return ["\n".join([v.title, " ".join(v.tags), v.body]) for v in load_directory(directory)]


def policy_texts(files: Sequence[Path] = POLICY_FILES) -> list[str]:
    """The compliance files as written (phrases, patterns, reasons and comments)."""
    return [f.read_text(encoding="utf-8") for f in files]


def eval_files() -> dict[str, Path]:
    """Each evaluation set's questions file by a short name (sample, blind, then the sets)."""
    files = {"sample": EVAL_FILES[0], "blind": EVAL_FILES[1]}
    files.update({p.parent.name: p for p in sorted(EVAL_SETS.glob("*/questions.yaml"))})
    return files


@dataclass(frozen=True)
class EvalQuestion:
    set: str
    text: str


def eval_questions(files: dict[str, Path] | None = None) -> list[EvalQuestion]:
    """The question text of every item of every evaluation set."""
    questions: list[EvalQuestion] = []
    for name, path in (eval_files() if files is None else files).items():
        items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        questions += [
            EvalQuestion(name, str(item["q"]))
            for item in items
            if isinstance(item, dict) and "q" in item
        ]
    return questions


@dataclass(frozen=True)
class SpellingRow:
    spelling: str
    typo: bool
    kb: bool
    policy: bool
    eval: tuple[int, ...]  # indexes of the evaluation questions that use it

    @property
    def eval_only(self) -> bool:
        return bool(self.eval) and not self.kb and not self.policy


@dataclass(frozen=True)
class EntryRow:
    entry: GlossaryEntry
    spellings: tuple[SpellingRow, ...]
    pattern_kb: bool
    pattern_policy: bool
    pattern_eval: bool

    @property
    def kb(self) -> bool:
        return self.pattern_kb or any(s.kb for s in self.spellings)

    @property
    def policy(self) -> bool:
        return self.pattern_policy or any(s.policy for s in self.spellings)

    @property
    def eval(self) -> bool:
        return self.pattern_eval or any(s.eval for s in self.spellings)

    @property
    def problem(self) -> str | None:
        """Why the declared source is wrong, or None."""
        source = self.entry.source
        if source is None:
            return "no source"
        if source not in SOURCES:
            return f"unknown source {source!r}"
        if source == "kb" and not self.kb:
            return "declared kb, no term in the sample KB"
        if source == "policy" and not self.policy:
            return "declared policy, no term in the policy files"
        return None

    @property
    def review(self) -> bool:
        """Declared catalogue, and only the evaluation questions use its terms."""
        return self.entry.source == "catalogue" and self.eval and not self.kb and not self.policy


def _probes(glossary: Glossary) -> list[tuple[int, str | None]]:
    """(entry index, spelling) for every term and typo, then (entry index, None) per pattern."""
    probes: list[tuple[int, str | None]] = []
    for index, entry in enumerate(glossary.entries):
        probes += [(index, spelling) for spelling in (*entry.terms, *entry.typos)]
    probes += [(index, None) for index, entry in enumerate(glossary.entries) if entry.pattern]
    return probes


def _hits(probe: Glossary, texts: Sequence[str]) -> list[list[int]]:
    """For each probe entry, the indexes of the texts that mention it (exact spelling)."""
    position = {id(entry): n for n, entry in enumerate(probe.entries)}
    found: list[list[int]] = [[] for _ in probe.entries]
    for number, text in enumerate(texts):
        for entry in probe.mentions(text):
            found[position[id(entry)]].append(number)
    return found


def check(
    glossary: Glossary, kb: Sequence[str], policy: Sequence[str], questions: Sequence[str]
) -> list[EntryRow]:
    """One row per glossary entry, in file order."""
    probes = _probes(glossary)
    # one single-spelling entry per probe, so one pass over each text finds every spelling
    probe = Glossary(
        [
            GlossaryEntry((spelling,))
            if spelling is not None
            else GlossaryEntry((f"pattern-probe-{index}",), pattern=glossary.entries[index].pattern)
            for index, spelling in probes
        ]
    )
    in_kb, in_policy, in_eval = (_hits(probe, texts) for texts in (kb, policy, questions))
    rows: list[EntryRow] = []
    for index, entry in enumerate(glossary.entries):
        spellings: list[SpellingRow] = []
        pattern = [False, False, False]
        for n, (owner, spelling) in enumerate(probes):
            if owner != index:
                continue
            if spelling is None:
                pattern = [bool(in_kb[n]), bool(in_policy[n]), bool(in_eval[n])]
            else:
                typo = spelling in entry.typos
                spellings.append(
                    SpellingRow(
                        spelling, typo, bool(in_kb[n]), bool(in_policy[n]), tuple(in_eval[n])
                    )
                )
        rows.append(EntryRow(entry, tuple(spellings), *pattern))
    return rows


def check_shipped(glossary: Glossary | None = None) -> list[EntryRow]:
    """`check` on the sample glossary (or the given one) against the shipped files."""
    questions = [q.text for q in eval_questions()]
    return check(glossary or load_glossary(), kb_texts(), policy_texts(), questions)


def _mark(flag: bool) -> str:
    return "x" if flag else "."


def _sets(used: Iterable[int], questions: Sequence[EvalQuestion]) -> str:
    """Which evaluation sets the questions are from: `sample 2, trading 1`."""
    count = Counter(questions[q].set for q in used)
    return ", ".join(f"{name} {n}" for name, n in sorted(count.items()))


def report(rows: Sequence[EntryRow], questions: Sequence[EvalQuestion], all_spellings: bool) -> str:
    lines = ["| # | first term | source | kb | policy | eval | eval-only spellings |"]
    lines.append("|---|---|---|---|---|---|---|")
    for number, row in enumerate(rows, start=1):
        only = ", ".join(s.spelling for s in row.spellings if s.eval_only)
        lines.append(
            f"| {number} | {row.entry.canonical} | {row.entry.source or '-'} | {_mark(row.kb)} "
            f"| {_mark(row.policy)} | {_mark(row.eval)} | {only} |"
        )
    declared = Counter(row.entry.source or "-" for row in rows)
    lines += ["", f"entries: {len(rows)}"]
    lines.append(
        "declared source: "
        + ", ".join(f"{s} {declared[s]}" for s in (*SOURCES, "-") if declared[s])
    )
    lines.append(
        f"terms found in: kb {sum(r.kb for r in rows)}, policy {sum(r.policy for r in rows)}, "
        f"eval {sum(r.eval for r in rows)}, none of the three "
        f"{sum(not (r.kb or r.policy or r.eval) for r in rows)}"
    )
    problems = [(n, r) for n, r in enumerate(rows, start=1) if r.problem]
    lines.append(f"false or missing source: {len(problems)}")
    lines += [f"  #{n} {r.entry.canonical}: {r.problem}" for n, r in problems]
    review = [(n, r) for n, r in enumerate(rows, start=1) if r.review]
    lines.append(f"catalogue entries used by evaluation questions only (review): {len(review)}")
    for n, r in review:
        used = sorted({q for s in r.spellings for q in s.eval})
        lines.append(f"  #{n} {' / '.join(r.entry.terms)} ({_sets(used, questions)})")
        lines += [f"      eval: {questions[q].text}" for q in used[:3]]
        if len(used) > 3:
            lines.append(f"      … {len(used) - 3} more")
    eval_only = [(n, s) for n, r in enumerate(rows, start=1) for s in r.spellings if s.eval_only]
    typos = [(n, s) for n, s in eval_only if s.typo]
    lines.append(
        f"spellings used by evaluation questions but in neither the KB nor the policy files: "
        f"{len(eval_only)} ({len(typos)} of them typos)"
    )
    for n, s in eval_only if all_spellings else typos:
        kind = "typo" if s.typo else "term"
        lines.append(
            f"  #{n} {kind} {s.spelling}: {_sets(s.eval, questions)}; "
            f"e.g. {questions[s.eval[0]].text}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--glossary", type=Path, help="glossary YAML (default: the sample one)")
    parser.add_argument(
        "--spellings", action="store_true", help="list every eval-only spelling, not just typos"
    )
    args = parser.parse_args(argv)
    glossary = load_glossary(args.glossary)
    questions = eval_questions()
    rows = check(glossary, kb_texts(), policy_texts(), [q.text for q in questions])
    print(report(rows, questions, args.spellings))
    return 1 if any(r.problem for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
