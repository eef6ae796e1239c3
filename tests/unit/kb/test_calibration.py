"""Issue 15: refusals from a calibrated model, abbreviations from the knowledge base's own tags,
and coverage weighted by rarity — all derived from the knowledge base, none from questions."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

from knowledge_base.aliases import AliasIndex, initials
from knowledge_base.answering import Decision, RankedResult, with_features
from knowledge_base.calibration import FEATURES, RefusalModel, default_model_path, load_model
from knowledge_base.coverage import CoverageIndex, document_text, question_tokens
from knowledge_base.glossary import EMPTY_GLOSSARY

BEST = RankedResult(
    doc_id="KB-A",
    version=1,
    title="融资融券开户条件",
    section="条件",
    text="资产50万元。",
    kind="script",
    product_risk=None,
    approved_by="C001",
    effective_from=date(2026, 1, 1),
    score=0.9,
    dense_score=0.9,
    lexical_score=10.0,
)


def model(**changes: object) -> RefusalModel:
    """A model that answers on the cosine alone: P(answer) = σ(100 · (dense − 0.88))."""
    base = RefusalModel(
        FEATURES,
        tuple(0.0 for _ in FEATURES),
        tuple(1.0 for _ in FEATURES),
        tuple(100.0 if n == "dense" else 0.0 for n in FEATURES),
        -88.0,
        0.5,
        "engine-1.0:some-model",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_pinyin_initials_of_the_knowledge_base_terms_spell_them_out() -> None:
    assert initials("融资融券") == "rzrq"
    aliases = AliasIndex.build([("约定购回业务", ["约定购回", "融资融券"], "ETF 与 GC001 说明")])
    assert aliases.expand("ydgh期间分红归谁") == ["约定购回"]
    assert aliases.expand("RZRQ 开户") == ["融资融券"]
    assert aliases.expand("融资融券 rzrq") == []  # already spelled out


def test_a_word_the_knowledge_base_uses_is_never_read_as_an_abbreviation() -> None:
    aliases = AliasIndex.build([("股票期权", ["gqq"], "gqq 是本文的代号")])
    assert "gqq" in aliases.vocabulary
    assert aliases.expand("gqq 是什么") == []


def test_rare_words_weigh_more_in_coverage() -> None:
    texts = [
        ("KB-A", 1, document_text("融资融券", [], "客户资产")),
        ("KB-B", 1, document_text("股票期权", [], "客户资产")),
        ("KB-C", 1, document_text("国债逆回购", [], "客户资产")),
    ]
    coverage = CoverageIndex.build(EMPTY_GLOSSARY, texts)
    words = question_tokens("客户资产 期权")
    plain = coverage.lexical_coverage(words, "KB-A", 1)
    weighted = coverage.weighted_coverage(words, "KB-A", 1)
    assert plain is not None and weighted is not None
    assert weighted < plain  # KB-A has the common words, not the rare one
    unknown = coverage.unknown_share(question_tokens("黄金 客户"))
    assert unknown is not None and unknown > 0.5  # 黄金: nowhere in the knowledge base
    assert coverage.unknown_share(question_tokens("客户资产")) == 0.0


def test_the_model_decides_in_hybrid_mode_and_explains_itself() -> None:
    decision = Decision(model=model())
    assert decision.judge(BEST, "hybrid") is None
    assert decision.judge(replace(BEST, dense_score=0.85), "hybrid") == "low_score"
    uncovered = replace(BEST, dense_score=0.85, uncovered=("期权",))
    assert decision.judge(uncovered, "hybrid") == "uncovered:期权"
    # other modes keep their thresholds
    assert decision.judge(replace(BEST, dense_score=0.86), "dense") is None


def test_the_model_round_trips_and_only_serves_its_own_embedder(tmp_path: Path) -> None:
    file = tmp_path / "model.json"
    file.write_text(json.dumps(model().to_json()), encoding="utf-8")
    assert load_model(file) == model()
    assert load_model(file, embedder="engine-2.0:some-model") == model()  # engine upgrade
    assert load_model(file, embedder="hashing-256") is None
    assert load_model(tmp_path / "absent.json") is None


def test_the_shipped_model_is_readable() -> None:
    shipped = load_model(default_model_path())
    assert shipped is not None
    assert set(shipped.features) <= set(FEATURES)
    assert 0.0 < shipped.threshold < 1.0


def test_unknown_wording_is_read_per_question_language() -> None:
    """The share of the question's words no text uses counts against a Chinese question (it is
    about something else) and not against an English one (its words are unknown to Chinese
    texts whatever it asks); a ranking without the question's language reads as the mean."""
    names = ("dense", "unknown_zh", "unknown_en")
    weighed = RefusalModel(names, (0.0, 0.5, 0.5), (1.0, 1.0, 1.0), (100.0, -10.0, 0.0), -88.0, 0.5)
    unknown = replace(BEST, dense_score=0.9, unknown_share=0.9)
    assert not weighed.answers(replace(unknown, question_language="zh"))
    assert weighed.answers(replace(unknown, question_language="en"))
    assert weighed.answers(unknown)  # language not given: neutral
    assert weighed.answers(replace(unknown, question_language="zh", unknown_share=0.1))


