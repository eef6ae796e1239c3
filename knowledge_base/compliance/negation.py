"""Risky words used without making the claim: a negated promise, or talk about the claim.

Two small rule sets, in Chinese and English, general to any draft:
- `negated`: a clause where a promise word is in the scope of a negation just before it
  (「本产品不保本」「收益不作保证」 "returns are not guaranteed"). Only promise words are listed:
  a negated *risk* (「绝对没有风险」) is itself the banned claim, so 无/没有 + 风险 is not here.
- `distanced`: a sentence that talks *about* the claim — forbids it, warns against it, trains on
  it, reports a fraud or corrects an earlier statement (「严禁承诺收益」 "beware of scams").
"""

from __future__ import annotations

import re

_ZH_NEGATOR = (
    r"(?:不|没|没有|无|非|并非|并不|未|不能|无法|没法|没办法|不敢|不可能|从不|从未|绝不|不作|"
    r"不做|不予|不构成|不代表|不等于|不是|别|勿|切勿)"
)
_ZH_PROMISE = (
    r"(?:保本|保息|保收益|保证|承诺|兜底|担保|确保|保障|零风险|无风险|稳赚|包赚|刚兑|刚性兑付)"
)
_NEGATED_ZH = re.compile(_ZH_NEGATOR + r".{0,4}?" + _ZH_PROMISE)
_EN_NEGATOR = (
    r"(?:not|no|never|cannot|can't|can not|don't|do not|doesn't|does not|won't|will not|"
    r"isn't|aren't|nobody|no one|without|nor)"
)
_EN_PROMISE = r"(?:guarantee\w*|promis\w*|protected|assur\w*|risk-free|insured|secured)"
_NEGATED_EN = re.compile(
    r"\b" + _EN_NEGATOR + r"\b(?:\W+\w+){0,3}?\W+" + _EN_PROMISE, re.IGNORECASE
)
_ABOUT_ZH = re.compile(
    "严禁|禁止|不得|不准|不允许|违规|违法|违反|不合规|话术|培训|考试|考题|案例|警惕|谨防|当心|"
    "骗子|诈骗|骗局|冒充|冒用|假冒|不可信|别信|不要相信|请勿相信|不要轻信|举报|更正|纠正|"
    "表述不当|说错"
)
_ABOUT_EN = re.compile(
    r"\b(?:prohibited|forbidden|not allowed|never (?:say|tell|promise|claim|use)|training|quiz|"
    r"beware|scam\w*|fraud\w*|impersonat\w*|be careful|watch out|correction|misspoke|"
    r"compliance (?:note|reminder|rule))\b",
    re.IGNORECASE,
)


def negated(clause: str) -> bool:
    """Is a promise word of the clause negated (「不保本」 "not guaranteed")?"""
    return bool(_NEGATED_ZH.search(clause) or _NEGATED_EN.search(clause))


def distanced(sentence: str) -> bool:
    """Does the sentence talk about a claim (forbid, warn, train, correct) rather than make it?"""
    return bool(_ABOUT_ZH.search(sentence) or _ABOUT_EN.search(sentence))
