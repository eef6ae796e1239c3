"""Glossary provenance: every shipped entry says where it comes from, and the claim holds."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from knowledge_base.glossary import SOURCES, GlossaryError, load_glossary, parse_glossary

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "glossary_provenance.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("glossary_provenance", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def provenance() -> ModuleType:
    return _script()


@pytest.fixture(scope="module")
def rows(provenance: ModuleType) -> list:
    return provenance.check_shipped()


def test_every_shipped_entry_declares_a_known_source() -> None:
    missing = [e.canonical for e in load_glossary().entries if e.source not in SOURCES]

    assert missing == []


def test_an_entry_declared_kb_has_a_term_in_the_sample_knowledge_base(rows: list) -> None:
    false = [r.entry.canonical for r in rows if r.entry.source == "kb" and not r.kb]

    assert false == []


def test_an_entry_declared_policy_has_a_term_in_the_compliance_files(rows: list) -> None:
    false = [r.entry.canonical for r in rows if r.entry.source == "policy" and not r.policy]

    assert false == []


def test_no_listed_typo_is_one_only_evaluation_questions_make(rows: list) -> None:
    eval_only = [s.spelling for r in rows for s in r.spellings if s.typo and s.eval_only]

    assert eval_only == []


def test_the_check_sees_a_false_claim(provenance: ModuleType) -> None:
    glossary = parse_glossary(
        [
            {"terms": ["融资融券", "两融"], "source": "kb"},
            {"terms": ["期货"], "source": "kb"},
            {"terms": ["保本"], "source": "policy"},
            {"terms": ["暗盘"], "source": "catalogue"},
        ]
    )

    rows = provenance.check(
        glossary,
        kb=["## 两融开户条件"],
        policy=["phrase: 保本"],
        questions=["港股暗盘怎么交易"],
    )

    assert [r.problem for r in rows] == [
        None,
        "declared kb, no term in the sample KB",
        None,
        None,
    ]
    assert [r.review for r in rows] == [False, False, False, True]  # eval uses it, nothing else


def test_the_loader_rejects_an_unknown_source_and_keeps_matching_without_one() -> None:
    with pytest.raises(GlossaryError) as error:
        parse_glossary([{"terms": ["期货"], "source": "eval"}], "g.yaml")

    assert error.value.problems == [
        "g.yaml: entry 1: unknown source 'eval' (expected one of: kb, policy, catalogue)"
    ]
    unsourced = parse_glossary([{"terms": ["期货", "futures"]}])
    assert [e.canonical for e in unsourced.match("Can a client trade futures?")] == ["期货"]