def test_the_ranking_carries_the_questions_language() -> None:
    texts = [("KB-A", 1, document_text("融资融券", [], "客户资产"))]
    coverage = CoverageIndex.build(EMPTY_GLOSSARY, texts)
    for question, language in (("食堂几点开饭", "zh"), ("When does the canteen open?", "en")):
        (ranked,) = with_features([BEST], question, coverage)
        assert ranked.question_language == language
        assert ranked.unknown_share == 1.0


def test_the_best_documents_ranker_score_counts_toward_answering() -> None:
    """The same lead over the next document means more when the learned ranker scores the best
    document itself high: the shipped model reads that score (the ranking's `score`)."""
    shipped = load_model(default_model_path())
    assert shipped is not None and "ranker_score" in shipped.features
    weak = replace(BEST, score=0.0, margin=0.02, question_language="zh")
    strong = replace(weak, score=0.15)
    assert shipped.probability(strong) > shipped.probability(weak) + 0.05


def test_a_middling_chance_answers_but_is_not_given_as_sure(tmp_path: Path) -> None:
    """Between the refusal threshold and the `confident` level the question is answered as
    uncertain; above it, as sure; a model without the level gives every answer as sure."""
    hedging = model(confident=0.9)
    decision = Decision(model=hedging)
    middling = replace(BEST, dense_score=0.88)  # P = 0.5: answered (threshold 0.5)
    assert decision.judge(middling, "hybrid") is None
    assert not decision.sure(middling, "hybrid")
    assert decision.sure(replace(BEST, dense_score=0.92), "hybrid")  # P ≈ 0.98
    assert Decision(model=model()).sure(middling, "hybrid")
    assert Decision().sure(middling, "hybrid")  # hand-set rules: no calibrated chance
    file = tmp_path / "model.json"
    file.write_text(json.dumps(hedging.to_json()), encoding="utf-8")
    assert load_model(file) == hedging


def test_the_shipped_model_gives_some_answers_as_uncertain() -> None:
    shipped = load_model(default_model_path())
    assert shipped is not None and shipped.confident is not None
    assert shipped.threshold < shipped.confident < 1.0


def test_the_ranking_says_which_documents_carry_approved_similar_questions() -> None:
    texts = [
        ("KB-A", 1, document_text("融资融券", [], "客户资产")),
        ("KB-B", 1, document_text("股票期权", [], "客户资产")),
    ]
    coverage = CoverageIndex.build(EMPTY_GLOSSARY, texts, questioned=[("KB-A", 1)])
    other = replace(BEST, doc_id="KB-B", score=0.8)
    ranked = {r.doc_id: r.has_questions for r in with_features([BEST, other], "融资", coverage)}
    assert ranked == {"KB-A": True, "KB-B": False}


def test_a_document_without_similar_questions_is_not_held_to_their_scores() -> None:
    """Every score of a document with approved similar questions runs higher; the shipped model
    reads whether the best document has them, so the same scores without them read as more
    likely answerable (a new knowledge base starts without any)."""
    shipped = load_model(default_model_path())
    assert shipped is not None and "questions" in shipped.features
    plain = replace(BEST, score=0.05, margin=0.02, dense_score=0.89, question_language="zh")
    assert shipped.probability(plain) > shipped.probability(replace(plain, has_questions=True))
