"""The semantic second signal of the draft check, with a stand-in embedder whose geometry is
known: a sentence's vector points at "claim" when it promises, at "compliant" when it
disclaims, so the thresholds' effect is checked without the model."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from knowledge_base.compliance import ComplianceChecker, default_lexicon_path, load_lexicon
from knowledge_base.compliance.lexicon import Category
from knowledge_base.compliance.semantic import SemanticCheck, sentences


class KeywordEmbedder:
    """Two axes: promise words pull toward (1, 0), disclaimers toward (0, 1)."""

    model_id = "keyword-test"
    dimension = 2

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        rows = []
        for text in texts:
            promise = sum(w in text for w in ("包您", "一定赚", "guarantee"))
            disclaim = sum(w in text for w in ("不保证", "违规", "not", "无法"))
            rows.append([promise + 0.1, disclaim + 0.1])
        vectors = np.asarray(rows, dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    encode_documents = encode_queries


def semantic() -> SemanticCheck:
    return SemanticCheck(
        KeywordEmbedder(),
        [("returns", Category.PROMISED_RETURNS, "包您一定赚")],
        ["收益不保证，承诺收益属于违规"],
        margin=0.05,
        floor=0.9,
        floor_en=0.9,
        veto=0.0,
    )


def test_sentences_keep_offsets() -> None:
    text = "您好。这个产品包您一定赚！谢谢"
    parts = sentences(text)
    assert [text[s:e] for s, e, _ in parts] == [p for _, _, p in parts]
    assert any("包您一定赚" in p for _, _, p in parts)


def test_a_claim_in_words_no_lexicon_lists_is_flagged() -> None:
    checker = ComplianceChecker(load_lexicon(default_lexicon_path()), semantic())
    result = checker.check("王姐您好。这款包您一定赚，放心。")
    assert not result.ok
    (violation,) = result.violations
    assert violation.category is Category.PROMISED_RETURNS
    assert "包您一定赚" in violation.matched_text
    assert violation.suggestion  # the category's compliant wording from the lexicon


def test_a_lexicon_word_used_to_warn_is_not_flagged() -> None:
    lexicon = load_lexicon(default_lexicon_path())
    text = "提醒：对客户说保证收益是违规的，收益不保证。"
    assert not ComplianceChecker(lexicon).check(text).ok  # the lexicon alone flags it
    assert ComplianceChecker(lexicon, semantic()).check(text).ok


def test_without_the_second_signal_nothing_changes() -> None:
    lexicon = load_lexicon(default_lexicon_path())
    for text in ("这款包您一定赚", "本产品保本保息", "本产品不保本"):
        plain = ComplianceChecker(lexicon).check(text)
        assert plain == ComplianceChecker(lexicon, None).check(text)


def test_thresholds_tuned_on_another_model_are_not_used() -> None:
    assert SemanticCheck.for_embedder(KeywordEmbedder()) is None
