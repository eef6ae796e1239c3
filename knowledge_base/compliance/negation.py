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
    r"(?:保本|保息|保收益|保证|承诺|兜底|担保|确保|保障|零风险|无风险|稳赚|包赚|刚兑|刚性兑付|宣传)"
)
_NEGATED_ZH = re.compile(_ZH_NEGATOR + r".{0,4}?" + _ZH_PROMISE)
_EN_NEGATOR = (
    r"(?:not|no|never|cannot|can't|can not|don't|do not|doesn't|does not|won't|will not|"
    r"isn't|aren't|nobody|no one|without|nor|no such thing as(?: an?)?)"
)
_EN_PROMISE = r"(?:guarantee\w*|promis\w*|protected|assur\w*|risk-free|insured|secured)"
_NEGATED_EN = re.compile(
    r"\b" + _EN_NEGATOR + r"\b(?:\W+\w+){0,3}?\W+" + _EN_PROMISE, re.IGNORECASE
)
# Banned acts refused (「按规定我不能代客操作」 "I can't trade for you") and urgency denied
# (「不必着急」 "no need to rush").
_REFUSED_ZH = re.compile(
    r"(?:不能|不可以|不允许|无法|没法|不得|不可|不会|从不|绝不)(?:为您|给您|帮您|替您|代您|再)?"
    r"(?:代|替|帮)?(?:客户?|您|你)?(?:操作|下单|买卖|交易|打理|管理|理财|返|送|收取|分成|透露|提供|泄露|索要)"
)
_CALM_ZH = re.compile(r"(?:不必|不用|无需|没必要|不需要)(?:太)?(?:着急|急于|急|匆忙|赶)")
_REFUSED_EN = re.compile(
    r"\b(?:cannot|can't|can not|not allowed to|won't|will not|never|do not|don't)\s+"
    r"(?:\w+\s+){0,2}?(?:trade|place|manage|operate|share|disclose|give out|ask for|accept)\b"
    r"|\b(?:no need to (?:rush|hurry)|don't (?:rush|hurry)|take your time)\b",
    re.IGNORECASE,
)
# Reported speech: the client's question, wish or demand, not the manager's claim
# (「您问的保本产品」「客户坚持要我保证不亏」 "You asked if I could promise 8%"; but 「跟客户说」
# is the manager speaking, so the client as an object does not count), and an
# expectation the manager tells the client not to hold (「不要抱有……的预期」).
_REPORTED_ZH = re.compile(
    r"(?<![跟对和给向同替帮])(?:您|你|客户|对方|他|她)(?:上次|之前|刚才|刚刚|一直|总是|坚持)?"
    r"(?:问|咨询|想要|想买|希望|要求|要我|让我|提到|说的|所说|关心)"
    r"|(?<![跟对和给向同替帮])客户(?:说|告诉我|跟我说)|有人说"
    r"|(?:不要|别|不应|不该|不能)(?:抱有|有|存在|指望|期待)?.{0,8}(?:预期|期望|幻想|指望)"
)
_REPORTED_EN = re.compile(
    r"\b(?:you|(?:a |the |my )?clients?|he|she|they)\s+(?:\w+\s+)?"
    r"(?:asked|ask|asking|wanted|want to know|wondered|wonder|requested|insisted)\b"
    r"|\b(?:a |the |my )?clients? (?:told me|said|says)\b",
    re.IGNORECASE,
)
_ABOUT_ZH = re.compile(
    "严禁|禁止|不得|不准|不允许|违规|违法|违反|不合规|话术|培训|考试|考题|案例|警惕|谨防|当心|"
    "骗子|诈骗|骗局|冒充|冒用|假冒|不可信|别信|不要相信|请勿相信|不要轻信|举报|更正|纠正|"
    "表述不当|说错|号称|所谓|自称|声称|宣称|如果有人|若有人|如有人|凡是"
)
_ABOUT_EN = re.compile(
    r"\b(?:prohibited|forbidden|not allowed|never (?:say|tell|promise|claim|use)|training|quiz|"
    r"beware|scam\w*|fraud\w*|impersonat\w*|be careful|watch out|correction|misspoke|"
    r"compliance (?:note|reminder|rule)|so-called|claim(?:s|ing)? to|report (?:it|this|them|that)|"
    r"if (?:anyone|someone|somebody)|anyone (?:who|promising|offering|claiming))\b",
    re.IGNORECASE,
)


# A header that frames the whole message as training or a quiz (its first sentence).
_FRAME = re.compile(
    r"培训|考试|考题|测验|案例|话术|合规提示|合规提醒|\b(?:training|quiz|compliance (?:note|reminder))\b",
    re.IGNORECASE,
)
_FIRST_SENTENCE = re.compile(r"[^。！？!?\n]*")


def framed(text: str) -> bool:
    """Does the message open as training, a quiz or a compliance notice (so nothing in it is
    the manager's own claim)?"""
    first = _FIRST_SENTENCE.match(text)
    return bool(first and _FRAME.search(first.group(0)))


def reported(clause: str) -> bool:
    """Is the clause the client's question, wish or demand (「您问的保本产品」), or an
    expectation the client is told not to hold?"""
    return bool(_REPORTED_ZH.search(clause) or _REPORTED_EN.search(clause))


def negated(clause: str) -> bool:
    """Is a promise word of the clause negated (「不保本」 "not guaranteed"), a banned act
    refused (「我不能代客操作」) or urgency denied (「不必着急」)?"""
    return bool(
        _NEGATED_ZH.search(clause)
        or _NEGATED_EN.search(clause)
        or _REFUSED_ZH.search(clause)
        or _CALM_ZH.search(clause)
        or _REFUSED_EN.search(clause)
        or reported(clause)
    )


def distanced(sentence: str) -> bool:
    """Does the sentence talk about a claim (forbid, warn, train, correct) rather than make it?"""
    return bool(_ABOUT_ZH.search(sentence) or _ABOUT_EN.search(sentence))


# A quotation: Chinese corner brackets, curly and straight double quotes, curly single quotes
# (not the straight apostrophe: "don't"). Marks more than 80 characters apart are taken as
# unpaired, not as one long quotation.
_QUOTATION = re.compile(
    r"“[^“”]{1,80}”|\"[^\"\n]{1,80}\"|＂[^＂\n]{1,80}＂|「[^「」]{1,80}」|『[^『』]{1,80}』"
    r"|‘[^‘’]{1,80}’|〝[^〝〞]{1,80}〞"
)


_WORD = re.compile(r"[^\W_]")  # a letter, a digit or a Chinese character


def quoted(text: str, start: int, end: int) -> bool:
    """Is ``text[start:end]`` inside quotation marks in a message that says something around
    them (「您说的"稳赚不赔"不对」: the words are mentioned, a client's or a rumour's, not the
    manager's own claim)? A message that is nothing but a quotation (「"保本保息"」) quotes no
    one: its words are the message."""
    if not _WORD.search(unquoted(text)):
        return False
    return any(m.start() < start and end < m.end() for m in _QUOTATION.finditer(text))


def unquoted(text: str) -> str:
    """The message without what it quotes: the manager's own words."""
    return _QUOTATION.sub("", text)
