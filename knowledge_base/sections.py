"""Which section of a document answers a question: what the question asks for (its intent:
conditions, fees, process…) and which headings offer it (issue 15 §5).

A small general lexicon of question words and heading words in Chinese and English, written for
any securities knowledge base (never from evaluation questions). A question about the
conditions of a business should be shown the conditions section of its document, not the
procedure next to it; the ranking of documents is left to the scores.

Cues are matched as substrings (Chinese) or whole words (English, lower case). Within a text,
the intents are tried in order and a matched cue is consumed, so a specific phrase is read once:
「怎么算」 is a calculation question, not a process one. A weak cue (「怎么」, "how") counts only
when no other intent was found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache


def _cues(text: str) -> tuple[str, ...]:
    return tuple(text.split("|"))


@dataclass(frozen=True)
class Intent:
    name: str
    asks: tuple[str, ...]  # cues in questions
    offers: tuple[str, ...]  # cues in section headings
    weak_asks: tuple[str, ...] = ()  # question cues that count only when nothing else does
    weak_offers: tuple[str, ...] = ()  # heading cues likewise
    # a heading offering this offers nothing else: 「禁用表述」 lists wording not to use (not a
    # script), 「限额的含义」 explains limits (it does not state them)
    exclusive: bool = False


# Order matters: earlier intents consume their cues first (specific phrases before general ones).
# Cues are separated by |.
INTENTS: tuple[Intent, ...] = (
    Intent(
        "calculation",
        asks=_cues(
            "怎么算|如何算|如何计算|怎么计算|怎样计算|计算|公式|算法|calculate|"
            "calculated|calculation|formula|compute|computed"
        ),
        offers=_cues("计算|公式|算例|示例|举例|例子|calculation|formula|example|worked example"),
    ),
    Intent(
        "script",
        asks=_cues(
            "怎么说|怎么回|怎么讲|怎么回复|怎么答|如何回复|如何回答|如何解释|"
            "怎么解释|怎么跟客户说|话术|措辞|说法|what to say|what should i say|"
            "how should i tell|how do i tell|how should i explain|wording|script"
        ),
        offers=_cues(
            "话术|怎么说|如何回复|回复|表述|措辞|告知|沟通|talking points|"
            "key message|what to say|script|wording"
        ),
    ),
    Intent(
        "definition",
        exclusive=True,
        asks=_cues(
            "是什么|什么是|啥是|是啥|什么意思|啥意思|指什么|怎么回事|含义|定义|概念|"
            "介绍一下|区别|有什么不同|有何不同|what is|what's|what are|what does|"
            "meaning|mean|means|explain|difference|define|definition"
        ),
        offers=_cues(
            "简介|概述|介绍|定义|含义|什么是|是什么|概念|概况|overview|introduction|"
            "definition|about"
        ),
    ),
    Intent(
        "materials",
        asks=_cues(
            "材料|带什么|带些什么|带哪些|要带|准备什么|准备哪些|准备些什么|证件|资料|"
            "需要提供|提交什么|提供什么|身份证|documents|document|bring|paperwork|"
            "materials|id card|what to prepare|what do i need to prepare"
        ),
        offers=_cues("材料|证件|资料|携带|所需文件|documents|materials|paperwork|what to bring"),
    ),
    Intent(
        "conditions",
        asks=_cues(
            "条件|门槛|要求|资格|准入|能不能开|能开吗|可以开吗|能否开通|够不够|够开|"
            "达标|不达标|满足|符合|谁能|谁可以|哪些人|什么人|适合谁|适合什么|"
            "多少资产|资产要多少|资产多少|资金要多少|要多少资金|多少资金才|"
            "eligible|eligibility|requirement|requirements|require|required|qualify|"
            "qualified|criteria|threshold|who can"
        ),
        offers=_cues(
            "条件|门槛|要求|准入|资格|适用对象|适合客户|参与条件|适当性|eligibility|"
            "eligible|requirement|requirements|criteria|who can|qualification|"
            "qualifications"
        ),
    ),
    Intent(
        "fees",
        asks=_cues(
            "费用|多少钱|手续费|利率|佣金|收费|费率|利息|收多少|成本|计息|罚息|"
            "收不收|要钱吗|免费|便宜|优惠|折扣|贵不贵|fee|fees|cost|costs|charge|"
            "charged|charges|commission|interest|price|pay|paid|free|discount|"
            "cheaper|expensive"
        ),
        offers=_cues(
            "费用|费率|手续费|利率|佣金|利息|收费|计息|结息|罚息|优惠|成本|fee|fees|"
            "commission|cost|costs|charge|charges|interest|pay|pricing|price"
        ),
    ),
    Intent(
        "timing",
        asks=_cues(
            "什么时候|何时|几点|多久|多长时间|几天|哪天|几号|时间|期限|截止|最晚|"
            "最早|当天|到账|时效|生效|多少天|几个交易日|when|how long|what time|"
            "deadline|hours|how many days|same day|by when|timing"
        ),
        offers=_cues(
            "时间|时效|期限|时点|日期|到账|生效|截止|时限|time|timing|hours|deadline|"
            "period|days|schedule"
        ),
    ),
    Intent(
        "risks",
        asks=_cues(
            "风险|亏|损失|注意|安全吗|靠谱|坑|隐患|提醒|risk|risks|risky|lose|loss|"
            "losses|safe|danger|careful|watch out"
        ),
        offers=_cues("风险|注意|提示|须知|警示|提醒|risk|risks|caution|warning|note|notes"),
    ),
    Intent(
        "restrictions",
        exclusive=True,
        asks=_cues(
            "禁止|不允许|不得|严禁|违规|限制|被拒|不能做|不让|prohibit|prohibited|"
            "forbidden|not allowed|restrict|restricted|restriction|banned|rejected"
        ),
        offers=_cues(
            "禁止|不得|严禁|限制|禁用|不能|不可|例外|违规|restrictions|restriction|"
            "prohibited|exceptions|not allowed"
        ),
    ),
    Intent(
        "limits",
        asks=_cues(
            "最多|最少|上限|下限|最高|最低|封顶|限额|maximum|minimum|at most|"
            "at least|cap|up to|limit|limits"
        ),
        offers=_cues("上限|下限|限额|阈值|最高|最低|limit|limits|cap|maximum|minimum|threshold"),
    ),
    Intent(
        "consequences",
        asks=_cues(
            "会怎样|会怎么样|怎么办|后果|违约|逾期|没补|不还|会被|what happens|"
            "what if|consequence|consequences|fail to|misses"
        ),
        offers=_cues(
            "后果|违约|逾期|处置|处理|what happens|consequence|consequences|default|exceeded"
        ),
    ),
    Intent(
        "query",
        asks=_cues("查询|查看|在哪看|怎么查|哪里看|哪里查|查到|check|look up|find out"),
        offers=_cues("查询|查看|check|look up|lookup"),
    ),
    Intent(
        "channel",
        asks=_cues("在哪|哪里|渠道|网上|线上|远程|where|online|channel"),
        offers=_cues("渠道|途径|入口|线上|柜台|网点|channel|channels|online|where"),
    ),
    Intent(
        "contacts",
        asks=_cues(
            "找谁|联系|热线|客服|对接人|负责人|邮箱|contact|who should|hotline|email|"
            "联系方式|电话多少|电话是多少|phone number"
        ),
        offers=_cues("联系|电话|热线|客服|对接|负责人|contact|contacts|hotline|email"),
    ),
    Intent(
        "process",
        asks=_cues(
            "怎么办理|如何办理|怎么开通|如何开通|怎么开|怎么弄|怎么操作|如何操作|"
            "怎么申请|如何申请|流程|步骤|手续|process|procedure|steps"
        ),
        offers=_cues(
            "流程|步骤|办理方式|办理渠道|如何办理|怎么办理|操作|申请方式|开通方式|"
            "手续|how to|procedure|process|steps|apply|application"
        ),
        weak_asks=_cues("怎么|如何|怎样|办理|申请|开通|how do|how to|how can|apply|application"),
        weak_offers=_cues("办理|方式"),
    ),
)


def _pattern(cues: tuple[str, ...]) -> re.Pattern[str] | None:
    """One alternation, longest cue first; English cues as whole words."""
    if not cues:
        return None
    parts = []
    for cue in sorted(set(cues), key=len, reverse=True):
        escaped = re.escape(cue)
        if cue.isascii() and cue[:1].isalnum():
            escaped = rf"(?<![a-z0-9]){escaped}(?![a-z0-9])"
        parts.append(escaped)
    return re.compile("|".join(parts))


# compound nouns that name a thing, not what is asked about it: 「风险揭示书」 is a form to sign,
# 「条件单」 an order type; read first and dropped
NAMES = _cues(
    "风险揭示|风险测评|风险评估|风险等级|风险承受|风险警示|条件单|"
    "risk disclosure|risk assessment|risk level|risk tolerance"
)
_NAMES = _pattern(NAMES)
_ASKS = [(i.name, _pattern(i.asks), _pattern(i.weak_asks)) for i in INTENTS]
_OFFERS = [(i.name, _pattern(i.offers), _pattern(i.weak_offers)) for i in INTENTS]
_EXCLUSIVE = frozenset(i.name for i in INTENTS if i.exclusive)


def _intents(
    text: str, patterns: list[tuple[str, re.Pattern[str] | None, re.Pattern[str] | None]]
) -> frozenset[str]:
    rest = text.lower()
    found: list[str] = []
    for name, strong, _ in patterns:
        if strong is not None and strong.search(rest):
            found.append(name)
            rest = strong.sub(" ", rest)  # consumed: a later, vaguer intent does not read it
    if not found:
        found = [name for name, _, weak in patterns if weak is not None and weak.search(rest)]
    return frozenset(found)


def question_intents(question: str) -> frozenset[str]:
    """What the question asks for: conditions, fees, process, materials, risks, timing…"""
    text = question.lower()
    return _intents(_NAMES.sub(" ", text) if _NAMES is not None else text, _ASKS)


@lru_cache(maxsize=4096)  # a knowledge base has a few hundred headings, met on every question
def heading_intents(heading: str) -> frozenset[str]:
    """What a section heading offers (a heading path: each of its parts counts)."""
    found = _intents(heading, _OFFERS)
    exclusive = found & _EXCLUSIVE
    return exclusive if exclusive else found


def offers(heading: str, intents: frozenset[str]) -> bool:
    """The heading offers one of the intents."""
    return bool(intents) and bool(heading_intents(heading) & intents)


# when none of a document's sections offers what is asked, the nearest aspects it has answer
# instead: "how to open it" in a document without a procedure → what it takes (its conditions)
NEAREST: dict[str, tuple[str, ...]] = {
    "process": ("conditions", "materials", "channel"),
    "conditions": ("restrictions",),
}


def wanted(intents: frozenset[str], offered: frozenset[str]) -> frozenset[str]:
    """What a document's sections should offer for a question asking for `intents`, given all
    that its sections offer (`offered`): the intents, or their nearest aspects when the
    document offers none of them."""
    if not intents or intents & offered:
        return intents
    return intents | frozenset(n for i in intents for n in NEAREST.get(i, ()))
