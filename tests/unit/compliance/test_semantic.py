"""The semantic second signal of the draft check, with a stand-in embedder whose geometry is
known: a sentence's vector points at "claim" when it promises, at "compliant" when it
disclaims, so the thresholds' effect is checked without the model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from knowledge_base.compliance import ComplianceChecker, default_lexicon_path, load_lexicon
from knowledge_base.compliance.lexicon import Category
from knowledge_base.compliance.negation import distanced, negated, quoted
from knowledge_base.compliance.ngrams import BUCKETS, ngram_vector
from knowledge_base.compliance.semantic import (
    DraftModel,
    SemanticCheck,
    Thresholds,
    clauses,
    sentences,
)


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
        thresholds=Thresholds(0.9, 0.9, 0.05, 0.9, 0.9, 0.05),
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


def test_a_claim_buried_in_a_long_message_is_found_in_its_clause() -> None:
    text = "周末好！提醒您理财券别忘了用，另外这款包您一定赚，很适合您。"
    assert "另外这款包您一定赚" in [c for _, _, c in clauses(text)]
    result = ComplianceChecker(load_lexicon(default_lexicon_path()), semantic()).check(text)
    (violation,) = result.violations
    assert violation.matched_text == "另外这款包您一定赚"  # the clause, not the whole sentence


def test_a_three_character_claim_is_checked() -> None:
    assert [s for _, _, s in sentences("保收益")] == ["保收益"]


def test_negated_promises_are_recognised_in_both_languages() -> None:
    for text in ("本产品不保本", "收益不作保证", "returns are not guaranteed", "我没办法保证它涨"):
        assert negated(text), text
    # a negated risk is the banned claim itself, not a disclaimer
    for text in (
        "绝对没有风险",
        "不会亏",
        "There is no risk at all",
        "We guarantee your principal",
    ):
        assert not negated(text), text


def test_refused_acts_and_denied_urgency_are_recognised() -> None:
    for text in (
        "按规定我不能代客操作",
        "我不能透露其他客户的信息",
        "不必着急",
        "I cannot trade for you",
    ):
        assert negated(text), text
    for text in ("我帮您操作", "我可以帮您打理账户", "I will trade for you", "不可能亏"):
        assert not negated(text), text


def test_sentences_about_a_claim_are_recognised() -> None:
    for text in (
        "严禁向客户承诺收益。",
        "请勿相信任何包赚的宣传。",
        "Beware of scammers promising risk-free returns.",
        "Training note: never say guaranteed return.",
    ):
        assert distanced(text), text
    for text in ("这款产品保收益，您放心。", "We guarantee your principal."):
        assert not distanced(text), text


def test_a_lexicon_hit_in_a_negated_clause_is_dropped_with_the_second_signal() -> None:
    lexicon = load_lexicon(default_lexicon_path())
    text = "我没办法保证这只股票肯定涨。"
    assert not ComplianceChecker(lexicon).check(text).ok  # 肯定涨, for the lexicon alone
    assert ComplianceChecker(lexicon, semantic()).check(text).ok


class CountingEmbedder(KeywordEmbedder):
    def __init__(self) -> None:
        self.texts = 0

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        self.texts += len(texts)
        return super().encode_queries(texts)


def test_exemplar_vectors_are_kept_across_restarts_for_the_same_model_and_exemplars(
    tmp_path: Path,
) -> None:
    cache = tmp_path / "claim_exemplars.npz"
    claims = [("returns", Category.PROMISED_RETURNS, "包您一定赚")]
    first = CountingEmbedder()
    SemanticCheck(first, claims, ["收益不保证"], cache=cache).prepare()
    assert first.texts == 2 and cache.exists()
    again = CountingEmbedder()
    restarted = SemanticCheck(again, claims, ["收益不保证"], cache=cache)
    assert restarted.match("这款包您一定赚") is not None
    assert again.texts == 1  # the draft only: the exemplars came from the file
    changed = CountingEmbedder()
    SemanticCheck(changed, claims, ["收益不保证", "投资有风险"], cache=cache).prepare()
    assert changed.texts == 3  # other exemplars: embedded again


def test_a_claim_spaced_out_in_full_width_or_traditional_characters_is_flagged() -> None:
    checker = ComplianceChecker(load_lexicon(default_lexicon_path()), semantic())
    for text in (
        "王姐，这款包 您 一 定 赚。",
        "王姐，這款包您一定賺。",
        "Ｗe ｇｕａｒａｎｔｅｅ it, sir.",
    ):
        result = checker.check(text)
        assert not result.ok, text
        assert {v.category for v in result.violations} == {Category.PROMISED_RETURNS}, text


def test_the_clients_question_is_not_the_managers_claim() -> None:
    checker = ComplianceChecker(load_lexicon(default_lexicon_path()), semantic())
    assert checker.check("您问的包您一定赚的产品，我们没有。").ok
    assert checker.check("You asked whether I can guarantee it.").ok
    # telling the client is the manager's own claim
    assert not checker.check("跟客户说包您一定赚。").ok


def test_a_message_framed_as_a_quiz_is_not_a_claim() -> None:
    checker = ComplianceChecker(load_lexicon(default_lexicon_path()), semantic())
    assert checker.check("培训考题：下面哪句违规？\nA. 包您一定赚 B. 投资有风险").ok
    # a marker later in the message frames nothing before it
    assert not checker.check("这款产品很好。\n包您一定赚。培训过的同事都知道。").ok


def test_english_sentences_end_at_full_stops_and_numbers_keep_their_commas() -> None:
    text = "Hi Linda, the paperwork is done. Also, the note pays 3.5% and a 1,000-yuan gift."
    assert [s for _, _, s in sentences(text)] == [
        "Hi Linda, the paperwork is done.",
        "Also, the note pays 3.5% and a 1,000-yuan gift.",
    ]
    assert "the note pays 3.5% and a 1,000-yuan gift" in [c for _, _, c in clauses(text)]
    result = ComplianceChecker(load_lexicon(default_lexicon_path()), semantic()).check(
        "Hi Linda, the paperwork is done. Also, we guarantee this bond, want some?"
    )
    (violation,) = result.violations
    assert violation.matched_text == "we guarantee this bond"  # the claim, not the greeting


def trained(bias: float, check: SemanticCheck) -> DraftModel:
    """A stand-in trained signal on the keyword geometry: units pointing at "claim" more
    than at "compliant" (the pooled vector's two axes) raise P(violation)."""
    weights = np.zeros(2 + 2 + 7)
    weights[2], weights[3] = 12.0, -12.0
    return DraftModel(weights, bias, 0.5, check.exemplar_key())


def with_model(bias: float = -2.0) -> SemanticCheck:
    """The stand-in check whose thresholds never pass, with a trained signal."""
    check = SemanticCheck(
        KeywordEmbedder(),
        [("returns", Category.PROMISED_RETURNS, "包您一定赚")],
        ["收益不保证，承诺收益属于违规"],
        thresholds=Thresholds(1.1, 1.1, 1.0, 1.1, 1.1, 1.0),
    )
    check.model = trained(bias, check)
    return check


def test_the_trained_signal_flags_a_claim_with_its_category_and_passes_a_disclosure() -> None:
    lexicon = load_lexicon(default_lexicon_path())
    checker = ComplianceChecker(lexicon, with_model())
    result = checker.check("王姐您好，对账单已发。这款包您一定赚，放心。")
    assert not result.ok
    (violation,) = result.violations
    assert violation.category is Category.PROMISED_RETURNS  # its closest claim's category
    assert "包您一定赚" in violation.matched_text and violation.suggestion
    assert checker.check("王姐您好，这款产品收益不保证，请知悉。").ok
    without = SemanticCheck(
        KeywordEmbedder(),
        with_model().claims,
        ["收益不保证，承诺收益属于违规"],
        thresholds=Thresholds(1.1, 1.1, 1.0, 1.1, 1.1, 1.0),
    )
    assert ComplianceChecker(lexicon, without).check("这款包您一定赚，放心。").ok


def test_a_lexicon_phrase_counts_even_when_the_trained_signal_says_clean() -> None:
    lexicon = load_lexicon(default_lexicon_path())
    never = with_model(bias=-60.0)
    result = ComplianceChecker(lexicon, never).check("王姐，这款产品保本保息。")
    assert not result.ok and any("保本" in v.matched_text for v in result.violations)
    # a negated promise is still dropped by the negation rules
    assert ComplianceChecker(lexicon, never).check("王姐，这款产品不保本。").ok


def test_a_quoted_lexicon_phrase_is_a_mention_when_the_trained_signal_reads_the_draft_clean() -> (
    None
):
    lexicon = load_lexicon(default_lexicon_path())
    correction = "王姐，网上传的「这款产品保本保息」是假消息，它是R3产品，有亏损可能。"
    rumour = 'Tina, anyone selling you a "guaranteed return" is not someone to trust.'
    for text in (correction, rumour):
        assert not ComplianceChecker(lexicon).check(text).ok  # the lexicon alone flags it
        passed = ComplianceChecker(lexicon, with_model(bias=-60.0)).check(text)
        assert passed.ok and passed.mentions  # shown as a mention, not a violation
        assert all(text[m.start : m.end] == m.matched_text for m in passed.mentions)
    # a message that is nothing but the quotation quotes no one
    assert not ComplianceChecker(lexicon, with_model(bias=-60.0)).check("“保本保息”").ok
    # the same words as the manager's own claim, unquoted, stay flagged whatever the model says
    assert (
        not ComplianceChecker(lexicon, with_model(bias=-60.0)).check("王姐，这款产品保本保息。").ok
    )
    # a quoted phrase in a draft the trained signal reads as a claim is still flagged
    flagged = ComplianceChecker(lexicon, with_model(bias=60.0)).check(correction)
    assert any("保本" in v.matched_text for v in flagged.violations)
    # without a trained signal nothing is known about the draft: the hit stands
    assert not ComplianceChecker(lexicon, semantic()).check(correction).ok


def test_quotation_marks_of_both_languages_are_recognised_and_apostrophes_are_not() -> None:
    for text in (
        "您说的「保本」",
        "您说的“保本”",
        '您说的"保本"',
        "您说的『保本』",
        "您说的‘保本’",
    ):
        start = text.index("保本")
        assert quoted(text, start, start + 2), text
    for text in (
        "这款保本，您说的「不错」",
        "它“保本",
        "don't say it's guaranteed, it's",
        "「保本」！",
    ):
        word = "保本" if "保本" in text else "guaranteed"
        start = text.index(word)
        assert not quoted(text, start, start + len(word)), text


def test_a_trained_signal_fitted_on_other_exemplars_is_not_used() -> None:
    check = with_model()
    other = DraftModel(np.zeros(11), 9.0, 0.5, "other-exemplars")
    rebuilt = SemanticCheck(KeywordEmbedder(), check.claims, ["收益不保证"], model=other)
    assert rebuilt.model is None


def test_the_trained_signal_is_read_back_from_its_file(tmp_path: Path) -> None:
    grams = np.zeros(BUCKETS, dtype=np.float32)
    grams[7] = 1.5
    model = replace(trained(-2.0, with_model()), ngram_weights=grams)
    path = tmp_path / "draft_model.npz"
    model.save(path)
    again = DraftModel.read(path)
    assert again is not None and again.threshold == 0.5 and again.bias == -2.0
    assert np.array_equal(again.weights, model.weights)
    assert again.ngram_weights is not None and np.array_equal(again.ngram_weights, grams)
    assert DraftModel.read(tmp_path / "missing.npz") is None
    path.write_bytes(b"not a model")
    assert DraftModel.read(path) is None
    model.save(path)
    with np.load(path) as data:
        fields = {k: data[k] for k in data.files}
    np.savez(path, **(fields | {"model": np.array("other-model")}))
    assert DraftModel.read(path) is None  # fitted for another embedder
    np.savez(path, **(fields | {"ngram_weights": np.zeros(10, dtype=np.float32)}))
    assert DraftModel.read(path) is None  # n-grams hashed another way


def test_the_drafts_wording_counts_through_its_character_ngrams() -> None:
    """Two drafts the sentence vectors read alike: the n-gram weights tell the one that says
    「稳稳的」 from the one that does not."""
    lexicon = load_lexicon(default_lexicon_path())
    check = with_model(bias=-4.0)
    claim, plain_text = "王姐，这只基金稳稳的，放心拿着。", "王姐，这只基金的资料已发您，请查收。"
    checker = ComplianceChecker(lexicon, check)
    assert checker.check(claim).ok and checker.check(plain_text).ok
    grams = np.zeros(BUCKETS, dtype=np.float32)
    for bucket in ngram_vector("稳稳的"):
        grams[bucket] = 30.0
    for bucket in ngram_vector(plain_text):
        grams[bucket] = 0.0  # nothing the two drafts share
    assert check.model is not None
    check.model = replace(check.model, ngram_weights=grams)
    assert not checker.check(claim).ok
    assert checker.check(plain_text).ok


def with_groups(bias: dict[str, float]) -> SemanticCheck:
    """The stand-in check with a promise and an inducement exemplar and a group model whose
    biases say which kind of claim every draft makes."""
    check = SemanticCheck(
        KeywordEmbedder(),
        [
            ("returns", Category.PROMISED_RETURNS, "包您一定赚"),
            ("pressure", Category.INDUCEMENT, "今天不买明天就没了，包您不后悔"),
        ],
        ["收益不保证，承诺收益属于违规"],
        thresholds=Thresholds(1.1, 1.1, 1.0, 1.1, 1.1, 1.0),
    )
    groups = tuple(sorted(bias))
    check.model = replace(
        trained(-2.0, check),
        groups=groups,
        group_weights=np.zeros((len(groups), 11)),
        group_bias=np.array([bias[g] for g in groups]),
    )
    return check


def test_a_flagged_draft_is_shown_with_the_kind_of_claim_the_group_model_reads() -> None:
    """The unit's nearest exemplar is the promise; a group model that reads the draft as an
    inducement shows the nearest inducement exemplar and its category instead."""
    lexicon = load_lexicon(default_lexicon_path())
    draft = "王姐，这款包您一定赚，赶紧定吧。"
    promise = ComplianceChecker(lexicon, with_groups({"promise": 1.0, "inducement": 0.0}))
    (shown,) = promise.check(draft).violations
    assert shown.category is Category.PROMISED_RETURNS and shown.phrase == "≈ 包您一定赚"

    inducement = ComplianceChecker(lexicon, with_groups({"promise": 0.0, "inducement": 1.0}))
    (shown,) = inducement.check(draft).violations
    assert shown.category is Category.INDUCEMENT
    assert shown.phrase == "≈ 今天不买明天就没了，包您不后悔"
    assert shown.matched_text == promise.check(draft).violations[0].matched_text  # same span


def test_the_group_model_is_read_back_and_a_mismatched_one_refused(tmp_path: Path) -> None:
    model = with_groups({"promise": 0.3, "inducement": -0.3}).model
    assert model is not None
    path = tmp_path / "draft_model.npz"
    model.save(path)
    again = DraftModel.read(path)
    assert again is not None and again.groups == ("inducement", "promise")
    assert np.array_equal(again.group_bias, model.group_bias)
    assert again.group(np.zeros(11)) == "promise"
    with np.load(path) as data:
        fields = {k: data[k] for k in data.files}
    np.savez(path, **(fields | {"group_weights": np.zeros((2, 5))}))
    assert DraftModel.read(path) is None  # weights for other features
    np.savez(path, **(fields | {"groups": np.array(["promise", "weather"])}))
    assert DraftModel.read(path) is None  # a kind of claim the check does not know
    without = {k: v for k, v in fields.items() if not k.startswith("group")}
    np.savez(path, **without)
    older = DraftModel.read(path)
    assert older is not None and older.group(np.zeros(11)) is None  # a model without groups


def test_a_finding_is_shown_the_compliant_wording_its_claim_names() -> None:
    """A pressure message is shown the pressure wording, not the category's first entry (the
    insider one); a claim without a named wording, or naming a phrase the lexicon no longer
    has, falls back to the category's first entry in the draft's language."""
    lexicon = load_lexicon(default_lexicon_path())
    first = next(e for e in lexicon.entries if e.category is Category.INDUCEMENT)
    pressure = next(e for e in lexicon.entries if e.phrase == "千载难逢")
    assert first.suggestion != pressure.suggestion  # else this test shows nothing

    def shown(wording: dict[str, dict[str, str]]) -> str:
        check = SemanticCheck(
            KeywordEmbedder(),
            [("pressure", Category.INDUCEMENT, "包您一定赚")],
            ["收益不保证，承诺收益属于违规"],
            thresholds=Thresholds(0.9, 0.9, 0.05, 0.9, 0.9, 0.05),
            wording=wording,
        )
        (violation,) = (
            ComplianceChecker(lexicon, check).check("王哥，这次包您一定赚，快定。").violations
        )
        assert violation.category is Category.INDUCEMENT
        return violation.suggestion

    assert shown({"pressure": {"zh": "千载难逢", "en": "once-in-a-lifetime opportunity"}}) == (
        pressure.suggestion
    )
    assert shown({}) == first.suggestion
    assert shown({"pressure": {"zh": "已删除的短语"}}) == first.suggestion
    assert shown({"pressure": {"en": "once-in-a-lifetime opportunity"}}) == first.suggestion


def test_every_wording_the_exemplars_name_is_a_lexicon_phrase_of_the_claims_category() -> None:
    check = SemanticCheck.load(KeywordEmbedder())
    lexicon = load_lexicon(default_lexicon_path())
    categories = {name: category for name, category, _ in check.claims}
    assert check.wording, "the shipped exemplars name wordings"
    for name, per_language in check.wording.items():
        for lang, phrase in per_language.items():
            assert any(
                e.display == phrase and e.language == lang and e.category is categories[name]
                for e in lexicon.entries
            ), (name, lang, phrase)
